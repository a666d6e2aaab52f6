export type PjsipType = 'auth' | 'aor' | 'endpoint';
const TYPES: ReadonlySet<string> = new Set(['auth', 'aor', 'endpoint']);

// One auth, AOR or endpoint as ARI push configuration takes it. A first apply of 10,000
// extensions holds 30,000 of these from the parse to the end of the verify (a reload of seconds
// in between), so the fields live as one string, `key=value` lines in file order without `type`,
// and become pairs only when asked for (a push, a verify, a lost-field check): as arrays of
// pairs they grew the start-up apply's heap by ~45 MB (bench/startup-memory.bench.ts). Keys hold
// no `=` (the first one splits a line) and no line holds a newline, so equal bodies are equal
// fields.
export class PjsipObject {
  constructor(
    readonly type: PjsipType,
    readonly id: string,
    readonly body: string,
  ) {}

  get fields(): Array<[string, string]> {
    if (this.body === '') return [];
    return this.body.split('\n').map((line) => {
      const eq = line.indexOf('=');
      return [line.slice(0, eq), line.slice(eq + 1)];
    });
  }
}

export const objectKey = (o: { type: string; id: string }): string => `${o.type}/${o.id}`;

export function parseObjectKey(key: string): { type: PjsipType; id: string } {
  const slash = key.indexOf('/');
  return { type: key.slice(0, slash) as PjsipType, id: key.slice(slash + 1) };
}

// The objects of a generated pjsip.conf (not arbitrary Asterisk config): `[name]` sections and
// `key = value` lines, comments and blank lines skipped, an object's type from its first `type`.
// Walks the text line by line instead of splitting it: a 5 MB file is 400,000 lines.
export function pjsipObjects(content: string): PjsipObject[] {
  const objects: PjsipObject[] = [];
  let name: string | null = null;
  let type: string | undefined;
  let lines: string[] = [];
  const close = () => {
    if (name !== null && type !== undefined && TYPES.has(type))
      objects.push(new PjsipObject(type as PjsipType, name, lines.join('\n')));
  };
  for (let start = 0; start <= content.length; ) {
    let end = content.indexOf('\n', start);
    if (end === -1) end = content.length;
    const line = content.slice(start, end).trim();
    start = end + 1;
    if (line === '' || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      close();
      name = header[1]!;
      type = undefined;
      lines = [];
      continue;
    }
    const eq = line.indexOf('=');
    if (name === null || eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'type') type ??= value;
    else lines.push(`${key}=${value}`);
  }
  close();
  return objects;
}

export interface PjsipDiff {
  upserts: PjsipObject[];
  deletes: PjsipObject[];
  // Existing objects that lost a field: ARI's update merges fields, so only a reload drops one.
  lostFields: PjsipObject[];
}

const PUSH_ORDER: Record<PjsipType, number> = { auth: 0, aor: 1, endpoint: 2 };

// The referencing endpoint first when deleting.
export const deleteOrder = (a: { type: PjsipType }, b: { type: PjsipType }): number =>
  PUSH_ORDER[b.type] - PUSH_ORDER[a.type];

export function diffObjects(before: PjsipObject[], after: PjsipObject[]): PjsipDiff {
  const old = new Map(before.map((o) => [objectKey(o), o]));
  const upserts: PjsipObject[] = [];
  const lostFields: PjsipObject[] = [];
  for (const obj of after) {
    const prev = old.get(objectKey(obj));
    old.delete(objectKey(obj));
    if (prev && prev.body === obj.body) continue;
    if (prev) {
      const keep = new Set(obj.fields.map(([k]) => k));
      if (prev.fields.some(([k]) => !keep.has(k))) lostFields.push(obj);
    }
    upserts.push(obj);
  }
  // Referenced objects first when creating, the referencing endpoint first when deleting.
  upserts.sort((a, b) => PUSH_ORDER[a.type] - PUSH_ORDER[b.type]);
  const deletes = [...old.values()].sort(deleteOrder);
  return { upserts, deletes, lostFields };
}
