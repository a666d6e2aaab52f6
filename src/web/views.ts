import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Handlebars from 'handlebars';
import { TEMPLATE_ROOT } from '../render/engine';

// The HTML environment: every {{value}} is HTML-escaped; it never renders Asterisk config.
const html = Handlebars.create();
const PAGES = join(TEMPLATE_ROOT, 'pages');

html.registerHelper('eq', (a: unknown, b: unknown) => a === b);
html.registerHelper('includes', (list: unknown, item: unknown) => Array.isArray(list) && list.includes(item));
// Dates as people read them in a log, in UTC like the rest of the system: 2026-11-23 16:00:39 UTC.
html.registerHelper('time', (value: unknown) => {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return '';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
});
html.registerHelper(
  'json',
  (value: unknown) => new Handlebars.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')),
);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const templates = new Map<string, HandlebarsTemplateDelegate>();
for (const file of walk(PAGES).filter((f) => f.endsWith('.hbs'))) {
  const name = relative(PAGES, file).replace(/\.hbs$/, '');
  const source = readFileSync(file, 'utf8');
  if (name.startsWith('partials/')) html.registerPartial(name.slice('partials/'.length), source);
  else templates.set(name, html.compile(source));
}

export function renderPage(name: string, data: Record<string, unknown>): string {
  const page = templates.get(name);
  const layout = templates.get('layout');
  if (!page || !layout) throw new Error(`no page template ${name}`);
  return layout({ ...data, body: new Handlebars.SafeString(page(data)) });
}
