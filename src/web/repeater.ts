import { formString } from './page-helpers';

// A repeater: a form's list of like rows (IVR options, ring group members, follow-me steps),
// row i's fields named `<prefix>_<i>_<field>`. Rows left empty are skipped when read, so item k
// of what was posted came from form row rows[k]; shown again, each item goes back on its row.

// The items posted in rows 0..max-1 whose `key` field is not empty (trimmed), with their rows.
export function postedRows<T>(
  body: unknown,
  prefix: string,
  max: number,
  key: string,
  read: (keyValue: string, field: (name: string) => string) => T,
): { items: T[]; rows: number[] } {
  const items: T[] = [];
  const rows: number[] = [];
  for (let i = 0; i < max; i++) {
    const field = (name: string) => `${prefix}_${i}_${name}`;
    const value = formString(body, field(key))?.trim() ?? '';
    if (value === '') continue;
    items.push(read(value, field));
    rows.push(i);
  }
  return { items, rows };
}

// The rows of the form: item i on row rowsUsed[i] (i when not posted), at least `least` rows
// and enough to hold every item.
export function formRows<T, R>(
  items: readonly T[],
  rowsUsed: readonly number[],
  least: number,
  view: (row: number, item: T | undefined) => R,
): R[] {
  const byRow = new Map(items.map((item, i) => [rowsUsed[i] ?? i, item]));
  const count = Math.max(least, ...[...byRow.keys()].map((r) => r + 1));
  return Array.from({ length: count }, (_, row) => view(row, byRow.get(row)));
}
