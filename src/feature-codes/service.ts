import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import type { Tx } from '../db/tx';
import { type ErrorDetail, ValidationError } from '../http/errors';
import { FEATURE_CODE_CATALOG } from './catalog';
import * as repo from './repo';
import type { FeatureCode, PutFeatureCodesInput } from './schema';

export async function list(db: Knex): Promise<FeatureCode[]> {
  const changed = await repo.overrides(db);
  return FEATURE_CODE_CATALOG.map((e) => {
    const o = changed.get(e.key);
    return {
      key: e.key,
      description: e.description,
      default_code: e.code,
      code: o?.code ?? e.code,
      enabled: o?.enabled ?? e.enabledByDefault ?? true,
      param: e.param ?? null,
    };
  });
}

// Codes in force must not collide: two equal codes, or a code that takes digits after it
// (*72<number>) being the start of another code (*721), leave the dialled digits ambiguous.
// Extension, queue and ring-group numbers are digits only, so a code (starting with *) can never
// be one of them.
export function conflicts(codes: readonly FeatureCode[]): ErrorDetail[] {
  const enabled = codes.filter((c) => c.enabled);
  const details: ErrorDetail[] = [];
  for (const a of enabled) {
    for (const b of enabled) {
      if (a === b) continue;
      if (a.code === b.code && a.key < b.key) {
        details.push({ path: a.key, message: `${a.code} is also the code of ${b.key}` });
      } else if (a.code !== b.code && a.param && b.code.startsWith(a.code)) {
        details.push({
          path: b.key,
          message: `${b.code} starts with ${a.code}, which ${a.key} takes followed by digits`,
        });
      }
    }
  }
  return details;
}

export async function put(tx: Tx, input: PutFeatureCodesInput, actor: Actor): Promise<FeatureCode[]> {
  const seen = new Set<string>();
  for (const [i, item] of input.items.entries()) {
    if (seen.has(item.key))
      throw new ValidationError([{ path: `items.${i}.key`, message: 'is listed twice' }]);
    seen.add(item.key);
  }
  // Serialises concurrent saves: the checks below read the whole set.
  await tx.raw('SELECT GET_LOCK(?, 10)', ['sb_feature_codes']);
  try {
    const current = await list(tx);
    const next = current.map((c) => {
      const change = input.items.find((i) => i.key === c.key);
      return change ? { ...c, code: change.code ?? c.code, enabled: change.enabled ?? c.enabled } : c;
    });
    const problems = conflicts(next);
    if (problems.length > 0) throw new ValidationError(problems, 'feature codes would clash');
    const changed = next.filter((n, i) => n.code !== current[i]!.code || n.enabled !== current[i]!.enabled);
    for (const c of changed) {
      const enabledByDefault = FEATURE_CODE_CATALOG.find((e) => e.key === c.key)?.enabledByDefault ?? true;
      await repo.save(
        tx,
        c.key,
        { code: c.code, enabled: c.enabled },
        { code: c.default_code, enabled: enabledByDefault },
      );
    }
    if (changed.length > 0) {
      tx.afterCommit(() =>
        actor.requestApply(
          `feature codes ${changed.map((c) => c.key).join(', ')} changed`,
          touched('featureCodes'),
        ),
      );
    }
    return next;
  } finally {
    await tx.raw('SELECT RELEASE_LOCK(?)', ['sb_feature_codes']);
  }
}
