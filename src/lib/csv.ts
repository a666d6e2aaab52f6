import { type Options, stringify } from 'csv-stringify/sync';

// CSV for spreadsheets: RFC 4180 with CRLF after every record. A text cell a spreadsheet would
// run as a formula (= + - @, or a leading tab or carriage return) gets an apostrophe first
// (OWASP "CSV injection"); a null cell is empty.
const FORMULA_START = /^[=+\-@\t\r]/;
const defuse = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text);

export function spreadsheetCsv(records: ReadonlyArray<readonly unknown[]>, options: Options = {}): string {
  return stringify(records as unknown[][], {
    record_delimiter: 'windows',
    // A cell with a line break (CR or LF alone too) is quoted.
    quote_record_delimiter: true,
    ...options,
    cast: { string: defuse, ...options.cast },
  });
}
