import { type Options, stringify } from 'csv-stringify/sync';

// CSV for spreadsheets: RFC 4180 with CRLF after every record. A text cell a spreadsheet would
// run as a formula (= + - @, or a leading tab or carriage return) gets an apostrophe first
// (OWASP "CSV injection"); a null cell is empty. Every CSV Switchboard writes goes through here.
//
// The escape must be undone on import (the extensions CSV is exported to be re-imported), and
// undone exactly: a value that already starts with apostrophes before a formula character gets
// one more too, so restoreCell(defuseCell(x)) === x for every x.
const FORMULA_START = /^'*[=+\-@\t\r]/;
const DEFUSED = /^'+[=+\-@\t\r]/;

export function defuseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function restoreCell(text: string): string {
  return DEFUSED.test(text) ? text.slice(1) : text;
}

export function spreadsheetCsv(records: ReadonlyArray<readonly unknown[]>, options: Options = {}): string {
  return stringify(records as unknown[][], {
    record_delimiter: 'windows',
    // A cell with a line break (CR or LF alone too) is quoted.
    quote_record_delimiter: true,
    ...options,
    cast: { string: defuseCell, ...options.cast },
  });
}
