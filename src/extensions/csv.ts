import { parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import { type ErrorDetail, ValidationError } from '../http/errors';
import { restoreCell, spreadsheetCsv } from '../lib/csv';
import { type ExtensionRow, plainSecret } from './repo';
import type { CreateExtensionInput, createExtensionSchema } from './schema';

export const CSV_COLUMNS = [
  'number',
  'display_name',
  'caller_id_name',
  'caller_id_number',
  'email',
  'sip_secret',
  'max_contacts',
  'codecs',
  'voicemail_enabled',
  'classes',
  'outbound_caller_id',
  'language',
] as const;

export const MAX_IMPORT_ROWS = 20_000;

// Everything exported re-imports to the same rows. Secrets only when asked for (an admin, and
// logged): without the column, a re-import keeps each extension's stored secret. Cells a
// spreadsheet would run as formulas are escaped, and parseImport undoes it.
export function toCsv(rows: readonly ExtensionRow[], opts: { secrets: boolean }): string {
  const columns = CSV_COLUMNS.filter((c) => opts.secrets || c !== 'sip_secret');
  const records = rows.map((r) =>
    columns.map((c) => {
      switch (c) {
        case 'sip_secret':
          return plainSecret(r);
        case 'max_contacts':
          return String(r.max_contacts);
        case 'codecs':
        case 'classes':
          return r[c].split(',').join('|');
        case 'voicemail_enabled':
          return r.voicemail_enabled ? 'yes' : 'no';
        default:
          return r[c] ?? '';
      }
    }),
  );
  return spreadsheetCsv([columns, ...records]);
}

export interface ParsedImport {
  rows: Array<{ line: number; input: CreateExtensionInput }>;
  errors: Array<ErrorDetail & { row: number }>;
}

export function parseImport(text: string, schema: ReturnType<typeof createExtensionSchema>): ParsedImport {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, {
      columns: (header: string[]) => {
        const cols = header.map((h) => h.trim());
        const unknown = cols.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
        if (unknown.length > 0) throw new Error(`unknown column(s): ${unknown.join(', ')}`);
        if (!cols.includes('number') || !cols.includes('display_name')) {
          throw new Error('the header must name at least number and display_name');
        }
        return cols;
      },
      skip_empty_lines: true,
      bom: true,
      // Undo the export's formula escaping (lib/csv.ts), so an export re-imports unchanged.
      cast: (value: string) => restoreCell(value),
      relax_column_count: false,
      to: MAX_IMPORT_ROWS + 1,
    }) as Record<string, string>[];
  } catch (err) {
    throw new ValidationError(
      [{ path: 'csv', message: (err as Error).message }],
      'the CSV file cannot be read',
    );
  }
  if (records.length > MAX_IMPORT_ROWS) {
    throw new ValidationError([{ path: 'csv', message: `at most ${MAX_IMPORT_ROWS} rows per import` }]);
  }
  const result: ParsedImport = { rows: [], errors: [] };
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const line = index + 2; // 1-based, after the header line
    const candidate = fromRecord(record);
    const parsed = (schema as z.ZodType<CreateExtensionInput>).safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        result.errors.push({
          row: line,
          path: issue.path.map(String).join('.') || '(row)',
          message: issue.message,
        });
      }
      return;
    }
    const first = seen.get(parsed.data.number);
    if (first !== undefined) {
      result.errors.push({ row: line, path: 'number', message: `duplicates row ${first}` });
      return;
    }
    seen.set(parsed.data.number, line);
    result.rows.push({ line, input: parsed.data });
  });
  return result;
}

function fromRecord(r: Record<string, string>): Record<string, unknown> {
  const opt = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const out: Record<string, unknown> = { number: r['number']?.trim(), display_name: r['display_name'] };
  const nullable = ['caller_id_name', 'caller_id_number', 'email'] as const;
  for (const k of nullable) if (opt(r[k]) !== undefined) out[k] = opt(r[k]);
  if (opt(r['sip_secret']) !== undefined) out['sip_secret'] = opt(r['sip_secret']);
  const max = opt(r['max_contacts']);
  if (max !== undefined) out['max_contacts'] = /^[0-9]+$/.test(max) ? Number(max) : max;
  const codecs = opt(r['codecs']);
  if (codecs !== undefined) out['codecs'] = codecs.split('|').map((c) => c.trim());
  const classes = opt(r['classes']);
  if (classes !== undefined) out['classes'] = classes.split('|').map((c) => c.trim());
  if (opt(r['outbound_caller_id']) !== undefined) out['outbound_caller_id'] = opt(r['outbound_caller_id']);
  if (opt(r['language']) !== undefined) out['language'] = opt(r['language']);
  const vm = opt(r['voicemail_enabled'])?.toLowerCase();
  if (vm !== undefined)
    out['voicemail_enabled'] =
      vm === 'yes' || vm === 'true' || vm === '1'
        ? true
        : vm === 'no' || vm === 'false' || vm === '0'
          ? false
          : vm;
  return out;
}
