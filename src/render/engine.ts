import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { PROJECT_ROOT } from '../lib/paths';
import { confHelpers } from './conf-helpers';

export const TEMPLATE_ROOT = join(PROJECT_ROOT, 'templates');

type Template = (context: unknown) => string;

// The config environment: no HTML escaping (config is not HTML), strict lookups (a missing field
// throws instead of rendering ''), and only the conf helpers may be called.
const conf = Handlebars.create();
for (const [name, fn] of Object.entries(confHelpers)) conf.registerHelper(name, fn);
const CONF_COMPILE = {
  noEscape: true,
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: Object.fromEntries(Object.keys(confHelpers).map((k) => [k, true])),
} as const;

const confCache = new Map<string, Template>();

export function confTemplate(name: string): Template {
  let tpl = confCache.get(name);
  if (!tpl) {
    const source = readFileSync(join(TEMPLATE_ROOT, 'asterisk', `${name}.hbs`), 'utf8');
    tpl = conf.compile(source, CONF_COMPILE);
    confCache.set(name, tpl);
  }
  return tpl;
}

export function listConfTemplates(): string[] {
  return readdirSync(join(TEMPLATE_ROOT, 'asterisk'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.hbs'))
    .sort();
}
