import { spreadsheetCsv } from '../lib/csv';
import type { JourneyApi } from './service';

// The call log as CSV (RFC 4180). A cell a spreadsheet would read as a formula (= + - @, and
// tab/CR that some programs strip first) is prefixed with a quote, so a caller name can never
// run code on the operator's machine.

export const CSV_COLUMNS = [
  'id',
  'started_at',
  'answered_at',
  'ended_at',
  'direction',
  'caller_number',
  'caller_name',
  'called_number',
  'did',
  'trunk',
  'outcome',
  'answered_by',
  'queue_number',
  'queue_wait_seconds',
  'queue_position',
  'ivr_path',
  'wait_seconds',
  'talk_seconds',
  'duration_seconds',
  'transfers',
  'voicemail_box',
] as const satisfies ReadonlyArray<keyof JourneyApi>;

// Every value is written as its text (numbers too, so -1 is defused like a formula), and a cell
// with the apostrophe is quoted.
const line = (values: readonly unknown[]): string =>
  spreadsheetCsv([values.map((v) => (v === null || v === undefined ? null : String(v)))], {
    quoted_match: "'",
  });

export function csvCell(value: unknown): string {
  return line([value]).slice(0, -2);
}

export function csvHeader(): string {
  return line(CSV_COLUMNS);
}

export function csvRow(j: JourneyApi): string {
  return line(CSV_COLUMNS.map((c) => j[c]));
}
