import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ValidationError } from '../http/errors';
import { type AstDb, ControlAstDb } from './astdb';
import { type CallHandlingAction, CallHandlingCodes, PhoneRefusal } from './handler';
import { PhoneNumber } from './schema';
import * as service from './service';

export function astdbFor(deps: Deps): AstDb {
  return new ControlAstDb(deps.control);
}

const FORWARD_SOUND = {
  always: 'sound:call-fwd-unconditional',
  busy: 'sound:call-fwd-on-busy',
  noAnswer: 'sound:call-fwd-no-ans',
} as const;

// Digits read back to the caller ("+" is not a digit a phone can say).
const spoken = (n: string) => `digits:${n.replace(/^\+/, '')}`;

function validNumber(digits: string): string {
  const parsed = PhoneNumber.safeParse(digits);
  if (!parsed.success) throw new PhoneRefusal(`not a number: ${JSON.stringify(digits)}`);
  return parsed.data;
}

// What each phone code does, for the extension that dialled it (${CHANNEL(endpoint)}).
export function callHandlingActions(deps: Deps, astdb: AstDb): Record<string, CallHandlingAction> {
  const mirror = (ext: string) => service.mirror(deps.db, astdb, deps.log, ext);
  const forwardOn =
    (kind: service.ForwardKind): CallHandlingAction =>
    async (ext, digits) => {
      const to = validNumber(digits);
      if (to === ext) throw new PhoneRefusal('forward to itself');
      // An emergency number, a short code, or an external number without the permission: the
      // caller hears "invalid", as for a number that is not one.
      await withTx(deps.db, (tx) => service.setForward(tx, ext, kind, to)).catch((err: unknown) => {
        if (err instanceof ValidationError) throw new PhoneRefusal(err.message);
        throw err;
      });
      await mirror(ext);
      return [FORWARD_SOUND[kind], 'sound:is-set-to', spoken(to)];
    };
  const forwardOff =
    (kind: service.ForwardKind): CallHandlingAction =>
    async (ext) => {
      await withTx(deps.db, (tx) => service.setForward(tx, ext, kind, null));
      await mirror(ext);
      return [FORWARD_SOUND[kind], 'sound:de-activated'];
    };
  return {
    'dnd-toggle': async (ext) => {
      const on = await withTx(deps.db, (tx) => service.toggleDnd(tx, ext));
      await mirror(ext);
      return ['sound:do-not-disturb', on ? 'sound:activated' : 'sound:de-activated'];
    },
    'cfu-on': forwardOn('always'),
    'cfu-off': forwardOff('always'),
    'cfb-on': forwardOn('busy'),
    'cfb-off': forwardOff('busy'),
    'cfna-on': forwardOn('noAnswer'),
    'cfna-off': forwardOff('noAnswer'),
    // The last caller is what sb-extension-dial recorded in astdb; the dialplan passes it along.
    'block-last': async (ext, digits) => {
      const caller = validNumber(digits);
      if (caller === ext) throw new PhoneRefusal('block itself');
      await withTx(deps.db, (tx) => service.block(tx, ext, caller, true));
      await mirror(ext);
      return ['sound:number', spoken(caller), 'sound:added'];
    },
  };
}

const RECONCILE_EVERY_MS = 60_000;
const WATCH_MS = 2_000;

export interface CallHandlingRuntime {
  reconcileNow(): Promise<number>;
  stop(): Promise<void>;
}

// The phone codes' Stasis handler, and the astdb mirror kept whole: reconciled with MySQL when
// the ARI connection (re)opens (an Asterisk restart, a fresh astdb) and every minute (so a
// deleted extension's keys go too).
export function startCallHandling(deps: Deps): CallHandlingRuntime {
  const astdb = astdbFor(deps);
  const codes = new CallHandlingCodes(deps.ari, deps.log, callHandlingActions(deps, astdb));
  codes.start();
  let running: Promise<number> | null = null;
  const reconcileNow = () => {
    running ??= service
      .reconcile(deps.db, astdb)
      .then((changes) => {
        if (changes > 0) deps.log.info({ changes }, 'call handling: astdb reconciled');
        return changes;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const quietly = () => {
    reconcileNow().catch((err: unknown) => deps.log.warn({ err }, 'call handling: astdb reconcile failed'));
  };
  let wasConnected = false;
  const watch = setInterval(() => {
    const now = deps.ari.connected;
    if (now && !wasConnected) quietly();
    wasConnected = now;
  }, WATCH_MS);
  const periodic = setInterval(() => {
    if (deps.ari.connected) quietly();
  }, RECONCILE_EVERY_MS);
  watch.unref();
  periodic.unref();
  return {
    reconcileNow,
    stop: async () => {
      clearInterval(watch);
      clearInterval(periodic);
      await codes.stop();
      await running?.catch(() => undefined);
    },
  };
}
