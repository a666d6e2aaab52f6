import type { Knex } from 'knex';

const TABLE = 'asterisk_memory_objects';

// Which PJSIP objects live in Asterisk's memory wizard for the current Asterisk process. Rows
// from an earlier Asterisk start are void: a restart empties the memory wizard.
export class MemoryObjects {
  constructor(
    private readonly db: Knex,
    private readonly target: string,
  ) {}

  async load(asteriskStarted: string): Promise<Set<string>> {
    await this.db(TABLE)
      .where({ target: this.target })
      .whereNot({ asterisk_started: asteriskStarted })
      .delete();
    const keys = await this.db(TABLE).where({ target: this.target }).pluck('object_key');
    return new Set(keys as string[]);
  }

  async add(keys: string[], asteriskStarted: string): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      await this.db(TABLE)
        .insert(
          keys
            .slice(i, i + 500)
            .map((k) => ({ target: this.target, object_key: k, asterisk_started: asteriskStarted })),
        )
        .onConflict(['target', 'object_key'])
        .merge();
    }
  }

  async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      await this.db(TABLE)
        .where({ target: this.target })
        .whereIn('object_key', keys.slice(i, i + 500))
        .delete();
    }
  }
}
