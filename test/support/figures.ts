import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

// A figure a test measured against the real parts (a recovery time, a count), kept for the run's
// summary and for docs/operations/reliability.md. Recording never asserts: the test does.
const FILE = join(__dirname, '..', '..', 'test-results', 'figures.jsonl');

export function recordFigure(name: string, value: number, unit: string): void {
  mkdirSync(join(FILE, '..'), { recursive: true });
  appendFileSync(FILE, `${JSON.stringify({ name, value: Math.round(value * 10) / 10, unit })}\n`);
}

export const FIGURES_FILE = FILE;
