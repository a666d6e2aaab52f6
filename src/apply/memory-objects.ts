import type { Knex } from 'knex';

const TABLE = 'asterisk_memory_objects';

// Which PJSIP objects live in Asterisk's memory wizard for the current Asterisk process. Rows
// from an earlier Asterisk start are void: a restart empties the memory wizard. Kept in MySQL so
// a restart of Switchboard does not forget them, and in process so an apply reads no rows.
export class MemoryObjects {
  private cached: { started: string; keys: Set<string> } | null = null;

  constructor(
    private readonly db: Knex,
    private readonly target: string,
  ) {}

  async load(asteriskStarted: string): Promise<ReadonlySet<string>> {
    if (this.cached?.started === asteriskStarted) return this.cached.keys;
    await this.db(TABLE)
      .where({ target: this.target })
      .whereNot({ asterisk_started: asteriskStarted })
      .delete();
    const keys = await this.db(TABLE).where({ target: this.target }).pluck('object_key');
    this.cached = { started: asteriskStarted, keys: new Set(keys as string[]) };
    return this.cached.keys;
  }

  async add(keys: string[], asteriskStarted: string): Promise<void> {
    const fresh = keys.filter((k) => !this.cached?.keys.has(k));
    for (const k of fresh) this.cached?.keys.add(k);
    for (let i = 0; i < fresh.length; i += 500) {
      await this.db(TABLE)
        .insert(
          fresh
            .slice(i, i + 500)
            .map((k) => ({ target: this.target, object_key: k, asterisk_started: asteriskStarted })),
        )
        .onConflict(['target', 'object_key'])
        .merge();
    }
  }

  async remove(keys: string[]): Promise<void> {
    for (const k of keys) this.cached?.keys.delete(k);
    for (let i = 0; i < keys.length; i += 500) {
      await this.db(TABLE)
        .where({ target: this.target })
        .whereIn('object_key', keys.slice(i, i + 500))
        .delete();
    }
  }
}
