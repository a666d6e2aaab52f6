import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { useTestApp } from '../../test/support/app';
import { soxi, speechMp3 } from '../../test/support/audio';
import { HOSTILE } from '../../test/support/hostile';
import { removeRefs, replaceRefs } from '../destinations/refs';
import { MAX_UPLOAD_BYTES } from './schema';
import { listGreetingsForRender } from './service';

// The greetings API against real parts: MariaDB, sox and espeak-ng. Audio lands in a sounds
// directory of this suite's own, laid out like Debian's seen from outside a chroot: en/ is a
// link to /etc/alternatives/…, which only resolves inside the root.
const root = mkdtempSync(join(tmpdir(), 'sb-greetings-root-'));
const sounds = join(root, 'usr/share/asterisk/sounds');
mkdirSync(join(sounds, 'en_US_f_Allison'), { recursive: true });
mkdirSync(join(root, 'etc/alternatives'), { recursive: true });
symlinkSync('/usr/share/asterisk/sounds/en_US_f_Allison', join(root, 'etc/alternatives/asterisk-prompt-en'));
symlinkSync('/etc/alternatives/asterisk-prompt-en', join(sounds, 'en'));

const app = useTestApp({ ASTERISK_SOUNDS_DIR: sounds });
const scratch = mkdtempSync(join(tmpdir(), 'sb-greetings-test-'));

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

// ---- helpers

// Every file and directory under the sounds dir (and the greeting scratch dirs in tmp).
function disk(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      return e.isDirectory() ? [relative(root, p), ...walk(p)] : [relative(root, p)];
    });
  const scratchDirs = readdirSync(tmpdir()).filter((n) => n.startsWith('sb-greeting-'));
  return [...walk(root), ...scratchDirs].sort();
}

async function upload(
  method: 'POST' | 'PUT',
  path: string,
  fields: Record<string, string>,
  file?: { data: Buffer; name: string; type?: string },
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file)
    form.append(
      'file',
      new Blob([new Uint8Array(file.data)], { type: file.type ?? 'audio/mpeg' }),
      file.name,
    );
  const res = await fetch(app.url + path, {
    method,
    headers: { authorization: `Bearer ${app.tokens.admin}` },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

async function names(): Promise<string[]> {
  return (await app.api('GET', '/api/v1/greetings')).body.items.map((g: { name: string }) => g.name);
}

const file = (...parts: string[]) => join(sounds, ...parts);

// ---- tests

describe('greetings', () => {
  let welcome: { id: number };

  it('creates a greeting from text with espeak-ng, converted to 8 kHz 16-bit mono wav and 16 kHz sln16', async () => {
    const res = await app.api('POST', '/api/v1/greetings', {
      body: {
        name: 'Welcome',
        default_language: 'en',
        tts_text: 'Welcome to Switchboard. For sales, press 1.',
      },
    });
    expect(res.status).toBe(201);
    welcome = res.body;
    expect(res.body).toMatchObject({
      name: 'Welcome',
      default_language: 'en',
      sound: `switchboard/greeting-${res.body.id}`,
      languages: ['en'],
      used_by: [],
      variants: [
        { language: 'en', source: 'tts', tts_voice: 'en-us', tts_text: expect.stringContaining('Welcome') },
      ],
    });
    expect(res.body.variants[0].duration_ms).toBeGreaterThan(1000);

    // The default language is the no-language file Asterisk falls back to; the packaged en/
    // directory is left alone.
    const wav = file('switchboard', `greeting-${welcome.id}.wav`);
    expect(soxi(wav)).toMatchObject({ rate: 8000, channels: 1, bits: 16 });
    expect(soxi(wav).seconds * 1000).toBeCloseTo(res.body.variants[0].duration_ms, -2);
    const sln16 = file('switchboard', `greeting-${welcome.id}.sln16`);
    // Raw 16 kHz 16-bit: twice the bytes per second of the 8 kHz wav (minus its header).
    expect(statSync(sln16).size).toBeCloseTo((statSync(wav).size - 44) * 2, -3);
    expect(statSync(wav).mode & 0o777).toBe(0o644);
    expect(statSync(file('switchboard')).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(sounds, 'en_US_f_Allison'))).toEqual([]);
    // Normalised: the peak sits at about -3 dBFS whatever espeak-ng produced.
    const stats = spawnSync('sox', [wav, '-n', 'stats']).stderr.toString();
    expect(Number(/Pk lev dB\s+(-?[0-9.]+)/.exec(stats)?.[1])).toBeCloseTo(-3, 0);
  });

  it('adds an uploaded mp3 as the French variant under fr/switchboard, and serves it to the browser as wav', async () => {
    const mp3 = speechMp3(scratch, 'Bienvenue chez Switchboard', 'fr');
    const res = await upload(
      'PUT',
      `/api/v1/greetings/${welcome.id}/variants/fr`,
      {},
      { data: mp3, name: 'x.mp3' },
    );
    expect(res.status).toBe(200);
    expect(res.body.languages).toEqual(['en', 'fr']);
    expect(res.body.variants[1]).toMatchObject({ language: 'fr', source: 'upload', tts_text: null });
    const wav = file('fr', 'switchboard', `greeting-${welcome.id}.wav`);
    expect(soxi(wav)).toMatchObject({ rate: 8000, channels: 1, bits: 16 });
    // Never the uploaded name.
    expect(disk().some((p) => p.includes('x.mp3'))).toBe(false);

    const audio = await fetch(`${app.url}${res.body.variants[1].audio_url}`, {
      headers: { authorization: `Bearer ${app.tokens.supervisor}` },
    });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const bytes = Buffer.from(await audio.arrayBuffer());
    expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
    expect(bytes.length).toBe(statSync(wav).size);
    expect((await fetch(`${app.url}${res.body.variants[1].audio_url}`)).status).toBe(401);
  });

  it('refuses an upload that is not audio with 400 "not audio", leaving no row and no file', async () => {
    const before = disk();
    const text = await upload(
      'POST',
      '/api/v1/greetings',
      { name: 'Bogus', default_language: 'en' },
      { data: Buffer.from('this is not a sound\n'.repeat(100)), name: 'hello.mp3' },
    );
    expect(text.status).toBe(400);
    expect(text.body.error.message).toBe('not audio');
    // Right magic bytes, nothing sox can read behind them: the content check goes past the header.
    const fake = Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.alloc(2000, 7)]);
    const fakeWav = await upload(
      'POST',
      '/api/v1/greetings',
      { name: 'Bogus', default_language: 'en' },
      { data: fake, name: 'a.wav' },
    );
    expect(fakeWav.status).toBe(400);
    expect(fakeWav.body.error.message).toBe('not audio');
    const variant = await upload(
      'PUT',
      `/api/v1/greetings/${welcome.id}/variants/de`,
      {},
      { data: Buffer.from('%PDF-1.4 not audio'), name: 'a.ogg' },
    );
    expect(variant.status).toBe(400);
    expect(await names()).toEqual(['Welcome']);
    expect((await app.api('GET', `/api/v1/greetings/${welcome.id}`)).body.languages).toEqual(['en', 'fr']);
    expect(disk()).toEqual(before);
  });

  it('refuses an upload over 10 MB with 400 "too large", leaving nothing behind', async () => {
    const before = disk();
    const big = Buffer.concat([speechMp3(scratch, 'big', 'big'), Buffer.alloc(MAX_UPLOAD_BYTES)]);
    const res = await upload(
      'POST',
      '/api/v1/greetings',
      { name: 'Huge', default_language: 'en' },
      { data: big, name: 'big.mp3' },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('too large');
    expect(await names()).toEqual(['Welcome']);
    expect(disk()).toEqual(before);
  });

  it('refuses injection strings in names, TTS text, voices and languages with 400 and no change', async () => {
    const before = disk();
    const ok = { name: 'Fine', default_language: 'en', tts_text: 'Hello' };
    const bodies = HOSTILE.flatMap((bad) => [
      { ...ok, name: bad },
      { ...ok, tts_text: bad },
      { ...ok, tts_voice: bad },
      { ...ok, default_language: bad },
    ]);
    bodies.push(
      { ...ok, tts_text: 'x'.repeat(1001) },
      { ...ok, tts_voice: 'xx-nonexistent' },
      { ...ok, default_language: 'EN' },
      { ...ok, default_language: '../../etc' },
      { ...ok, name: 'x'.repeat(81) },
    );
    for (const body of bodies) {
      const res = await app.api('POST', '/api/v1/greetings', { body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    for (const bad of [...HOSTILE, 'en_gb', 'EN', 'e', 'en_GB_x']) {
      const put = await app.api(
        'PUT',
        `/api/v1/greetings/${welcome.id}/variants/${encodeURIComponent(bad)}`,
        {
          body: { tts_text: 'Hello' },
        },
      );
      expect({ bad, status: put.status }).toEqual({ bad, status: 400 });
      const rec = await app.api('POST', `/api/v1/greetings/${welcome.id}/record`, {
        body: { extension: '1001', language: bad },
      });
      expect({ bad, status: rec.status }).toEqual({ bad, status: 400 });
      const play = await app.api('POST', `/api/v1/greetings/${welcome.id}/play`, {
        body: { extension: bad },
      });
      expect({ bad, status: play.status }).toEqual({ bad, status: 400 });
    }
    const multipartName = await upload(
      'POST',
      '/api/v1/greetings',
      { name: 'a\nb', default_language: 'en' },
      {
        data: speechMp3(scratch, 'fine', 'fine'),
        name: '../../../etc/passwd',
      },
    );
    expect(multipartName.status).toBe(400);
    expect(await names()).toEqual(['Welcome']);
    expect(disk()).toEqual(before);
  });

  it('puts the default variant under its own language too when a shorter code would catch its callers', async () => {
    const res = await app.api('POST', '/api/v1/greetings', {
      body: { name: 'Closed', default_language: 'en_GB', tts_text: 'We are closed.' },
    });
    expect(res.status).toBe(201);
    const id = res.body.id;
    expect(statSync(file('switchboard', `greeting-${id}.wav`)).isFile()).toBe(true);
    expect(() => statSync(file('en_GB', 'switchboard', `greeting-${id}.wav`))).toThrow();

    // An en variant: Asterisk would try en_GB/, then en/, so en_GB must exist as itself.
    const en = await app.api('PUT', `/api/v1/greetings/${id}/variants/en`, { body: { tts_text: 'Closed.' } });
    expect(en.status).toBe(200);
    expect(statSync(file('en_GB', 'switchboard', `greeting-${id}.wav`)).isFile()).toBe(true);
    // en/ is the packaged link; the file went where it points inside the root.
    expect(readdirSync(join(sounds, 'en_US_f_Allison', 'switchboard'))).toEqual([
      `greeting-${id}.sln16`,
      `greeting-${id}.wav`,
    ]);

    // Deleting the en variant removes its files and the en_GB copy that only it made necessary.
    const del = await app.api('DELETE', `/api/v1/greetings/${id}/variants/en`);
    expect(del.status).toBe(200);
    expect(del.body.languages).toEqual(['en_GB']);
    expect(readdirSync(join(sounds, 'en_US_f_Allison', 'switchboard'))).toEqual([]);
    expect(() => statSync(file('en_GB', 'switchboard', `greeting-${id}.wav`))).toThrow();

    const state = await listGreetingsForRender(app.sb.deps.db);
    expect(state).toEqual([
      {
        id: welcome.id,
        name: 'Welcome',
        sound: `switchboard/greeting-${welcome.id}`,
        languages: ['en', 'fr'],
      },
      { id, name: 'Closed', sound: `switchboard/greeting-${id}`, languages: ['en_GB'] },
    ]);
    expect((await app.api('DELETE', `/api/v1/greetings/${id}`)).status).toBe(204);
  });

  it('lists who uses a greeting, refuses to delete it with 409 naming them, and deletes its files once unused', async () => {
    const db = app.sb.deps.db;
    await replaceRefs(db, { type: 'ivr', id: 7, name: 'Main menu' }, [
      { role: 'prompt', type: 'greeting', target: String(welcome.id) },
    ]);
    const read = await app.api('GET', `/api/v1/greetings/${welcome.id}`);
    expect(read.body.used_by).toEqual([
      { type: 'ivr', id: '7', name: 'Main menu', role: 'prompt', label: 'IVR "Main menu" (prompt)' },
    ]);
    const listed = (await app.api('GET', '/api/v1/greetings')).body.items[0];
    expect(listed.used_by.map((u: { name: string }) => u.name)).toEqual(['Main menu']);

    const before = disk();
    const refused = await app.api('DELETE', `/api/v1/greetings/${welcome.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('IVR "Main menu"');
    expect(disk()).toEqual(before);
    expect(await names()).toEqual(['Welcome']);
    // Its last language cannot go either while it is in use.
    expect((await app.api('DELETE', `/api/v1/greetings/${welcome.id}/variants/fr`)).status).toBe(200);
    expect((await app.api('DELETE', `/api/v1/greetings/${welcome.id}/variants/en`)).status).toBe(409);

    await removeRefs(db, { type: 'ivr', id: 7 });
    expect((await app.api('DELETE', `/api/v1/greetings/${welcome.id}`)).status).toBe(204);
    expect(await names()).toEqual([]);
    const left = disk().filter((p) => p.includes(`greeting-${welcome.id}`));
    expect(left).toEqual([]);
  });

  it('is admin-only for changes and documented in OpenAPI', async () => {
    const res = await app.api('POST', '/api/v1/greetings', {
      token: app.tokens.supervisor,
      body: { name: 'Nope', default_language: 'en' },
    });
    expect(res.status).toBe(403);
    expect((await app.api('GET', '/api/v1/greetings', { token: app.tokens.user })).status).toBe(403);
    const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/greetings/',
        '/api/v1/greetings/{id}',
        '/api/v1/greetings/{id}/variants/{language}',
        '/api/v1/greetings/{id}/record',
        '/api/v1/greetings/{id}/play',
      ]),
    );
  });
});
