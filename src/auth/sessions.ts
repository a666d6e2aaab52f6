import type { Knex } from 'knex';
import { randomToken, sha256 } from '../lib/crypto';

export interface SessionRecord {
  userId: number;
  csrfToken: string;
}

// The cookie carries a random token; the database keeps only its hash.
export async function createSession(
  db: Knex,
  userId: number,
  ttlHours: number,
): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  await db('sessions').insert({
    id_hash: sha256(token),
    user_id: userId,
    csrf_token: csrfToken,
    expires_at: new Date(Date.now() + ttlHours * 3_600_000),
  });
  return { token, csrfToken };
}

export async function findSession(db: Knex, token: string): Promise<SessionRecord | null> {
  const row = await db('sessions')
    .where({ id_hash: sha256(token) })
    .andWhere('expires_at', '>', new Date())
    .first<{ user_id: number; csrf_token: string } | undefined>();
  return row ? { userId: row.user_id, csrfToken: row.csrf_token } : null;
}

export async function destroySession(db: Knex, token: string): Promise<void> {
  await db('sessions')
    .where({ id_hash: sha256(token) })
    .delete();
}

export async function purgeExpiredSessions(db: Knex): Promise<void> {
  await db('sessions').where('expires_at', '<=', new Date()).delete();
}
