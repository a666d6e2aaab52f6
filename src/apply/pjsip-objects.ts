import { parseConf } from './conf-parse';

export type PjsipType = 'auth' | 'aor' | 'endpoint';
const TYPES: ReadonlySet<string> = new Set(['auth', 'aor', 'endpoint']);

export interface PjsipObject {
  type: PjsipType;
  id: string;
  fields: Array<[string, string]>;
}

export const objectKey = (o: { type: string; id: string }): string => `${o.type}/${o.id}`;

export function parseObjectKey(key: string): { type: PjsipType; id: string } {
  const slash = key.indexOf('/');
  return { type: key.slice(0, slash) as PjsipType, id: key.slice(slash + 1) };
}

// The objects of a generated pjsip.conf, as ARI push configuration takes them.
export function pjsipObjects(content: string): PjsipObject[] {
  const objects: PjsipObject[] = [];
  for (const section of parseConf(content)) {
    const type = section.vars.find(([k]) => k === 'type')?.[1];
    if (!type || !TYPES.has(type)) continue;
    objects.push({
      type: type as PjsipType,
      id: section.name,
      fields: section.vars.filter(([k]) => k !== 'type'),
    });
  }
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
    if (prev && JSON.stringify(prev.fields) === JSON.stringify(obj.fields)) continue;
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
