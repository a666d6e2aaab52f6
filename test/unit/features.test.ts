import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURES } from '../../src/features';

// A feature is a folder of src/ that is not a core layer (scripts/layers.cjs, which the layering check reads too).
// Each one has a module.ts whose module is listed once in src/features.ts: that line is the only
// place outside its folder that a new feature touches.
const CORE = new Set((require('../../scripts/layers.cjs') as { CORE_LAYERS: string[] }).CORE_LAYERS);
const SRC = join(__dirname, '..', '..', 'src');
const folders = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory() && !CORE.has(f));

describe('the feature registry', () => {
  it.each(folders)('lists the feature in src/%s', (folder) => {
    const mod = require(join(SRC, folder, 'module.ts')) as Record<string, { name: string }>;
    const exported = Object.values(mod);
    expect(exported).toHaveLength(1);
    expect(exported[0]!.name).toBe(folder);
    expect(FEATURES).toContain(exported[0]);
  });

  it('holds each module once, and no module of a folder that is gone', () => {
    expect(new Set(FEATURES).size).toBe(FEATURES.length);
    expect(FEATURES.map((f) => f.name).sort()).toEqual([...folders].sort());
  });
});
