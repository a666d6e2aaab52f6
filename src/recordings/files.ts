import { join } from 'node:path';
import type { TargetType } from './schema';

// Where MixMonitor writes Switchboard's recordings, relative to Asterisk's monitor dir (the
// dialplan writes switchboard/<file>).
export const SUBDIR = 'switchboard';

// <linkedid>-<uniqueid>.wav for policy recordings; od-<epoch>-<linkedid>-<uniqueid>-<type><ref>.wav
// for each one a party started (on_demand: automixmon builds that name from the dialplan's
// TOUCH_MIXMONITOR_PREFIX and TOUCH_MIXMONITOR). Ids are Asterisk's <epoch>.<sequence>.
const ID = String.raw`\d{1,20}\.\d{1,10}`;
const POLICY_FILE = new RegExp(`^(${ID})-(${ID})\\.wav$`);
const ON_DEMAND_FILE = new RegExp(
  `^od-\\d{1,20}-(${ID})-(${ID})-(extension|queue|inbound_route|outbound_route)(\\d{1,10})\\.wav$`,
);

export interface ParsedFileName {
  linkedid: string;
  uniqueid: string;
  onDemand: { type: TargetType; ref: string } | null;
}

export function parseFileName(name: string): ParsedFileName | null {
  const p = POLICY_FILE.exec(name);
  if (p) return { linkedid: p[1]!, uniqueid: p[2]!, onDemand: null };
  const o = ON_DEMAND_FILE.exec(name);
  if (!o) return null;
  return { linkedid: o[1]!, uniqueid: o[2]!, onDemand: { type: o[3] as TargetType, ref: o[4]! } };
}

// Only names parseFileName accepts reach the filesystem: no separators, no "..".
export function recordingPath(monitorDir: string, fileName: string): string {
  if (!parseFileName(fileName)) throw new Error(`refusing recording file name ${JSON.stringify(fileName)}`);
  return join(monitorDir, SUBDIR, fileName);
}
