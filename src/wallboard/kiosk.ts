import type { Knex } from 'knex';
import { z } from 'zod';
import { NotFoundError } from '../http/errors';
import { randomToken, sha256 } from '../lib/crypto';
import { boardName } from '../lib/names';

// Kiosk tokens open the wallboard (page, snapshot, stream) and nothing else. Their own prefix
// keeps them apart from API tokens: the global bearer check refuses them everywhere.
const PREFIX = 'sbk_';
const MAX_TOKEN_LENGTH = 200;
// A screen reconnects often; last_used_at is a "still in use?" hint, not an access log.
const TOUCH_EVERY_MS = 60_000;

export const KioskName = boardName();

// A link on a wall screen outlives the people who made it: each token expires, a year after its
// creation unless the admin says otherwise (1 day to 5 years).
export const DEFAULT_VALID_DAYS = 365;
export const KioskTokenInput = z.strictObject({
  name: KioskName,
  valid_days: z
    .number()
    .int()
    .min(1)
    .max(5 * 365)
    .optional(),
});
export type KioskTokenInput = z.infer<typeof KioskTokenInput>;

export interface KioskToken {
  id: number;
  name: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface CreatedKioskToken extends KioskToken {
  token: string;
  url: string;
}

interface Row {
  id: number;
  name: string;
  token_hash: string;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toApi(r: Row): KioskToken {
  return {
    id: r.id,
    name: r.name,
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    expires_at: r.expires_at.toISOString(),
    revoked_at: iso(r.revoked_at),
    last_used_at: iso(r.last_used_at),
  };
}

export function kioskUrl(token: string): string {
  return `/wallboard?kiosk=${encodeURIComponent(token)}`;
}

export async function createKioskToken(
  db: Knex,
  input: KioskTokenInput,
  createdBy: string,
): Promise<CreatedKioskToken> {
  const token = PREFIX + randomToken(32);
  const [id] = await db('wallboard_tokens').insert({
    name: input.name,
    token_hash: sha256(token),
    created_by: createdBy.slice(0, 120),
    expires_at: db.raw('NOW(3) + INTERVAL ? DAY', [input.valid_days ?? DEFAULT_VALID_DAYS]),
  });
  const row = (await db('wallboard_tokens').where({ id }).first()) as Row;
  return { ...toApi(row), token, url: kioskUrl(token) };
}

export async function listKioskTokens(db: Knex): Promise<KioskToken[]> {
  const rows = (await db('wallboard_tokens').orderBy('id')) as Row[];
  return rows.map(toApi);
}

// Revoking twice is the same as once; the first revocation time is kept.
export async function revokeKioskToken(db: Knex, id: number): Promise<KioskToken> {
  const row = (await db('wallboard_tokens').where({ id }).first()) as Row | undefined;
  if (!row) throw new NotFoundError('kiosk token');
  if (!row.revoked_at) await db('wallboard_tokens').where({ id }).update({ revoked_at: new Date() });
  return toApi((await db('wallboard_tokens').where({ id }).first()) as Row);
}

// The kiosk behind a token, or null when it is malformed, unknown, revoked or expired.
export async function findKiosk(db: Knex, token: string): Promise<{ id: number; name: string } | null> {
  if (!token.startsWith(PREFIX) || token.length > MAX_TOKEN_LENGTH) return null;
  const row = (await db('wallboard_tokens')
    .where({ token_hash: sha256(token) })
    .first()) as Row | undefined;
  if (!row || row.revoked_at || row.expires_at.getTime() <= Date.now()) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > TOUCH_EVERY_MS)
    await db('wallboard_tokens').where({ id: row.id }).update({ last_used_at: new Date() });
  return { id: row.id, name: row.name };
}
