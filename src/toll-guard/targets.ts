import type { Knex } from 'knex';
import { extensionMatches } from '../callflow';
import { ValidationError } from '../http/errors';
import { isEmergencyNumber } from '../routes';
import * as repo from './repo';

// Where forwarding and follow-me may send a call (issue 16: no path from an outside caller to a
// paid number). Emergency numbers and short codes are never a target: a forwarded emergency call
// would carry the wrong caller's location, and short codes are where carriers put premium
// services. Anything that is not one of our own numbers is external and needs the extension's
// "may forward externally" permission. The dialplan checks both again on every call
// (sb-toll-guard), so a stale astdb value cannot dial out either.

// Up to this many digits a number that is not ours is a service code, not a subscriber.
const SHORT_CODE_MAX_DIGITS = 5;

export function isEmergencyOrShortCode(digits: string, emergencyPatterns: readonly string[] = []): boolean {
  const bare = digits.replace(/^\+/, '');
  if (isEmergencyNumber(bare)) return true;
  if (bare.length <= SHORT_CODE_MAX_DIGITS) return true;
  // Asterisk's own matcher (the call-flow port of pbx.c), so "emergency" means what the dialplan does.
  return emergencyPatterns.some((p) => extensionMatches(p, digits) || extensionMatches(p, bare));
}

export interface Target {
  path: string; // where in the request, for the 400's details
  number: string;
}

// Throws a 400 naming every refused target; internal numbers pass whatever their length.
export async function assertForwardTargets(
  db: Knex,
  extension: string,
  targets: readonly Target[],
): Promise<void> {
  if (targets.length === 0) return;
  const emergencyPatterns = await repo.emergencyPatterns(db);
  const internal = await repo.internalNumbers(
    db,
    targets.map((t) => t.number),
  );
  const details: Array<{ path: string; message: string }> = [];
  let mayForward: boolean | null = null;
  for (const t of targets) {
    if (
      isEmergencyNumber(t.number) ||
      (!internal.has(t.number) && isEmergencyOrShortCode(t.number, emergencyPatterns))
    ) {
      details.push({
        path: t.path,
        message: 'emergency numbers and short codes cannot be forwarding or follow-me targets',
      });
      continue;
    }
    if (internal.has(t.number)) continue;
    mayForward ??= (await repo.extensionLimits(db, extension)).may_forward_external;
    if (!mayForward)
      details.push({
        path: t.path,
        message: `extension ${extension} may not forward to external numbers: an admin must allow "may forward externally"`,
      });
  }
  if (details.length > 0)
    throw new ValidationError(details, details.map((d) => `${d.path}: ${d.message}`).join('; '));
}
