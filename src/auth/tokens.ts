import type { Knex } from 'knex';
import { randomToken, sha256 } from '../lib/crypto';

const PREFIX = 'sb_';

// 'read' tokens may only GET (monitoring, wallboards, reports); 'full' ones carry the user's role.
export type TokenScope = 'read' | 'full';
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'full'];
// A token nobody asked to keep forever stops working after 90 days.
export const DEFAULT_TOKEN_DAYS = 90;

export interface TokenOptions {
  scope?: TokenScope;
  // null: never expires (asked for explicitly); undefined: the default lifetime.
  expiresAt?: Date | null;
}

// API tokens are shown once; only their SHA-256 is stored (they are long and random, so a slow
// hash adds nothing).
export async function createApiToken(
  db: Knex,
  userId: number,
  name: string,
  opts: TokenOptions = {},
): Promise<string> {
  const token = PREFIX + randomToken(32);
  const expiresAt =
    opts.expiresAt === undefined ? new Date(Date.now() + DEFAULT_TOKEN_DAYS * 86_400_000) : opts.expiresAt;
  await db('api_tokens').insert({
    user_id: userId,
    name,
    token_hash: sha256(token),
    scope: opts.scope ?? 'full',
    expires_at: expiresAt,
  });
  return token;
}

export type TokenLookup =
  | { status: 'valid'; userId: number; scope: TokenScope }
  | { status: 'expired' }
  | { status: 'unknown' };

export async function findToken(db: Knex, token: string): Promise<TokenLookup> {
  if (!token.startsWith(PREFIX) || token.length > 200) return { status: 'unknown' };
  const row = await db('api_tokens')
    .where({ token_hash: sha256(token) })
    .first<{ id: number; user_id: number; scope: TokenScope; expires_at: Date | null } | undefined>();
  if (!row) return { status: 'unknown' };
  if (row.expires_at && row.expires_at.getTime() <= Date.now()) return { status: 'expired' };
  await db('api_tokens').where({ id: row.id }).update({ last_used_at: new Date() });
  return { status: 'valid', userId: row.user_id, scope: row.scope };
}

// "30d", "12h" or "never" (CLI and forms): the expiry date, or null for never.
export function parseExpiresIn(text: string, now = Date.now()): Date | null {
  if (text === 'never') return null;
  const m = /^([1-9][0-9]{0,4})([dh])$/.exec(text);
  if (!m) throw new Error('--expires-in must be like 30d, 12h or never');
  const n = Number(m[1]);
  const hours = m[2] === 'd' ? n * 24 : n;
  if (hours > 3650 * 24) throw new Error('--expires-in is at most 3650d');
  return new Date(now + hours * 3_600_000);
}
