import type { Knex } from 'knex';
import { randomToken, sha256 } from '../lib/crypto';

export interface SessionRecord {
  userId: number;
  csrfToken: string;
}

// 'active' sessions authenticate; an 'mfa' session only proves the password was right and lets
// its holder reach the second-factor form, nothing else.
export type SessionStage = 'active' | 'mfa';

// The second factor must follow the password soon: a pending session lives five minutes.
export const MFA_PENDING_MINUTES = 5;

// The cookie carries a random token; the database keeps only its hash.
export async function createSession(
  db: Knex,
  userId: number,
  ttlHours: number,
  stage: SessionStage = 'active',
): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  const ttlMs = stage === 'mfa' ? MFA_PENDING_MINUTES * 60_000 : ttlHours * 3_600_000;
  await db('sessions').insert({
    id_hash: sha256(token),
    user_id: userId,
    csrf_token: csrfToken,
    stage,
    expires_at: new Date(Date.now() + ttlMs),
  });
  return { token, csrfToken };
}

export async function findSession(
  db: Knex,
  token: string,
  stage: SessionStage = 'active',
): Promise<SessionRecord | null> {
  const row = await db('sessions')
    .where({ id_hash: sha256(token), stage })
    .andWhere('expires_at', '>', new Date())
    .first<{ user_id: number; csrf_token: string } | undefined>();
  return row ? { userId: row.user_id, csrfToken: row.csrf_token } : null;
}

export async function destroySession(db: Knex, token: string): Promise<void> {
  await db('sessions')
    .where({ id_hash: sha256(token) })
    .delete();
}

// After a password change: every other session of that user ends, the one in use stays.
export async function destroyOtherSessions(
  db: Knex,
  userId: number,
  keepToken: string | null,
): Promise<void> {
  const q = db('sessions').where({ user_id: userId });
  if (keepToken) q.whereNot({ id_hash: sha256(keepToken) });
  await q.delete();
}

export async function purgeExpiredSessions(db: Knex): Promise<void> {
  await db('sessions').where('expires_at', '<=', new Date()).delete();
}
