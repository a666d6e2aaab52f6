import { actorFor } from '../apply/trigger';
import { recordAudit } from '../audit';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { emergencyService as emergency } from '../emergency';
import { timeConditionsService as tcService, timeConditionsRepo as timeConditions } from '../time-conditions';
import { VOICEMAIL_OPEN_CONTEXT, voicemailPinGuard, voicemailPinHash } from '../voicemail';
import { type FeatureAction, FeatureCodes } from './handler';

// The phone's feature codes and what each does. Who acted is the calling extension, as PJSIP
// authenticated it (the dialplan passes ${CHANNEL(endpoint)}, not the caller ID).
export function featureActions(deps: Deps): Record<string, FeatureAction> {
  const validId = (param: string) => (/^[1-9][0-9]{0,9}$/.test(param) ? Number(param) : null);
  return {
    // *28<id>: automatic → forced to the opposite of what the schedule says now; forced → automatic.
    'tc-override': {
      pinHash: async (param) => {
        const id = validId(param);
        return id === null ? null : tcService.pinHash(deps.db, id);
      },
      perform: async (param, extension) => {
        const by = `extension ${extension}`;
        const result = await withTx(deps.db, async (tx) => {
          const found = await timeConditions.find(tx, Number(param));
          if (!found) throw new Error(`time condition ${param} vanished`);
          const mode = tcService.toggled(found.state, new Date());
          const changed = await tcService.setOverride(tx, found.row.id, mode, 'phone', actorFor(deps, by));
          // A switch from a phone is no request: its audit row is written here, in its transaction.
          await recordAudit(tx, {
            actor: by,
            via: 'phone',
            action: 'PHONE tc-override',
            summary: `Time condition forced ${changed.override} from a phone`,
            objectType: 'time-conditions',
            objectId: String(found.row.id),
            before: { override: found.state },
            after: { override: changed.override },
          });
          return changed;
        });
        return [result.override === 'auto' ? 'sound:de-activated' : 'sound:activated'];
      },
    },
    // *97 (own box, when it asks for the PIN) and *98 (any box): the box's PIN, then the call
    // goes on to VoiceMailMain. Wrong PINs are counted per box in the database, whoever calls.
    voicemail: {
      pinHash: (param) => voicemailPinHash(deps.db, param),
      perform: async (param) => ({ context: VOICEMAIL_OPEN_CONTEXT, extension: param }),
      guard: voicemailPinGuard(deps.db, deps.config.voicemailPinLockout),
    },
    // *99: emergency mode on ↔ off.
    emergency: {
      pinHash: () => emergency.pinHash(deps.db),
      perform: async (_param, extension) => {
        const by = `extension ${extension}`;
        const result = await withTx(deps.db, async (tx) => {
          const switched = await emergency.setActive(
            tx,
            !(await emergency.isActive(tx)),
            by,
            'phone',
            actorFor(deps, by),
          );
          await recordAudit(tx, {
            actor: by,
            via: 'phone',
            action: 'PHONE emergency',
            summary: `Emergency mode switched ${switched.active ? 'on' : 'off'} from a phone`,
            objectType: 'emergency',
            after: { active: switched.active },
          });
          return switched;
        });
        return [result.active ? 'sound:activated' : 'sound:de-activated'];
      },
    },
  };
}

export function startFeatureCodes(deps: Deps): FeatureCodes {
  const codes = new FeatureCodes(deps.ari, deps.log, featureActions(deps));
  codes.start();
  return codes;
}
