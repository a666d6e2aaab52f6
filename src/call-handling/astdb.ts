import type { AsteriskControl } from '../asterisk/control';

// Asterisk's astdb, family "sb": the dialplan's copy of forwarding, do-not-disturb and blocked
// callers (MySQL holds the truth). Written through the CLI or the AMI (asterisk/control.ts), not
// ARI: with live_dangerously = no, ARI's POST /asterisk/variable?variable=DB(...) answers 204 but
// Asterisk logs "Dangerous function DB write blocked" and writes nothing (call-handling.test.ts
// proves it). Keys are <kind>/<extension>[/<caller>]; every part is checked here again, whatever
// validated it before, because it becomes part of a dialplan function argument, a CLI command
// line or an AMI header.

export const FAMILY = 'sb';
export const MIRRORED_KINDS = ['dnd', 'cfu', 'cfb', 'cfna', 'block'] as const;
export type MirroredKind = (typeof MIRRORED_KINDS)[number];

const EXTENSION = /^[0-9]{1,20}$/;
const NUMBER = /^\+?[0-9]{1,20}$/;

export class AstDbKeyError extends Error {}

export function astdbKey(kind: MirroredKind | 'last', extension: string, caller?: string): string {
  if (!EXTENSION.test(extension)) throw new AstDbKeyError(`bad extension ${JSON.stringify(extension)}`);
  if (kind === 'block') {
    if (caller === undefined || !NUMBER.test(caller))
      throw new AstDbKeyError(`bad caller ${JSON.stringify(caller)}`);
    return `block/${extension}/${caller}`;
  }
  return `${kind}/${extension}`;
}

function checkKey(key: string): string {
  if (!/^(dnd|cfu|cfb|cfna|last)\/[0-9]{1,20}$|^block\/[0-9]{1,20}\/\+?[0-9]{1,20}$/.test(key))
    throw new AstDbKeyError(`refusing astdb key ${JSON.stringify(key)}`);
  return key;
}

function checkValue(value: string): string {
  if (!NUMBER.test(value)) throw new AstDbKeyError(`refusing astdb value ${JSON.stringify(value)}`);
  return value;
}

export interface AstDb {
  put(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
  // Every key of family sb under the mirrored kinds, with its value.
  list(): Promise<Map<string, string>>;
}

// Through the Asterisk control (the CLI or the AMI), which checks every argument again; keys and
// values are checked here first against the shapes this family holds.
export class ControlAstDb implements AstDb {
  constructor(private readonly control: AsteriskControl) {}

  async put(key: string, value: string): Promise<void> {
    await this.control.dbPut(FAMILY, checkKey(key), checkValue(value));
  }

  async del(key: string): Promise<void> {
    await this.control.dbDel(FAMILY, checkKey(key));
  }

  async list(): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    for (const [key, value] of await this.control.dbFamily(FAMILY)) {
      if (MIRRORED_KINDS.some((k) => key.startsWith(`${k}/`))) map.set(key, value);
    }
    return map;
  }
}
