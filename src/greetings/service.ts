import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import { withTx } from '../db/tx';
import { assertUnreferenced, describeReferrer, referrersOf } from '../destinations/refs';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors';
import { type Converted, convert, defaultVoice, espeakVoices, sniffAudio, synthesize } from './audio';
import { GreetingFiles, soundName } from './files';
import * as repo from './repo';
import { type CreateGreetingInput, MAX_UPLOAD_BYTES, type UpdateGreetingInput } from './schema';
import type { GreetingState } from './state';

export type AudioSource =
  | { kind: 'upload'; data: Buffer }
  | { kind: 'phone'; data: Buffer }
  | { kind: 'tts'; text: string; voice?: string | undefined };

export interface VariantApi {
  language: string;
  source: repo.VariantSource;
  tts_text: string | null;
  tts_voice: string | null;
  duration_ms: number;
  bytes: number;
  audio_url: string;
  updated_at: Date;
}

export interface GreetingApi {
  id: number;
  name: string;
  description: string;
  default_language: string;
  sound: string;
  languages: string[];
  variants: VariantApi[];
  used_by: Array<{ type: string; id: string; name: string; role: string; label: string }>;
  created_at: Date;
  updated_at: Date;
}

type VariantMeta = repo.VariantWrite;

export const tooLarge = () =>
  new ValidationError(
    [{ path: 'file', message: `larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB` }],
    'too large',
  );

// The renderer's view: greetings render no dialplan of their own, IVRs and announcements play them.
export async function listGreetingsForRender(db: Knex): Promise<GreetingState[]> {
  const [rows, variants] = await Promise.all([repo.list(db), repo.variants(db)]);
  return rows
    .map((g) => ({
      id: g.id,
      name: g.name,
      sound: soundName(g.id),
      languages: variants.filter((v) => v.greeting_id === g.id).map((v) => v.language),
    }))
    .sort((a, b) => a.id - b.id);
}

export class Greetings {
  readonly files: GreetingFiles;

  constructor(
    private readonly db: Knex,
    soundsDir: string,
    // Told when a greeting's audio changed, after commit: copies elsewhere (voicemail boxes'
    // greetings in the spool) follow. It handles its own errors.
    private readonly onAudioChanged: (greetingId: number) => void = () => undefined,
  ) {
    this.files = new GreetingFiles(soundsDir);
  }

  async list(): Promise<GreetingApi[]> {
    const [rows, variants, refs] = await Promise.all([
      repo.list(this.db),
      repo.variants(this.db),
      this.db('destination_refs').where({ ref_type: 'greeting' }).select('ref_target'),
    ]);
    const used = new Set((refs as Array<{ ref_target: string }>).map((r) => r.ref_target));
    const out: GreetingApi[] = [];
    for (const g of rows) {
      const usedBy = used.has(String(g.id))
        ? await referrersOf(this.db, { type: 'greeting', target: g.id })
        : [];
      out.push(
        toApi(
          g,
          variants.filter((v) => v.greeting_id === g.id),
          usedBy,
        ),
      );
    }
    return out;
  }

  async get(id: number): Promise<GreetingApi> {
    const g = await repo.find(this.db, id);
    if (!g) throw new NotFoundError(`greeting ${id}`);
    const [variants, usedBy] = await Promise.all([
      repo.variants(this.db, [id]),
      referrersOf(this.db, { type: 'greeting', target: id }),
    ]);
    return toApi(g, variants, usedBy);
  }

  async create(input: CreateGreetingInput, upload: Buffer | null, actor: Actor): Promise<GreetingApi> {
    const source = this.sourceOf(input, upload);
    const language = input.default_language;
    let id: number | undefined;
    await this.withAudio(source, language, async (audio) => {
      try {
        await withTx(this.db, async (tx) => {
          try {
            id = await repo.insert(tx, {
              name: input.name,
              description: input.description,
              default_language: language,
            });
          } catch (err) {
            throw mapDbError(err, 'name');
          }
          if (audio) {
            await repo.upsertVariant(tx, id, language, audio.meta);
            await this.files.store(id, language, audio.converted);
            await this.files.publish(id, [language], language, []);
          }
          tx.afterCommit(() => actor.requestApply(`greeting ${input.name} created`, touched('greetings')));
        });
      } catch (err) {
        if (id !== undefined) await this.reconcile(id, [language]);
        throw err;
      }
    });
    return this.get(id as number);
  }

  async update(id: number, input: UpdateGreetingInput, actor: Actor): Promise<GreetingApi> {
    let oldDefault: string | undefined;
    try {
      await withTx(this.db, async (tx) => {
        const g = await repo.lock(tx, id);
        if (!g) throw new NotFoundError(`greeting ${id}`);
        oldDefault = g.default_language;
        try {
          await repo.update(
            tx,
            id,
            Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
          );
        } catch (err) {
          throw mapDbError(err, 'name');
        }
        const newDefault = input.default_language ?? g.default_language;
        if (newDefault !== g.default_language) {
          const languages = (await repo.variants(tx, [id])).map((v) => v.language);
          await this.files.publish(id, languages, newDefault, [g.default_language]);
        }
        tx.afterCommit(() => actor.requestApply(`greeting ${id} updated`, touched('greetings')));
      });
    } catch (err) {
      if (oldDefault !== undefined && input.default_language)
        await this.reconcile(id, [input.default_language]);
      throw err;
    }
    return this.get(id);
  }

  // Refused with 409 naming the users while anything points at the greeting.
  async remove(id: number, actor: Actor): Promise<void> {
    const languages = await withTx(this.db, async (tx) => {
      const g = await repo.lock(tx, id);
      if (!g) throw new NotFoundError(`greeting ${id}`);
      await assertUnreferenced(tx, { type: 'greeting', target: id }, `greeting "${g.name}"`);
      const langs = (await repo.variants(tx, [id])).map((v) => v.language);
      await repo.remove(tx, id);
      tx.afterCommit(() => actor.requestApply(`greeting ${g.name} deleted`, touched('greetings')));
      return [...langs, g.default_language];
    });
    // After the commit: if this fails, files without a row are harmless; the reverse is not.
    await this.files.removeAll(id, languages);
  }

  async putVariant(id: number, language: string, source: AudioSource, actor: Actor): Promise<GreetingApi> {
    if (!(await repo.find(this.db, id))) throw new NotFoundError(`greeting ${id}`);
    await this.withAudio(source, language, async (audio) => {
      if (!audio)
        throw new ValidationError([{ path: 'file', message: 'an audio file or tts_text is required' }]);
      try {
        await withTx(this.db, async (tx) => {
          const g = await repo.lock(tx, id);
          if (!g) throw new NotFoundError(`greeting ${id}`);
          await repo.upsertVariant(tx, id, language, audio.meta);
          const languages = (await repo.variants(tx, [id])).map((v) => v.language);
          await this.files.store(id, language, audio.converted);
          await this.files.publish(id, languages, g.default_language, []);
          tx.afterCommit(() => {
            actor.requestApply(`greeting ${g.name}: ${language} saved`, touched('greetings'));
            this.onAudioChanged(id);
          });
        });
      } catch (err) {
        await this.reconcile(id, [language]);
        throw err;
      }
    });
    return this.get(id);
  }

  async removeVariant(id: number, language: string, actor: Actor): Promise<GreetingApi> {
    await withTx(this.db, async (tx) => {
      const g = await repo.lock(tx, id);
      if (!g) throw new NotFoundError(`greeting ${id}`);
      if ((await repo.removeVariant(tx, id, language)) === 0)
        throw new NotFoundError(`greeting ${id} in language ${language}`);
      const languages = (await repo.variants(tx, [id])).map((v) => v.language);
      if (languages.length === 0) {
        // An IVR playing a greeting with no audio at all would play silence.
        const users = await referrersOf(tx, { type: 'greeting', target: id });
        if (users.length > 0) {
          throw new ConflictError(
            `the last language of greeting "${g.name}" cannot be deleted while it is used by ${users.map(describeReferrer).join(', ')}`,
          );
        }
      }
      await this.files.publish(id, languages, g.default_language, [language]);
      tx.afterCommit(() => {
        actor.requestApply(`greeting ${g.name}: ${language} deleted`, touched('greetings'));
        this.onAudioChanged(id);
      });
    }).catch(async (err: unknown) => {
      await this.reconcile(id, [language]);
      throw err;
    });
    return this.get(id);
  }

  // Makes the files of greeting `id` match what the database says (after a rolled-back change).
  async reconcile(id: number, languages: readonly string[]): Promise<void> {
    const g = await repo.find(this.db, id);
    if (!g) {
      await this.files.removeAll(id, languages);
      return;
    }
    const current = (await repo.variants(this.db, [id])).map((v) => v.language);
    await this.files.publish(id, current, g.default_language, languages);
  }

  private sourceOf(
    input: { tts_text?: string | undefined; tts_voice?: string | undefined },
    upload: Buffer | null,
  ) {
    if (upload && input.tts_text !== undefined) {
      throw new ValidationError([{ path: 'tts_text', message: 'send either a file or tts_text, not both' }]);
    }
    if (upload) return { kind: 'upload', data: upload } as const;
    if (input.tts_text !== undefined)
      return { kind: 'tts', text: input.tts_text, voice: input.tts_voice } as const;
    if (input.tts_voice !== undefined) {
      throw new ValidationError([{ path: 'tts_text', message: 'tts_voice needs tts_text' }]);
    }
    return null;
  }

  sourceFor(input: { tts_text?: string | undefined; tts_voice?: string | undefined }, upload: Buffer | null) {
    const source = this.sourceOf(input, upload);
    if (!source)
      throw new ValidationError([{ path: 'file', message: 'an audio file or tts_text is required' }]);
    return source;
  }

  // Converts in a private scratch directory that is gone afterwards, whatever happened.
  private async withAudio(
    source: AudioSource | null,
    language: string,
    fn: (audio: { converted: Converted; meta: VariantMeta } | null) => Promise<void>,
  ): Promise<void> {
    if (!source) return fn(null);
    const dir = await mkdtemp(join(tmpdir(), 'sb-greeting-'));
    try {
      const audio = await prepare(source, language, dir);
      await fn(audio);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function prepare(
  source: AudioSource,
  language: string,
  dir: string,
): Promise<{ converted: Converted; meta: VariantMeta }> {
  if (source.kind === 'tts') {
    const voices = await espeakVoices();
    const voice = source.voice ?? defaultVoice(language, voices);
    if (!voice || !voices.has(voice)) {
      throw new ValidationError(
        [
          {
            path: 'tts_voice',
            message: voice ? `espeak-ng has no voice ${voice}` : `no voice for ${language}`,
          },
        ],
        'unknown voice',
      );
    }
    const wav = await synthesize(source.text, voice, dir);
    const converted = await convert(wav, 'wav', dir);
    return {
      converted,
      meta: {
        source: 'tts',
        tts_text: source.text,
        tts_voice: voice,
        duration_ms: converted.durationMs,
        bytes: converted.bytes,
      },
    };
  }
  if (source.data.length > MAX_UPLOAD_BYTES) throw tooLarge();
  const type = sniffAudio(source.data.subarray(0, 16));
  if (!type) {
    throw new ValidationError([{ path: 'file', message: 'not a wav, mp3, ogg or flac file' }], 'not audio');
  }
  const input = join(dir, `input.${type}`);
  await writeFile(input, source.data, { mode: 0o600 });
  const converted = await convert(input, type, dir);
  return {
    converted,
    meta: {
      source: source.kind,
      tts_text: null,
      tts_voice: null,
      duration_ms: converted.durationMs,
      bytes: converted.bytes,
    },
  };
}

function toApi(
  g: repo.GreetingRow,
  variants: repo.VariantRow[],
  usedBy: Awaited<ReturnType<typeof referrersOf>>,
): GreetingApi {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    default_language: g.default_language,
    sound: soundName(g.id),
    languages: variants.map((v) => v.language),
    variants: variants.map((v) => ({
      language: v.language,
      source: v.source,
      tts_text: v.tts_text,
      tts_voice: v.tts_voice,
      duration_ms: v.duration_ms,
      bytes: v.bytes,
      audio_url: `/api/v1/greetings/${g.id}/variants/${v.language}/audio`,
      updated_at: v.updated_at,
    })),
    used_by: usedBy.map((u) => ({
      type: u.ownerType,
      id: u.ownerId,
      name: u.ownerName,
      role: u.role,
      label: describeReferrer(u),
    })),
    created_at: g.created_at,
    updated_at: g.updated_at,
  };
}
