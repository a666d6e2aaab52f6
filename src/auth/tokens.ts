import type { Knex } from 'knex';
import { randomToken, sha256 } from '../lib/crypto';

const PREFIX = 'sb_';

// API tokens are shown once; only their SHA-256 is stored (they are long and random, so a slow
// hash adds nothing).
export async function createApiToken(db: Knex, userId: number, name: string): Promise<string> {
  const token = PREFIX + randomToken(32);
  await db('api_tokens').insert({ user_id: userId, name, token_hash: sha256(token) });
  return token;
}

export async function findTokenUser(db: Knex, token: string): Promise<number | null> {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  const hash = sha256(token);
  const row = await db('api_tokens')
    .where({ token_hash: hash })
    .first<{ id: number; user_id: number } | undefined>();
  if (!row) return null;
  await db('api_tokens').where({ id: row.id }).update({ last_used_at: new Date() });
  return row.user_id;
}
