import type { AsteriskControl } from '../../asterisk/control';
import type { ShownQueue } from '../../asterisk/queue-show';

export {
  parseQueueShow,
  type ShownCaller,
  type ShownMember,
  type ShownQueue,
} from '../../asterisk/queue-show';

// The app_queue changes Switchboard makes, and its reads of the live queues. Queue numbers and
// extensions are checked here against a strict pattern, whatever validated them before; the
// control (asterisk/control.ts: CLI or AMI) checks every argument again.

const NUMBER = /^[0-9]{1,20}$/;

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new Error(`refusing ${what} ${JSON.stringify(value)} for Asterisk`);
  return value;
}

export const asteriskQueueName = (number: string) => `sb-queue-${checked(number, NUMBER, 'queue number')}`;
export const memberInterface = (ext: string) => `PJSIP/${checked(ext, NUMBER, 'extension')}`;

// A display name reduced to one CLI word (the member name shown by `queue show`).
export function memberLabel(name: string, ext: string): string {
  const label = name
    .replace(/\s+/g, '_')
    .replace(/[^A-Za-z0-9_-]/g, '')
    .slice(0, 40);
  return label === '' ? ext : label;
}

// Each makes one change; a refused value rejects before anything reaches Asterisk, and so does
// an answer that is not the change made (adding a member already there, or removing one already
// gone, is the wanted state and succeeds).
export const queueCommands = {
  add: async (asterisk: AsteriskControl, queue: string, ext: string, penalty: number, name: string) =>
    asterisk.queueAddMember(asteriskQueueName(queue), memberInterface(ext), {
      penalty,
      memberName: memberLabel(name, ext),
      stateInterface: memberInterface(ext),
    }),
  remove: async (asterisk: AsteriskControl, queue: string, ext: string) =>
    asterisk.queueRemoveMember(asteriskQueueName(queue), memberInterface(ext)),
  pause: async (asterisk: AsteriskControl, queue: string, ext: string, reason: string) =>
    asterisk.queuePauseMember(asteriskQueueName(queue), memberInterface(ext), reason),
  unpause: async (asterisk: AsteriskControl, queue: string, ext: string) =>
    asterisk.queueUnpauseMember(asteriskQueueName(queue), memberInterface(ext)),
  penalty: async (asterisk: AsteriskControl, queue: string, ext: string, penalty: number) =>
    asterisk.queueSetPenalty(asteriskQueueName(queue), memberInterface(ext), penalty),
  show: async (asterisk: AsteriskControl, queue?: string) =>
    asterisk.queueStatus(queue === undefined ? undefined : asteriskQueueName(queue)),
};

// One answer per queue serves every reader for about a second: the live page polls every 2 s per
// open browser, and each read spawns a CLI process or makes an AMI round trip.
const SHOW_TTL_MS = 1_000;
const showCache = new WeakMap<
  AsteriskControl,
  Map<string, { at: number; value: Promise<ShownQueue | null> }>
>();

export function showQueue(asterisk: AsteriskControl, number: string): Promise<ShownQueue | null> {
  let perControl = showCache.get(asterisk);
  if (!perControl) {
    perControl = new Map();
    showCache.set(asterisk, perControl);
  }
  const cache = perControl;
  const hit = cache.get(number);
  if (hit && Date.now() - hit.at <= SHOW_TTL_MS) return hit.value;
  const name = asteriskQueueName(number);
  const value = queueCommands.show(asterisk, number).then((shown) => shown.get(name) ?? null);
  cache.set(number, { at: Date.now(), value });
  value.catch(() => {
    if (cache.get(number)?.value === value) cache.delete(number);
  });
  return value;
}

// After a change, the next read must see it.
export function forgetShown(asterisk: AsteriskControl, number: string): void {
  showCache.get(asterisk)?.delete(number);
}
