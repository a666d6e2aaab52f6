import type { Knex } from 'knex';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { randomSecret, sha256 } from '../lib/crypto';
import { seal, unsealNullable } from '../lib/sealed';
import { findById, type UserRow } from './users.repo';

// TOTP (RFC 6238, 30 s, 6 digits) as every authenticator app reads it. The secret never leaves
// the server except on the enrolment page, once; it is never logged nor returned by the API, and
// it is stored sealed (src/lib/sealed.ts) like the SIP secrets: a database dump alone cannot mint codes.
const ISSUER = 'Switchboard';
const PERIOD = 30;
// One step either side absorbs a phone clock a little off.
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

export function mfaEnabled(user: Pick<UserRow, 'totp_secret' | 'totp_enabled_at'>): boolean {
  return Boolean(user.totp_secret && user.totp_enabled_at);
}

export interface Enrolment {
  secret: string;
  uri: string;
  qrDataUrl: string;
}

// A new pending secret: it replaces any earlier pending one and becomes active only once a code
// from it is confirmed, so a half-done enrolment never locks the user out.
export async function startEnrolment(db: Knex, user: UserRow): Promise<Enrolment> {
  // 160 bits, as RFC 4226 recommends for HMAC-SHA1.
  const secret = new Secret({ size: 20 }).base32;
  await db('users')
    .where({ id: user.id })
    .update({ totp_pending_secret: seal(secret) });
  return enrolmentFor(user.username, secret);
}

export async function pendingEnrolment(db: Knex, userId: number): Promise<Enrolment | null> {
  const user = await findById(db, userId);
  const secret = unsealNullable(user?.totp_pending_secret ?? null);
  return user && secret ? enrolmentFor(user.username, secret) : null;
}

async function enrolmentFor(username: string, secret: string): Promise<Enrolment> {
  const uri = totp(secret, username).toString();
  return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
}

function totp(secret: string, label = ''): TOTP {
  return new TOTP({ issuer: ISSUER, label, secret: Secret.fromBase32(secret), period: PERIOD, digits: 6 });
}

// The time step the code belongs to, or null when it is wrong or not newer than `after` (a code
// already used).
function timeStepOf(secret: string, code: string, after: number | null): number | null {
  const now = Date.now();
  const delta = totp(secret).validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return null;
  const step = Math.floor(now / 1000 / PERIOD) + delta;
  return after !== null && step <= after ? null : step;
}

const SIX_DIGITS = /^[0-9]{6}$/;

// Confirms the pending secret with a code from the app; returns the recovery codes (shown once)
// or null when the code is wrong.
export async function confirmEnrolment(db: Knex, userId: number, code: string): Promise<string[] | null> {
  const user = await findById(db, userId);
  const secret = unsealNullable(user?.totp_pending_secret ?? null);
  const clean = code.replace(/\s/g, '');
  if (!user || !secret || !SIX_DIGITS.test(clean)) return null;
  const step = timeStepOf(secret, clean, null);
  if (step === null) return null;
  return db.transaction(async (trx) => {
    await trx('users')
      .where({ id: userId })
      .update({
        totp_secret: seal(secret),
        totp_pending_secret: null,
        totp_enabled_at: new Date(),
        totp_last_step: step,
        updated_at: trx.fn.now(3),
      });
    return replaceRecoveryCodes(trx, userId);
  });
}

export async function disableMfa(db: Knex, userId: number): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('users')
      .where({ id: userId })
      .update({
        totp_secret: null,
        totp_pending_secret: null,
        totp_enabled_at: null,
        totp_last_step: null,
        updated_at: trx.fn.now(3),
      });
    await trx('user_recovery_codes').where({ user_id: userId }).delete();
  });
}

// Recovery codes: 10 random codes like "ab3k-9xmq-pt", stored as SHA-256 (random and long enough
// that a slow hash adds nothing), each accepted once.
async function replaceRecoveryCodes(trx: Knex.Transaction, userId: number): Promise<string[]> {
  await trx('user_recovery_codes').where({ user_id: userId }).delete();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = randomSecret(10).toLowerCase();
    return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
  });
  await trx('user_recovery_codes').insert(
    codes.map((c) => ({ user_id: userId, code_hash: sha256(normalizeRecovery(c)) })),
  );
  return codes;
}

function normalizeRecovery(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export async function unusedRecoveryCodes(db: Knex, userId: number): Promise<number> {
  const row = await db('user_recovery_codes')
    .where({ user_id: userId })
    .whereNull('used_at')
    .count<{ n: number }[]>({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}

// The second step of a sign-in: a current TOTP code (each accepted once) or an unused recovery
// code. The conditional updates make a code good for one sign-in even when two race.
export async function verifySecondFactor(db: Knex, userId: number, input: string): Promise<boolean> {
  const user = await findById(db, userId);
  const secret = unsealNullable(user?.totp_secret ?? null);
  if (!user || !mfaEnabled(user) || !secret) return false;
  const clean = input.replace(/\s/g, '');
  if (SIX_DIGITS.test(clean)) {
    const last = user.totp_last_step === null ? null : Number(user.totp_last_step);
    const step = timeStepOf(secret, clean, last);
    if (step === null) return false;
    const updated = await db('users')
      .where({ id: userId })
      .andWhere((q) => {
        q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step);
      })
      .update({ totp_last_step: step });
    return updated === 1;
  }
  const normalized = normalizeRecovery(clean);
  if (normalized.length !== 10) return false;
  const used = await db('user_recovery_codes')
    .where({ user_id: userId, code_hash: sha256(normalized) })
    .whereNull('used_at')
    .update({ used_at: new Date() });
  return used === 1;
}
