import { lstat, mkdir, readlink, realpath, rm, stat, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { atomicCopy } from '../lib/atomic-write';

// Where greeting audio lives under Asterisk's sounds directory. Every name is generated from the
// greeting id and a validated language code; nothing a user typed or uploaded names a file.
//
// Asterisk resolves `Playback(switchboard/greeting-12)` on a channel whose language is fr_CA
// (languageprefix = yes, the default) by trying, in order:
//   fr_CA/switchboard/greeting-12, fr/switchboard/greeting-12, switchboard/greeting-12,
//   en/switchboard/greeting-12   (main/file.c fileexists_core: preflang, preflang minus its
//   _dialect, no language, then the default language)
// so the layout is:
//   switchboard/greeting-<id>.{wav,sln16}         the default language's variant: what every
//                                                 language without a variant of its own hears
//   <lang>/switchboard/greeting-<id>.{wav,sln16}  each other variant
//   switchboard/store/greeting-<id>/<lang>.*      Switchboard's own copy of every variant (the
//                                                 browser player reads it; publishing copies it)
// The default variant is not also put under its language (so a greeting in English never touches
// the packaged en/ directory), except when a shorter code would otherwise catch its channels
// first: default en_GB with an en variant needs en_GB/switchboard/greeting-<id>.

export const FOLDER = 'switchboard';
export const FORMATS = ['wav', 'sln16'] as const;
export type Format = (typeof FORMATS)[number];

export function soundName(id: number): string {
  return `${FOLDER}/greeting-${id}`;
}

export interface VariantFiles {
  wav: string;
  sln16: string;
}

export class GreetingFiles {
  constructor(private readonly soundsDir: string) {}

  storePath(id: number, language: string, format: Format): string {
    return join(this.soundsDir, FOLDER, 'store', `greeting-${id}`, `${language}.${format}`);
  }

  // Copies converted audio into the store, atomically per file.
  async store(id: number, language: string, files: VariantFiles): Promise<void> {
    for (const format of FORMATS) await installCopy(files[format], this.storePath(id, language, format));
  }

  // Makes the published files match `languages` (the variants that exist) and the default;
  // `clean` names languages that may still have stale files (a deleted variant, an old default).
  async publish(id: number, languages: readonly string[], defaultLanguage: string, clean: readonly string[]) {
    const fallback = languages.includes(defaultLanguage) ? defaultLanguage : [...languages].sort()[0];
    const wanted = new Map<string, string>(); // published path (without extension) → language
    if (fallback !== undefined) {
      wanted.set(join(this.soundsDir, soundName(id)), fallback);
      const shadowed = languages.some((l) => l !== fallback && fallback.startsWith(`${l}_`));
      if (shadowed) wanted.set(await this.languagePath(id, fallback, true), fallback);
    }
    for (const language of languages) {
      if (language !== fallback) wanted.set(await this.languagePath(id, language, true), language);
    }
    for (const [base, language] of wanted) {
      for (const format of FORMATS)
        await installCopy(this.storePath(id, language, format), `${base}.${format}`);
    }
    const candidates = new Set([...languages, ...clean, defaultLanguage]);
    const stale: string[] = [];
    if (fallback === undefined) stale.push(join(this.soundsDir, soundName(id)));
    for (const language of candidates) {
      const base = await this.languagePath(id, language, false);
      if (base !== null && !wanted.has(base)) stale.push(base);
    }
    for (const base of stale) {
      for (const format of FORMATS) await unlink(`${base}.${format}`).catch(ignoreMissing);
    }
    for (const language of clean) {
      if (!languages.includes(language)) {
        for (const format of FORMATS) await unlink(this.storePath(id, language, format)).catch(ignoreMissing);
      }
    }
  }

  // Everything of one greeting: its store, the fallback and its copy under each language.
  async removeAll(id: number, languages: readonly string[]): Promise<void> {
    await this.publish(id, [], languages[0] ?? 'en', languages);
    await rm(join(this.soundsDir, FOLDER, 'store', `greeting-${id}`), { recursive: true, force: true });
  }

  // <lang>/switchboard/greeting-<id> (no extension). With create=false, null when the language
  // directory does not exist.
  private async languagePath(id: number, language: string, create: true): Promise<string>;
  private async languagePath(id: number, language: string, create: false): Promise<string | null>;
  private async languagePath(id: number, language: string, create: boolean): Promise<string | null> {
    const dir = await this.languageDir(language, create);
    return dir === null ? null : join(dir, FOLDER, `greeting-${id}`);
  }

  private async languageDir(language: string, create: boolean): Promise<string | null> {
    const path = join(this.soundsDir, language);
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(path);
    } catch (err) {
      if (!isMissing(err)) throw err;
      if (!create) return null;
      await mkdir(path, { recursive: true, mode: 0o755 });
      return path;
    }
    if (!info.isSymbolicLink()) return path;
    try {
      return await realpath(path);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    // Packaged prompts are often a symlink (Debian: en → /etc/alternatives/…) that only resolves
    // from Asterisk's own root when the sounds directory is seen through a chroot or a mount.
    const rerooted = await resolveUnderSomeRoot(this.soundsDir, language);
    if (rerooted === null && create) {
      throw new Error(`the sounds directory for language ${language} is a link that cannot be followed`);
    }
    return rerooted;
  }
}

// Temp file in the target directory + rename: Asterisk opens the old file or the new one.
async function installCopy(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true, mode: 0o755 });
  await atomicCopy(from, to);
}

async function resolveUnderSomeRoot(soundsDir: string, language: string): Promise<string | null> {
  let root = dirname(soundsDir);
  for (;;) {
    const inside = `${sep}${relative(root, join(soundsDir, language))}`;
    const found = await resolveWithin(root, inside);
    if (found !== null) return found;
    const parent = dirname(root);
    if (parent === root) return null;
    root = parent;
  }
}

// Follows `path` component by component as if `root` were "/", absolute link targets included.
async function resolveWithin(root: string, path: string): Promise<string | null> {
  let pending = path.split(sep).filter(Boolean);
  let current = root;
  for (let hops = 0; pending.length > 0; ) {
    const part = pending.shift() as string;
    const next = part === '..' ? dirname(current) : join(current, part);
    if (!next.startsWith(root)) return null;
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(next);
    } catch {
      return null;
    }
    if (!info.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++hops > 40) return null;
    const target = await readlink(next);
    if (isAbsolute(target)) {
      current = root;
      pending = [...target.split(sep).filter(Boolean), ...pending];
    } else {
      pending = [...target.split(sep).filter(Boolean), ...pending];
    }
  }
  try {
    return (await stat(current)).isDirectory() ? current : null;
  } catch {
    return null;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function ignoreMissing(err: unknown): void {
  if (!isMissing(err)) throw err;
}
