import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { touched } from '../../apply/scope';
import type { Actor } from '../../apply/trigger';
import { mapDbError } from '../../db/mysql-errors';
import type { Tx } from '../../db/tx';
import { assertUnreferenced, type Ref, removeRefs, replaceRefs } from '../../destinations/refs';
import { ConflictError, NotFoundError, UnprocessableError } from '../../http/errors';
import { type GreetingSource, syncBoxGreetings } from './files';
import * as repo from './repo';
import type { Box, CreateBoxInput, PatchBoxInput, SetPinInput } from './schema';

export const PIN_LENGTH = 6;
type GreetingIds = Partial<Record<repo.GreetingKind, number | null>>;

export interface BoxPaths {
  soundsDir: string;
  spoolDir: string;
}

export function generatePin(): string {
  for (;;) {
    let pin = '';
    for (let i = 0; i < PIN_LENGTH; i++) pin += String(randomInt(10));
    if (!/^(\d)\1+$/.test(pin)) return pin;
  }
}

function toApi(row: repo.BoxRow, displayName: string): Box {
  return {
    number: row.extension_number,
    display_name: displayName,
    email: row.email,
    attach_audio: row.attach_audio,
    delete_after_email: row.delete_after_email,
    transcribe: row.transcribe,
    skip_pin_from_own_phone: row.skip_pin_from_own_phone,
    unavailable_greeting_id: row.unavailable_greeting_id,
    busy_greeting_id: row.busy_greeting_id,
    name_greeting_id: row.name_greeting_id,
    temporary_greeting_id: row.temporary_greeting_id,
  };
}

function greetingIds(row: repo.BoxRow | PatchBoxInput): GreetingIds {
  const ids: GreetingIds = {};
  for (const kind of repo.GREETING_KINDS) {
    const v = row[`${kind}_greeting_id`];
    if (v !== undefined) ids[kind] = v;
  }
  return ids;
}

export async function list(db: Knex): Promise<Box[]> {
  return (await repo.listBoxes(db)).map((b) => toApi(b, b.display_name));
}

export async function get(db: Knex, number: string): Promise<Box> {
  const row = await repo.getBox(db, number);
  if (!row) throw new NotFoundError(`voicemail box ${number}`);
  return toApi(row, await displayName(db, number));
}

async function displayName(db: Knex, number: string): Promise<string> {
  const ext = (await db('extensions').where({ number }).first('display_name')) as
    | { display_name: string }
    | undefined;
  return ext?.display_name ?? '';
}

async function assertGreetings(db: Knex, ids: GreetingIds): Promise<void> {
  for (const [kind, id] of Object.entries(ids)) {
    if (id == null) continue;
    if (!(await db('greetings').where({ id }).first('id'))) {
      throw new UnprocessableError(`greeting ${id} does not exist`, [
        { path: `${kind}_greeting_id`, message: 'no such greeting' },
      ]);
    }
  }
}

async function saveRefs(tx: Tx, number: string): Promise<void> {
  const row = await repo.getBox(tx, number);
  const refs: Ref[] = [];
  if (row) {
    for (const kind of repo.GREETING_KINDS) {
      const id = row[`${kind}_greeting_id`];
      if (id !== null) refs.push({ role: `${kind} greeting`, type: 'greeting', target: String(id) });
    }
  }
  await replaceRefs(tx, { type: 'voicemail-box', id: number, name: `voicemail box ${number}` }, refs);
}

function settings(input: PatchBoxInput): Partial<repo.BoxWrite> {
  const row: Partial<repo.BoxWrite> = {};
  if (input.email !== undefined) row.email = input.email;
  if (input.attach_audio !== undefined) row.attach_audio = input.attach_audio;
  if (input.delete_after_email !== undefined) row.delete_after_email = input.delete_after_email;
  if (input.transcribe !== undefined) row.transcribe = input.transcribe;
  if (input.skip_pin_from_own_phone !== undefined)
    row.skip_pin_from_own_phone = input.skip_pin_from_own_phone;
  for (const kind of repo.GREETING_KINDS) {
    const v = input[`${kind}_greeting_id`];
    if (v !== undefined) row[`${kind}_greeting_id`] = v;
  }
  return row;
}

export interface Saved {
  box: Box;
  greetingsBefore: GreetingIds;
  greetingsChanged: boolean;
}

// The PIN is returned here and by setPin, never by a read.
export async function create(tx: Tx, input: CreateBoxInput, actor: Actor): Promise<Saved & { pin: string }> {
  const ext = (await tx('extensions').where({ number: input.number }).forUpdate().first('display_name')) as
    | { display_name: string }
    | undefined;
  if (!ext) {
    throw new UnprocessableError(`extension ${input.number} does not exist`, [
      { path: 'number', message: 'no such extension' },
    ]);
  }
  if (await repo.getBox(tx, input.number)) {
    throw new ConflictError(`extension ${input.number} already has a voicemail box`, [
      { path: 'number', message: 'already has a voicemail box' },
    ]);
  }
  const ids = greetingIds(input);
  await assertGreetings(tx, ids);
  const pin = input.pin ?? generatePin();
  try {
    await repo.insert(tx, {
      extension_number: input.number,
      pin,
      email: null,
      attach_audio: true,
      delete_after_email: false,
      transcribe: false,
      skip_pin_from_own_phone: true,
      unavailable_greeting_id: null,
      busy_greeting_id: null,
      name_greeting_id: null,
      temporary_greeting_id: null,
      ...settings(input),
    });
  } catch (err) {
    throw mapDbError(err, 'number');
  }
  await tx('extensions').where({ number: input.number }).update({ voicemail_enabled: true });
  await saveRefs(tx, input.number);
  tx.afterCommit(() =>
    actor.requestApply(`voicemail box ${input.number} created`, {
      voicemailBoxes: true,
      extensions: [input.number],
    }),
  );
  const box = toApi((await repo.getBox(tx, input.number))!, ext.display_name);
  return { box, pin, greetingsBefore: {}, greetingsChanged: Object.values(ids).some((v) => v != null) };
}

export async function patch(tx: Tx, number: string, input: PatchBoxInput, actor: Actor): Promise<Saved> {
  const existing = await repo.lock(tx, number);
  if (!existing) throw new NotFoundError(`voicemail box ${number}`);
  const ids = greetingIds(input);
  await assertGreetings(tx, ids);
  const row = settings(input);
  if (Object.keys(row).length > 0) {
    await repo.update(tx, number, row);
    await saveRefs(tx, number);
    // Only the dialplan's no-PIN list depends on these settings; the apply notices if unchanged.
    tx.afterCommit(() => actor.requestApply(`voicemail box ${number} updated`, touched('voicemailBoxes')));
  }
  return {
    box: await get(tx, number),
    greetingsBefore: greetingIds(existing),
    greetingsChanged: Object.keys(ids).length > 0,
  };
}

export async function setPin(
  tx: Tx,
  number: string,
  input: SetPinInput,
  actor: Actor,
): Promise<{ pin: string }> {
  if (!(await repo.lock(tx, number))) throw new NotFoundError(`voicemail box ${number}`);
  const pin = input.pin ?? generatePin();
  await repo.update(tx, number, { pin });
  tx.afterCommit(() => actor.requestApply(`voicemail box ${number}: PIN changed`, touched('voicemailBoxes')));
  return { pin };
}

export async function remove(tx: Tx, number: string, actor: Actor): Promise<void> {
  await assertUnreferenced(tx, { type: 'voicemail', target: number }, `voicemail box ${number}`);
  if ((await repo.remove(tx, number)) === 0) throw new NotFoundError(`voicemail box ${number}`);
  await tx('extensions').where({ number }).update({ voicemail_enabled: false });
  await removeRefs(tx, { type: 'voicemail-box', id: number });
  tx.afterCommit(() =>
    actor.requestApply(`voicemail box ${number} deleted`, { voicemailBoxes: true, extensions: [number] }),
  );
}

// Keeps boxes equal to extensions.voicemail_enabled after the extensions API or a CSV import set
// the flag: a box with a generated PIN appears, or the box goes (409 if a destination uses it).
export async function syncWithFlag(tx: Knex, numbers: readonly string[]): Promise<void> {
  for (let i = 0; i < numbers.length; i += 500) {
    const chunk = numbers.slice(i, i + 500);
    const rows = (await tx('extensions')
      .leftJoin(repo.TABLE, `${repo.TABLE}.extension_number`, 'extensions.number')
      .whereIn('extensions.number', chunk)
      .select(
        'extensions.number',
        'extensions.voicemail_enabled',
        `${repo.TABLE}.extension_number as box`,
      )) as Array<{
      number: string;
      voicemail_enabled: number | boolean;
      box: string | null;
    }>;
    const missing = rows.filter((r) => Boolean(r.voicemail_enabled) && r.box === null).map((r) => r.number);
    const extra = rows.filter((r) => !r.voicemail_enabled && r.box !== null).map((r) => r.number);
    for (const number of extra) {
      await assertUnreferenced(
        tx,
        { type: 'voicemail', target: number },
        `the voicemail box of extension ${number}`,
      );
      await repo.remove(tx, number);
      await removeRefs(tx, { type: 'voicemail-box', id: number });
    }
    if (missing.length > 0) {
      await repo.insertWithPins(
        tx,
        missing.map((number) => ({ extension_number: number, pin: generatePin() })),
      );
    }
  }
}

// After commit: the box's greeting files in the spool follow its greeting choices.
export async function publishGreetings(
  db: Knex,
  paths: BoxPaths,
  number: string,
  before: GreetingIds,
): Promise<void> {
  const row = await repo.getBox(db, number);
  if (!row) return;
  const after: Partial<Record<repo.GreetingKind, GreetingSource | null>> = {};
  for (const kind of repo.GREETING_KINDS) {
    const id = row[`${kind}_greeting_id`];
    if (id === null) {
      after[kind] = null;
      continue;
    }
    const g = (await db('greetings').where({ id }).first('default_language')) as
      | { default_language: string }
      | undefined;
    const languages = (
      (await db('greeting_variants')
        .where({ greeting_id: id })
        .orderBy('language')
        .select('language')) as Array<{
        language: string;
      }>
    ).map((v) => v.language);
    const language = g && languages.includes(g.default_language) ? g.default_language : languages[0];
    after[kind] = language === undefined ? null : { id, language };
  }
  await syncBoxGreetings(paths.soundsDir, paths.spoolDir, number, before, after);
}

// A greeting's audio changed: every box that plays it gets the new copy (nothing is removed).
export async function republishGreeting(db: Knex, paths: BoxPaths, greetingId: number): Promise<void> {
  const boxes = (await db('destination_refs')
    .where({ owner_type: 'voicemail-box', ref_type: 'greeting', ref_target: String(greetingId) })
    .distinct('owner_id')
    .pluck('owner_id')) as string[];
  for (const number of boxes) {
    const row = await repo.getBox(db, number);
    if (!row) continue;
    const current: GreetingIds = {};
    for (const kind of repo.GREETING_KINDS) current[kind] = row[`${kind}_greeting_id`];
    await publishGreetings(db, paths, number, current);
  }
}
