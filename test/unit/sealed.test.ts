import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSealed, loadSealingKey, SealingError, seal, unseal } from '../../src/lib/sealed';

// Sealing of stored secrets (src/lib/sealed.ts): the key file, the format, and refusal of
// anything that does not open with the key.
const dir = mkdtempSync(join(tmpdir(), 'sb-sealed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sealed secrets', () => {
  const keyFile = join(dir, 'state', 'secrets.key');

  it('creates a 32-byte key, readable by its owner only, on first load, and reads the same one afterwards', () => {
    loadSealingKey(keyFile);
    const key = readFileSync(keyFile);
    expect(key).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);
    const sealed = seal('kept across restarts');
    loadSealingKey(keyFile);
    expect(readFileSync(keyFile)).toEqual(key);
    expect(unseal(sealed)).toBe('kept across restarts');
  });

  it('stores v1: + base64(iv | tag | ciphertext), a fresh IV per value, and opens it again', () => {
    loadSealingKey(keyFile);
    const secret = 'Tr0ub4dor&3-sip-secret-ü';
    const a = seal(secret);
    const b = seal(secret);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(Buffer.from(a.slice(3), 'base64')).toHaveLength(12 + 16 + Buffer.byteLength(secret));
    expect(isSealed(a)).toBe(true);
    expect([unseal(a), unseal(b)]).toEqual([secret, secret]);
    expect(unseal(seal(''))).toBe('');
  });

  it('reads a value written before sealing existed as the plaintext it is', () => {
    loadSealingKey(keyFile);
    expect(isSealed('legacyPlainSecret')).toBe(false);
    expect(unseal('legacyPlainSecret')).toBe('legacyPlainSecret');
  });

  it('refuses a value altered in the database, truncated, or sealed with another key', () => {
    loadSealingKey(keyFile);
    const sealed = seal('do-not-alter-me');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => unseal(`v1:${raw.toString('base64')}`)).toThrow(SealingError);
    expect(() => unseal('v1:AAAA')).toThrow(/truncated/);
    loadSealingKey(join(dir, 'other', 'secrets.key'));
    expect(() => unseal(sealed)).toThrow(/does not open with this key/);
    loadSealingKey(keyFile);
    expect(unseal(sealed)).toBe('do-not-alter-me');
  });

  it('refuses a key file of the wrong size instead of sealing with it', () => {
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'too short');
    expect(() => loadSealingKey(bad)).toThrow(/exactly 32 bytes/);
  });

  it('says which setting to change when the state directory cannot be written', () => {
    // /sys refuses a new folder even to root (EPERM), as a read-only or foreign folder would.
    expect(() => loadSealingKey('/sys/switchboard-state/secrets.key')).toThrow(
      /cannot read or create the secrets key .*set SWITCHBOARD_STATE_DIR/,
    );
  });

  it('gives processes starting together one key', async () => {
    const shared = join(dir, 'race', 'secrets.key');
    const script = `require('${join(__dirname, '..', '..', 'src', 'lib', 'sealed.ts').replace(/\\/g, '/')}').loadSealingKey(${JSON.stringify(shared)}); process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(shared)}).toString('hex'))`;
    const runOne = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const keys = await Promise.all([runOne(), runOne(), runOne(), runOne()]);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toHaveLength(64);
  });
});
