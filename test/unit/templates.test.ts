import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { confHelpers } from '../../src/render/conf-helpers';
import { listConfTemplates, TEMPLATE_ROOT } from '../../src/render/engine';

type Node = hbs.AST.Node & { type: string };

function mustaches(node: Node, found: hbs.AST.MustacheStatement[] = []): hbs.AST.MustacheStatement[] {
  if (node.type === 'MustacheStatement') found.push(node as hbs.AST.MustacheStatement);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v === 'object' && 'type' in v) mustaches(v as Node, found);
    } else if (value && typeof value === 'object' && 'type' in value) mustaches(value as Node, found);
  }
  return found;
}

describe('Asterisk templates', () => {
  it.each(listConfTemplates())('%s prints values only through a conf helper', (name) => {
    const ast = Handlebars.parse(readFileSync(join(TEMPLATE_ROOT, 'asterisk', name), 'utf8'));
    const calls = mustaches(ast as Node);
    for (const m of calls) {
      const path = m.path as hbs.AST.PathExpression;
      expect(Object.keys(confHelpers)).toContain(path.original);
      expect(m.params.length).toBeGreaterThan(0);
      expect(m.escaped).toBe(true); // no {{{triple}}} bypass
    }
  });
});
