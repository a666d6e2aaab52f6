import type { Knex } from 'knex';
import { FEATURE_CODE_CATALOG } from './catalog';
import type { FeatureCodeMap } from './state';

// Table feature_codes: one row per catalog entry the admin changed (code or enabled).
const TABLE = 'feature_codes';

export interface Override {
  code: string;
  enabled: boolean;
}

export async function overrides(db: Knex): Promise<Map<string, Override>> {
  const rows = (await db(TABLE).select('feature_key', 'code', 'enabled')) as Array<{
    feature_key: string;
    code: string;
    enabled: number | boolean;
  }>;
  return new Map(rows.map((r) => [r.feature_key, { code: r.code, enabled: Boolean(r.enabled) }]));
}

// A row equal to the default is removed, so the table holds only real changes.
export async function save(
  db: Knex,
  key: string,
  value: Override,
  defaults: { code: string; enabled: boolean },
): Promise<void> {
  if (value.enabled === defaults.enabled && value.code === defaults.code) {
    await db(TABLE).where({ feature_key: key }).delete();
    return;
  }
  await db(TABLE)
    .insert({ feature_key: key, code: value.code, enabled: value.enabled })
    .onConflict('feature_key')
    .merge({ code: value.code, enabled: value.enabled, updated_at: db.fn.now(3) });
}

// The codes in force: the catalog's defaults with the admin's changes; a disabled code is absent.
export async function loadFeatureCodes(db: Knex): Promise<FeatureCodeMap> {
  const changed = await overrides(db);
  const map: Record<string, string> = {};
  for (const entry of FEATURE_CODE_CATALOG) {
    const o = changed.get(entry.key);
    if (!(o?.enabled ?? entry.enabledByDefault ?? true)) continue;
    map[entry.key] = o?.code ?? entry.code;
  }
  return map;
}
