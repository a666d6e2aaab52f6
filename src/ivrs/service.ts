import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import type { Tx } from '../db/tx';
import { assertDestinationExists } from '../destinations';
import { assertUnreferenced, type Ref, removeRefs, replaceRefs } from '../destinations/refs';
import { NotFoundError, UnprocessableError, ValidationError } from '../http/errors';
import type { DialplanSettings } from '../render/state';
import { extensionLeadingDigits } from './direct-dial';
import { assertGreetingExists } from './greeting-ref';
import * as repo from './repo';
import { DIGITS, type IvrInput } from './schema';
import type { IvrState } from './state';

const keypadOrder = (a: { digit: string }, b: { digit: string }) =>
  DIGITS.indexOf(a.digit) - DIGITS.indexOf(b.digit);

export async function listIvrs(db: Knex, ids?: readonly number[]): Promise<IvrState[]> {
  const [rows, options] = await Promise.all([repo.list(db, ids), repo.options(db, ids)]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    promptGreetingId: r.prompt_greeting_id,
    options: options
      .filter((o) => o.ivr_id === r.id)
      .map((o) => ({
        digit: o.digit,
        destination: { type: o.destination_type, target: o.destination_target },
        language: o.language,
      }))
      .sort(keypadOrder),
    directDial: Boolean(r.direct_dial),
    repeatDigit: r.repeat_digit,
    timeoutSeconds: r.timeout_seconds,
    maxRetries: r.max_retries,
    retryGreetingId: r.retry_greeting_id,
    invalidDestination: { type: r.invalid_destination_type, target: r.invalid_destination_target },
  }));
}

export function ivrToApi(s: IvrState) {
  return {
    id: s.id,
    name: s.name,
    prompt_greeting_id: s.promptGreetingId,
    options: s.options.map((o) => ({
      digit: o.digit,
      destination: o.destination,
      language: o.language ?? null,
    })),
    direct_dial: s.directDial,
    repeat_digit: s.repeatDigit,
    timeout_seconds: s.timeoutSeconds,
    max_retries: s.maxRetries,
    retry_greeting_id: s.retryGreetingId,
    invalid_destination: s.invalidDestination,
  };
}
export type IvrApi = ReturnType<typeof ivrToApi>;

export async function getIvr(db: Knex, id: number): Promise<IvrApi> {
  const [found] = await listIvrs(db, [id]);
  if (!found) throw new NotFoundError(`IVR ${id}`);
  return ivrToApi(found);
}

// Keys that would make Asterisk wait for more digits (see direct-dial.ts): 400, like any other
// input that cannot be saved whatever else exists.
function assertNoDirectDialClash(input: IvrInput, range: DialplanSettings['extensionRange']): void {
  if (!input.direct_dial) return;
  const leading = extensionLeadingDigits(range);
  const why = (d: string) =>
    `with direct dial on, key ${d} is ambiguous: extension numbers (${range.min}-${range.max}) start with it, so Asterisk would wait for more digits; use 0, * or # or a digit no extension starts with, or turn direct dial off`;
  const details = input.options.flatMap((o, i) =>
    leading.has(o.digit) ? [{ path: `options.${i}.digit`, message: why(o.digit) }] : [],
  );
  if (input.repeat_digit !== null && leading.has(input.repeat_digit))
    details.push({ path: 'repeat_digit', message: why(input.repeat_digit) });
  if (details.length > 0) throw new ValidationError(details, details[0]?.message);
}

function refsOf(input: IvrInput): Ref[] {
  const refs: Ref[] = [];
  if (input.prompt_greeting_id !== null)
    refs.push({ role: 'prompt', type: 'greeting', target: String(input.prompt_greeting_id) });
  if (input.retry_greeting_id !== null)
    refs.push({ role: 'retry prompt', type: 'greeting', target: String(input.retry_greeting_id) });
  for (const o of input.options) refs.push({ role: `option ${o.digit}`, ...o.destination });
  refs.push({ role: 'invalid/timeout', ...input.invalid_destination });
  return refs;
}

export async function saveIvr(
  tx: Tx,
  id: number | null,
  input: IvrInput,
  actor: Actor,
  range: DialplanSettings['extensionRange'],
): Promise<IvrApi> {
  assertNoDirectDialClash(input, range);
  if (id !== null && (await repo.lockName(tx, id)) === undefined) throw new NotFoundError(`IVR ${id}`);
  if (input.prompt_greeting_id !== null)
    await assertGreetingExists(tx, input.prompt_greeting_id, 'prompt_greeting_id');
  if (input.retry_greeting_id !== null)
    await assertGreetingExists(tx, input.retry_greeting_id, 'retry_greeting_id');
  for (const [i, o] of input.options.entries())
    await assertDestinationExists(tx, o.destination, `options.${i}.destination`);
  await assertDestinationExists(tx, input.invalid_destination, 'invalid_destination');
  // Its own menu as the final destination would restart it with fresh tries for ever.
  if (
    id !== null &&
    input.invalid_destination.type === 'ivr' &&
    input.invalid_destination.target === String(id)
  )
    throw new UnprocessableError(
      'the final destination cannot be this menu itself: callers would never leave it',
      [{ path: 'invalid_destination', message: 'this menu itself' }],
    );

  const row: repo.IvrWrite = {
    name: input.name,
    prompt_greeting_id: input.prompt_greeting_id,
    direct_dial: input.direct_dial,
    repeat_digit: input.repeat_digit,
    timeout_seconds: input.timeout_seconds,
    max_retries: input.max_retries,
    retry_greeting_id: input.retry_greeting_id,
    invalid_destination_type: input.invalid_destination.type,
    invalid_destination_target: input.invalid_destination.target,
  };
  let ivrId: number;
  try {
    if (id === null) ivrId = await repo.insert(tx, row);
    else {
      await repo.update(tx, id, row);
      ivrId = id;
    }
  } catch (err) {
    throw mapDbError(err, 'name');
  }
  await repo.replaceOptions(
    tx,
    ivrId,
    input.options.map((o) => ({
      digit: o.digit,
      destination_type: o.destination.type,
      destination_target: o.destination.target,
      language: o.language,
    })),
  );
  await replaceRefs(tx, { type: 'ivr', id: ivrId, name: input.name }, refsOf(input));
  tx.afterCommit(() => actor.requestApply(`IVR ${input.name} saved`, touched('ivrs')));
  return getIvr(tx, ivrId);
}

export async function removeIvr(tx: Tx, id: number, actor: Actor): Promise<void> {
  const name = await repo.lockName(tx, id);
  if (name === undefined) throw new NotFoundError(`IVR ${id}`);
  // Its own refs go first: a menu whose option leads back to itself does not block its deletion.
  // On a refusal the transaction rolls back and they are restored.
  await removeRefs(tx, { type: 'ivr', id });
  await assertUnreferenced(tx, { type: 'ivr', target: id }, `IVR "${name}"`);
  await repo.remove(tx, id);
  tx.afterCommit(() => actor.requestApply(`IVR ${name} deleted`, touched('ivrs')));
}
