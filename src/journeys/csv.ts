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

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(j: JourneyApi): string {
  return `${CSV_COLUMNS.map((c) => csvCell(j[c])).join(',')}\r\n`;
}
