import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/app';
import { ariObject } from '../support/asterisk';
import { requireAsterisk, testEnv } from '../support/env';
import { recordFigure } from '../support/figures';
import { signIn } from '../support/web';

// Fault: the disk under Asterisk's configuration is full when an apply writes. The lane's config
// directory becomes a small tmpfs holding the same files (Asterisk, in the same mount namespace,
// sees it too), filled up to a few kilobytes. An apply that must write a larger pjsip.conf fails
// and says why, leaves every file as it was (no half-written file, no temp file taking space),
// and Asterisk keeps the last good configuration; once space is freed the next apply converges.

jest.setTimeout(180_000);

const exec = promisify(execFile);
const CONFIG = testEnv.asteriskConfigDir;
const FILLER = join(CONFIG, 'zz-filler.bin');
const NEW_EXTENSIONS = Array.from({ length: 200 }, (_, i) => String(1100 + i));

let app: TestApp;
let saved = '';
let mounted = false;

function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(CONFIG)) {
    if (name === 'zz-filler.bin') continue;
    files.set(name, readFileSync(join(CONFIG, name), 'latin1'));
  }
  return files;
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  const first = await app.api('POST', '/api/v1/extensions', {
    body: { number: '1001', display_name: 'First' },
  });
  if (first.status !== 201) throw new Error(`extension: ${first.status} ${first.text}`);
  await app.applied();
  // The same files on a tmpfs of their size plus 1 MB, then filled to 8 KB free.
  // Owner, group and mode (setgid: files Switchboard writes 0640 stay readable by Asterisk's
  // group) as the directory had them; cp -a keeps each file's owner too.
  saved = mkdtempSync(join(tmpdir(), 'sb-config-'));
  await exec('cp', ['-a', `${CONFIG}/.`, saved]);
  const used = readdirSync(saved).reduce((n, f) => n + readFileSync(join(saved, f)).length, 0);
  const size = Math.ceil((used + 1_048_576) / 4096) * 4096;
  const dir = statSync(CONFIG);
  const mode = (dir.mode & 0o7777).toString(8);
  await exec('mount', [
    '-t',
    'tmpfs',
    '-o',
    `size=${size},mode=${mode},uid=${dir.uid},gid=${dir.gid}`,
    'sb-disk-full',
    CONFIG,
  ]);
  mounted = true;
  await exec('cp', ['-a', `${saved}/.`, CONFIG]);
  const free = () => {
    const s = statfsSync(CONFIG);
    return s.bavail * s.bsize;
  };
  writeFileSync(FILLER, Buffer.alloc(Math.max(0, free() - 8 * 1024)));
  if (free() > 16 * 1024) throw new Error(`the tmpfs still has ${free()} bytes free`);
}, 120_000);

afterAll(async () => {
  try {
    // Lazily if busy: the lane's config directory must not stay a tiny tmpfs for later suites.
    if (mounted) await exec('umount', [CONFIG]).catch(() => exec('umount', ['-l', CONFIG]));
    // Back on the real directory: leave the lane's Asterisk without this suite's extensions.
    if (app) {
      for (const n of ['1001', ...NEW_EXTENSIONS]) await app.api('DELETE', `/api/v1/extensions/${n}`);
      await app.applyNow();
    }
  } finally {
    if (saved) rmSync(saved, { recursive: true, force: true });
    await app?.close();
  }
}, 120_000);

it('an apply on a full disk fails, says why, changes no file and leaves Asterisk on its last good config; freed, the next one converges', async () => {
  const before = snapshot();
  const csv = `number,display_name\n${NEW_EXTENSIONS.map((n) => `${n},Imported ${n}`).join('\n')}\n`;
  const imported = await app.api('POST', '/api/v1/extensions/import?mode=create', {
    body: csv,
    contentType: 'text/csv',
  });
  expect(imported.status).toBeLessThan(300);
  await app.settled();

  const history = await app.api('GET', '/api/v1/apply?limit=1');
  const failed = history.body.items[0];
  expect(failed.status).toBe('failed');
  expect(failed.error).toMatch(
    /^could not write pjsip\.conf: the disk is full \(no space left on device\) \(ENOSPC\); Asterisk keeps the previous configuration$/,
  );
  // Every file as it was, byte for byte, and no temp file left behind.
  expect(snapshot()).toEqual(before);
  expect(readdirSync(CONFIG).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  // Asterisk: the last good config (1001), none of the 200 new phones.
  expect(await ariObject('endpoint', '1001')).not.toBeNull();
  expect(await ariObject('endpoint', NEW_EXTENSIONS[0]!)).toBeNull();
  // The admin sees it on the apply history page too.
  const admin = await signIn(app, 'admin', 'admin-password-1', '/apply');
  expect(admin.pageHtml).toContain('could not write pjsip.conf: the disk is full');

  // Space freed: the next apply writes everything and the phones are live.
  rmSync(FILLER);
  const freedAt = Date.now();
  const next = await app.applyNow();
  expect({ status: next.status, error: next.error }).toEqual({ status: 'succeeded', error: null });
  recordFigure('disk full: apply converged after space was freed', Date.now() - freedAt, 'ms');
  expect(await ariObject('endpoint', NEW_EXTENSIONS[199]!)).not.toBeNull();
  expect(readFileSync(join(CONFIG, 'pjsip.conf'), 'utf8')).toContain(`[${NEW_EXTENSIONS[199]}]`);
});
