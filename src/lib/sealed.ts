import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// Stored secrets (SIP secrets, trunk and SMTP passwords) are sealed with AES-256-GCM before they
// reach MariaDB: a database dump, a replica or a backup alone gives no usable credential. The key
// is 32 random bytes in a file of Switchboard's state directory (0600), never in the database.
//
// A sealed value is "v1:" + base64(iv | tag | ciphertext): 12-byte IV (random per value), the
// 16-byte GCM tag, then the UTF-8 ciphertext. The version prefix lets a later scheme (another
// cipher, a rotated key) live beside this one. A value without the prefix is a row written before
// sealing existed: it reads as plaintext until the start-up pass (sealStoredSecrets) seals it.
const PREFIX = 'v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

// One key per process: the repositories that seal and unseal take a knex handle, not a key, so
// the composition root loads it once at start (loadSealingKey) before any request is served.
let key: Buffer | null = null;

export class SealingError extends Error {}

// Reads the key file, or creates it (0600, in a 0700 folder) on first start. Creation goes through
// a temporary file and link(2), so two processes starting together end up with the same key and a
// reader never sees a half-written file.
export function loadSealingKey(file: string): void {
  try {
    key = readOrCreateKey(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw err;
    throw new SealingError(
      `cannot read or create the secrets key ${file} (${code}): set SWITCHBOARD_STATE_DIR to a folder Switchboard may write, and keep it`,
    );
  }
}

function readOrCreateKey(file: string): Buffer {
  try {
    return checkKey(readFileSync(file), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  return checkKey(readFileSync(file), file);
}

function checkKey(bytes: Buffer, file: string): Buffer {
  if (bytes.length !== KEY_BYTES) {
    throw new SealingError(`${file} must hold exactly ${KEY_BYTES} bytes (it holds ${bytes.length})`);
  }
  return bytes;
}

function currentKey(): Buffer {
  if (!key) throw new SealingError('the secrets key is not loaded (loadSealingKey is called at start)');
  return key;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function seal(plain: string): string {
  return sealWith(currentKey(), plain);
}

// The key itself leaves the process only wrapped (a backup taken with a passphrase); its id names
// it in a backup's manifest, so a restore tells at once whether this install's key opens it.
export function sealingKey(): Buffer {
  return currentKey();
}

export function keyId(k: Buffer): string {
  return createHash('sha256').update('switchboard secrets key id\0').update(k).digest('hex').slice(0, 16);
}

export function sealWith(k: Buffer, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

// Throws on a value sealed with another key or altered in the database: a wrong secret handed to
// Asterisk or an SMTP server would fail later and far less clearly.
export function unseal(stored: string): string {
  return unsealWith(currentKey(), stored);
}

export function unsealWith(k: Buffer, stored: string): string {
  if (!isSealed(stored)) return stored;
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SealingError('a sealed value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', k, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new SealingError('a sealed value does not open with this key (another key file, or altered)');
  }
}

export const sealNullable = (plain: string | null): string | null => (plain === null ? null : seal(plain));
export const unsealNullable = (stored: string | null): string | null =>
  stored === null ? null : unseal(stored);
