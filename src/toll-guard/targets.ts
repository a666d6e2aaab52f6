import type { Knex } from 'knex';
import { ValidationError } from '../http/errors';
import * as repo from './repo';

// Where forwarding and follow-me may send a call (issue 16: no path from an outside caller to a
// paid number). Emergency numbers and short codes are never a target: a forwarded emergency call
// would carry the wrong caller's location, and short codes are where carriers put premium
// services. Anything that is not one of our own numbers is external and needs the extension's
// "may forward externally" permission. The dialplan checks both again on every call
// (sb-toll-guard), so a stale astdb value cannot dial out either.

// Well-known emergency numbers (EU, NANP, UK, AU/NZ, JP/CN, IN and others); N11 is matched below.
const EMERGENCY = new Set([
  '000',
  '08',
  '100',
  '101',
  '102',
  '103',
  '108',
  '110',
  '111',
  '112',
  '113',
  '114',
  '115',
  '116',
  '117',
  '118',
  '119',
  '122',
  '123',
  '15',
  '17',
  '18',
  '190',
  '192',
  '193',
  '197',
  '911',
  '991',
  '995',
  '997',
  '998',
  '999',
]);
// Up to this many digits a number that is not ours is a service code, not a subscriber.
const SHORT_CODE_MAX_DIGITS = 5;

// An Asterisk dial pattern (as outbound routes store them) as a regular expression.
export function patternRegExp(pattern: string): RegExp {
  if (!pattern.startsWith('_')) return new RegExp(`^${pattern.replace(/[+*]/g, '\\$&')}$`);
  let re = '';
  for (const m of pattern.slice(1).matchAll(/\[[^\]]*\]|./g)) {
    const t = m[0];
    if (t.startsWith('[')) re += t;
    else if (t === 'X' || t === 'x') re += '[0-9]';
    else if (t === 'Z' || t === 'z') re += '[1-9]';
    else if (t === 'N' || t === 'n') re += '[2-9]';
    else if (t === '.') re += '.+';
    else if (t === '!') re += '.*';
    else re += t.replace(/[+*]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function isEmergencyOrShortCode(digits: string, emergencyPatterns: readonly string[] = []): boolean {
  const bare = digits.replace(/^\+/, '');
  if (EMERGENCY.has(bare) || /^[2-9]11$/.test(bare)) return true;
  if (bare.length <= SHORT_CODE_MAX_DIGITS) return true;
  return emergencyPatterns.some((p) => patternRegExp(p).test(digits) || patternRegExp(p).test(bare));
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
    const bare = t.number.replace(/^\+/, '');
    const emergency = EMERGENCY.has(bare) || /^[2-9]11$/.test(bare);
    if (emergency || (!internal.has(t.number) && isEmergencyOrShortCode(t.number, emergencyPatterns))) {
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
