import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from './env';

// Every generated file's exact bytes, to prove a refused request changed nothing.
export function snapshotConfig(dir = testEnv.asteriskConfigDir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name), 'utf8');
  return out;
}
