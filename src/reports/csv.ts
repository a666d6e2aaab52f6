import type { Options } from 'csv-stringify/sync';
import { spreadsheetCsv } from '../lib/csv';

// CSV for spreadsheets (see spreadsheetCsv); numbers are written as numbers (a non-finite one as
// an empty cell).
export type Cell = string | number | null;

const NUMBERS: Options = { cast: { number: (n) => (Number.isFinite(n) ? String(n) : '') } };

export function csvCell(value: Cell): string {
  return spreadsheetCsv([[value]], NUMBERS).slice(0, -2);
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return spreadsheetCsv([header, ...rows], NUMBERS);
}
