import type { Knex } from 'knex';
import type { Tx } from '../db/tx';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../http/errors';
import type { Logger } from '../lib/log';
import { assertForwardTargets } from '../toll-guard';
import { type AstDb, astdbKey, type MirroredKind } from './astdb';
import * as repo from './repo';
import type { BlockedCaller, CallHandling, PutCallHandlingInput } from './schema';

export type ForwardKind = 'always' | 'busy' | 'noAnswer';
const COLUMN = { always: 'cfu_number', busy: 'cfb_number', noAnswer: 'cfna_number' } as const;

function toApi(number: string, row: repo.CallHandlingWrite): CallHandling {
  return {
    extension: number,
    dnd: row.dnd,
    forward: { always: row.cfu_number, busy: row.cfb_number, noAnswer: row.cfna_number },
  };
}

async function assertExtension(db: Knex, number: string, lock = false): Promise<void> {
  if (!(await repo.extensionExists(db, number, lock))) throw new NotFoundError(`extension ${number}`);
}

// An extension cannot forward to itself (the call would come straight back); nor to an
// emergency number or short code, nor outside without the "may forward externally" permission.
async function assertTargets(
  db: Knex,
  number: string,
  forward: PutCallHandlingInput['forward'],
): Promise<void> {
  const kinds = Object.keys(COLUMN) as ForwardKind[];
  const details = kinds
    .filter((k) => forward[k] === number)
    .map((k) => ({ path: `forward.${k}`, message: 'must not be the extension itself' }));
  if (details.length > 0) throw new ValidationError(details);
  await assertForwardTargets(
    db,
    number,
    kinds.flatMap((k) => {
      const to = forward[k];
      return to ? [{ path: `forward.${k}`, number: to }] : [];
    }),
  );
}

export async function get(db: Knex, number: string): Promise<CallHandling> {
  await assertExtension(db, number);
  return toApi(number, (await repo.get(db, number)) ?? repo.EMPTY);
}

export async function put(tx: Tx, number: string, input: PutCallHandlingInput): Promise<CallHandling> {
  await assertExtension(tx, number, true);
  await assertTargets(tx, number, input.forward);
  const row: repo.CallHandlingWrite = {
    dnd: input.dnd,
    cfu_number: input.forward.always,
    cfb_number: input.forward.busy,
    cfna_number: input.forward.noAnswer,
  };
  await repo.save(tx, number, row);
  return toApi(number, row);
}

// From the phone: one setting changes, the others stay.
export async function toggleDnd(tx: Tx, number: string): Promise<boolean> {
  await assertExtension(tx, number, true);
  const row = (await repo.get(tx, number, true)) ?? repo.EMPTY;
  await repo.save(tx, number, { ...row, dnd: !row.dnd });
  return !row.dnd;
}

export async function setForward(
  tx: Tx,
  number: string,
  kind: ForwardKind,
  to: string | null,
): Promise<void> {
  await assertExtension(tx, number, true);
  if (to !== null) await assertTargets(tx, number, { always: null, busy: null, noAnswer: null, [kind]: to });
  const row = (await repo.get(tx, number, true)) ?? repo.EMPTY;
  await repo.save(tx, number, { ...row, [COLUMN[kind]]: to });
}

export async function listBlocked(db: Knex, number: string): Promise<BlockedCaller[]> {
  await assertExtension(db, number);
  return (await repo.listBlocked(db, number)).map((r) => ({
    number: r.caller_number,
    created_at: new Date(r.created_at).toISOString(),
  }));
}

// From the phone (*32) blocking a caller already blocked is no error: it stays blocked.
export async function block(tx: Tx, number: string, caller: string, again = false): Promise<void> {
  await assertExtension(tx, number, true);
  if (caller === number) {
    throw new UnprocessableError('an extension cannot block itself', [
      { path: 'number', message: 'is the extension itself' },
    ]);
  }
  if (!(await repo.addBlocked(tx, number, caller)) && !again) {
    throw new ConflictError(`${caller} is already blocked`, [{ path: 'number', message: 'already blocked' }]);
  }
}

export async function unblock(tx: Tx, number: string, caller: string): Promise<void> {
  await assertExtension(tx, number);
  if ((await repo.removeBlocked(tx, number, caller)) === 0)
    throw new NotFoundError(`blocked caller ${caller}`);
}

// ---- the astdb mirror

// What astdb must hold for these rows: key → value.
export function desiredKeys(
  rows: readonly repo.CallHandlingRow[],
  blocked: ReadonlyArray<{ extension_number: string; caller_number: string }>,
): Map<string, string> {
  const keys = new Map<string, string>();
  const put = (kind: MirroredKind, ext: string, value: string | null | false, caller?: string) => {
    if (value) keys.set(astdbKey(kind, ext, caller), value);
  };
  for (const r of rows) {
    put('dnd', r.extension_number, r.dnd && '1');
    put('cfu', r.extension_number, r.cfu_number);
    put('cfb', r.extension_number, r.cfb_number);
    put('cfna', r.extension_number, r.cfna_number);
  }
  for (const b of blocked) put('block', b.extension_number, '1', b.caller_number);
  return keys;
}

// Makes astdb's keys under `scope` (all, or one extension's) equal to MySQL's. Returns how many
// keys were written or removed.
export async function reconcile(db: Knex, astdb: AstDb, extension?: string): Promise<number> {
  const rows = extension
    ? [(await repo.get(db, extension)) ?? { extension_number: extension, ...repo.EMPTY }]
    : await repo.listAll(db);
  const blocked = extension
    ? (await repo.listBlocked(db, extension)).map((b) => ({
        extension_number: extension,
        caller_number: b.caller_number,
      }))
    : await repo.listAllBlocked(db);
  const want = desiredKeys(rows, blocked);
  const inScope = (key: string) => !extension || key.split('/')[1] === extension;
  const have = new Map([...(await astdb.list())].filter(([k]) => inScope(k)));
  let changes = 0;
  for (const [key, value] of want) {
    if (have.get(key) === value) continue;
    await astdb.put(key, value);
    changes++;
  }
  for (const key of have.keys()) {
    if (want.has(key)) continue;
    await astdb.del(key);
    changes++;
  }
  return changes;
}

// After a committed change: the dialplan sees it on the next call. A failure (Asterisk down) is
// logged; the full reconcile at the next ARI connection repairs it.
export async function mirror(db: Knex, astdb: AstDb, log: Logger, extension: string): Promise<void> {
  try {
    await reconcile(db, astdb, extension);
  } catch (err) {
    log.error({ err, extension }, 'call handling: astdb update failed; the next reconcile repairs it');
  }
}
