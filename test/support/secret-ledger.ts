import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

// Every secret a suite sets or is handed (SIP secrets, trunk and SMTP passwords, user passwords,
// PINs, tokens) is written down here, so that after the run the runner can grep every log for it
// (test/runner/secret-scan.ts) and fail `npm test` on a leak. Suites do not call this by hand: the
// helpers everything goes through do (TestApp.api request and response bodies, CSV bodies,
// seedUser, signIn), which is what makes it cover what the suites really set.
//
// One file per lane (jest runs a lane's suites in band, so appends never interleave), under the
// run directory the runner removes at the end. Outside the runner (plain jest) nothing is kept.
const SECRET_KEY =
  /^(sip_secret|secret|password|new_password|current_password|pin|new_pin|token|recovery_codes?|totp_secret)$|_(secret|password|pin|token)$/i;

function ledgerFile(): string | null {
  const run = process.env['TEST_RUN_DIR'];
  if (!run) return null;
  return join(run, 'secrets', `lane-${process.env['TEST_LANE'] ?? '0'}.txt`);
}

let ready = false;
export function noteSecret(value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || /[\r\n]/.test(value)) return;
  const file = ledgerFile();
  if (!file) return;
  if (!ready) {
    mkdirSync(join(file, '..'), { recursive: true });
    ready = true;
  }
  appendFileSync(file, `${value}\n`);
}

// Walks a JSON body (request or response) for values under secret-looking keys.
export function noteSecretsIn(body: unknown, depth = 0): void {
  if (depth > 8 || body === null || typeof body !== 'object') return;
  if (Array.isArray(body)) {
    for (const item of body) noteSecretsIn(item, depth + 1);
    return;
  }
  for (const [key, value] of Object.entries(body)) {
    if (SECRET_KEY.test(key)) {
      if (Array.isArray(value)) for (const v of value) noteSecret(v);
      else noteSecret(value);
    } else {
      noteSecretsIn(value, depth + 1);
    }
  }
}

// A CSV body (the extensions import/export): the cells of secret-looking columns. Quoted cells
// are rare in these files; a naive split is enough to find the secret column's values.
export function noteSecretsInCsv(text: string): void {
  const lines = text.split(/\r?\n/).filter(Boolean);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const columns = header.flatMap((h, i) => (SECRET_KEY.test(h) ? [i] : []));
  if (columns.length === 0) return;
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    for (const i of columns) noteSecret(cells[i]?.replace(/^"|"$/g, '').trim());
  }
}
