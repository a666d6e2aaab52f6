import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The directory holding templates/ and asterisk-config/: the repository root both when run from
// src/ (tsx, jest) and from the compiled dist/src/ (production, Docker).
function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'templates', 'asterisk'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`templates/ not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot(__dirname);
