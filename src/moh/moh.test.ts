import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { useTestApp } from '../../test/support/app';
import { soxi, speechMp3 } from '../../test/support/audio';
import { HOSTILE } from '../../test/support/hostile';
import { signIn } from '../../test/support/web';
import { renderMohConf } from './render';
import { listMohClassesForRender } from './repo';
import { MAX_FILES_PER_CLASS, MAX_UPLOAD_BYTES } from './schema';

// The music-on-hold API against real parts: MariaDB, sox and espeak-ng. Tracks land in a moh
// directory of this suite's own; the real Asterisk's view of them is in test/e2e/moh.test.ts.
const mohDir = mkdtempSync(join(tmpdir(), 'sb-moh-root-'));
const app = useTestApp({ ASTERISK_MOH_DIR: mohDir });
const scratch = mkdtempSync(join(tmpdir(), 'sb-moh-test-'));

afterAll(() => {
  rmSync(mohDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

// ---- helpers

// sox makes test audio of any kind: `sox -n -r <rate> -c <channels> <out> synth <s> sine <hz>`.
function synth(
  name: string,
  opts: { rate?: number; channels?: number; seconds?: number; freq?: number } = {},
) {
  const out = join(scratch, name);
  execFileSync('sox', [
    ...['-n', '-r', String(opts.rate ?? 8000), '-c', String(opts.channels ?? 1), out],
    ...['synth', String(opts.seconds ?? 1), 'sine', String(opts.freq ?? 440)],
  ]);
  return readFileSync(out);
}

const tone = (name: string, seconds = 1) => synth(name, { seconds });

async function upload(classId: number | string, file?: { data: Buffer; name: string }, fields = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
  if (file) form.append('file', new Blob([new Uint8Array(file.data)], { type: 'audio/wav' }), file.name);
  const res = await fetch(`${app.url}/api/v1/moh/${classId}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${app.tokens.admin}` },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// Every file and directory under the moh dir, and the conversion scratch dirs in tmp.
function disk(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      return e.isDirectory() ? [relative(mohDir, p), ...walk(p)] : [relative(mohDir, p)];
    });
  const scratchDirs = readdirSync(tmpdir()).filter(
    (n) => n.startsWith('sb-moh-') && !n.startsWith('sb-moh-root-') && !n.startsWith('sb-moh-test-'),
  );
  return [...walk(mohDir), ...scratchDirs].sort();
}

async function snapshot() {
  return { api: (await app.api('GET', '/api/v1/moh')).body, disk: disk() };
}

// ---- tests

describe('music on hold classes', () => {
  let jazz: { id: number; class_name: string };

  it('creates a class: sb-moh-<id>, random order by default, an empty directory Asterisk can read', async () => {
    const res = await app.api('POST', '/api/v1/moh', { body: { name: 'Jazz' } });
    expect(res.status).toBe(201);
    jazz = res.body;
    expect(res.body).toMatchObject({
      name: 'Jazz',
      class_name: `sb-moh-${res.body.id}`,
      sort: 'random',
      files: [],
      used_by: [],
    });
    expect(statSync(join(mohDir, jazz.class_name)).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(mohDir, jazz.class_name))).toEqual([]);
    expect((await app.api('GET', '/api/v1/moh', { token: app.tokens.supervisor })).body.items).toHaveLength(
      1,
    );
    expect(
      (await app.api('POST', '/api/v1/moh', { token: app.tokens.supervisor, body: { name: 'X' } })).status,
    ).toBe(403);
    expect((await app.api('GET', '/api/v1/moh', { token: app.tokens.user })).status).toBe(403);
    // Names are trimmed and compared without case.
    for (const name of ['Jazz', ' jazz ', 'JAZZ']) {
      const dup = await app.api('POST', '/api/v1/moh', { body: { name } });
      expect({ name, status: dup.status }).toEqual({ name, status: 409 });
    }
  });

  it('converts uploaded wav, mp3, ogg, flac and gsm to 8 kHz 16-bit mono wav named from the id, never the upload', async () => {
    const uploads = [
      { name: 'Take Five.wav', data: tone('a.wav', 2) },
      { name: 'spoken.mp3', data: speechMp3(scratch, 'Thank you for holding', 'spoken') },
      { name: 'c.ogg', data: synth('c.ogg', { rate: 44100, channels: 2, freq: 300 }) },
      { name: 'd.flac', data: synth('d.flac', { rate: 16000, freq: 500 }) },
      { name: 'e.gsm', data: synth('e.gsm', { freq: 600 }) },
    ];
    const made: Array<{ id: number; name: string; duration_ms: number }> = [];
    for (const u of uploads) {
      const res = await upload(jazz.id, u);
      expect({ file: u.name, status: res.status }).toEqual({ file: u.name, status: 201 });
      made.push(res.body);
    }
    expect(made.map((f) => f.name)).toEqual(['Take Five', 'spoken', 'c', 'd', 'e']);
    expect(made[0]?.duration_ms).toBeCloseTo(2000, -2);
    const files = readdirSync(join(mohDir, jazz.class_name)).sort();
    expect(files).toEqual(
      [
        `take-five-${made[0]?.id}.wav`,
        `spoken-${made[1]?.id}.wav`,
        `c-${made[2]?.id}.wav`,
        `d-${made[3]?.id}.wav`,
        `e-${made[4]?.id}.wav`,
      ].sort(),
    );
    for (const f of files) {
      const path = join(mohDir, jazz.class_name, f);
      expect(soxi(path)).toMatchObject({ rate: 8000, channels: 1, bits: 16 });
      expect(statSync(path).mode & 0o777).toBe(0o644);
    }

    // The browser's player gets the converted wav.
    const got = await app.api('GET', `/api/v1/moh/${jazz.id}`);
    expect(got.body.files).toHaveLength(5);
    const served = await fetch(`${app.url}${got.body.files[0].audio_url}`, {
      headers: { authorization: `Bearer ${app.tokens.supervisor}` },
    });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('audio/wav');
    expect(
      Buffer.from(await served.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe('RIFF');

    // A track name of its own, and the same name twice in a class is refused.
    const named = await upload(jazz.id, { name: 'x.wav', data: tone('n.wav') }, { name: 'Blue in Green' });
    expect(named.status).toBe(201);
    expect(named.body.name).toBe('Blue in Green');
    expect(
      (await upload(jazz.id, { name: 'x.wav', data: tone('n.wav') }, { name: 'Blue in Green' })).status,
    ).toBe(409);
  });

  it('renders the class into musiconhold.conf with the directory as Asterisk sees it and its files listed', async () => {
    const state = await listMohClassesForRender(app.sb.deps.db);
    const mine = state.find((c) => c.name === jazz.class_name);
    expect(mine?.directory).toBe(`/usr/share/asterisk/moh/${jazz.class_name}`);
    expect(mine?.files).toHaveLength(6);
    const conf = renderMohConf({ mohClasses: state } as never);
    expect(conf).toContain(
      `[${jazz.class_name}]\nmode = files\ndirectory = /usr/share/asterisk/moh/${jazz.class_name}\nsort = random\n`,
    );
    for (const f of mine?.files ?? []) expect(conf).toContain(`; file ${f}\n`);

    const patched = await app.api('PATCH', `/api/v1/moh/${jazz.id}`, {
      body: { sort: 'alpha', name: 'Cool Jazz' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ sort: 'alpha', name: 'Cool Jazz' });
    const after = renderMohConf({ mohClasses: await listMohClassesForRender(app.sb.deps.db) } as never);
    expect(after).toContain(`directory = /usr/share/asterisk/moh/${jazz.class_name}\nsort = alpha\n`);
  });

  it('refuses non-audio, corrupt, empty, missing and oversized uploads with 400, changing nothing', async () => {
    await app.applyNow();
    const before = await snapshot();
    const cases: Array<[string, { data: Buffer; name: string } | undefined, string]> = [
      ['text', { data: Buffer.from('this is not a sound\n'.repeat(100)), name: 'song.mp3' }, 'not audio'],
      [
        'wav header over garbage',
        { data: Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.alloc(4000, 7)]), name: 'a.wav' },
        'not audio',
      ],
      [
        'mp3 tag over garbage',
        { data: Buffer.concat([Buffer.from('ID3\x03\0\0\0\0\0\0'), Buffer.alloc(4000, 0)]), name: 'a.mp3' },
        'not audio',
      ],
      ['truncated ogg', { data: synth('t.ogg', { freq: 300 }).subarray(0, 200), name: 't.ogg' }, 'not audio'],
      [
        'a PNG',
        { data: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), name: 'cover.wav' },
        'not audio',
      ],
      ['empty', { data: Buffer.alloc(0), name: 'empty.wav' }, 'not audio'],
      ['no file', undefined, 'validation_failed'],
      ['too large', { data: Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1), name: 'big.wav' }, 'too large'],
    ];
    for (const [what, file, message] of cases) {
      const res = await upload(jazz.id, file);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect(res.body.error.details[0].path).toBe('file');
      if (message !== 'validation_failed') expect(res.body.error.message).toBe(message);
    }
    // JSON instead of multipart: no file.
    const json = await app.api('POST', `/api/v1/moh/${jazz.id}/files`, { body: { name: 'x' } });
    expect(json.status).toBe(400);
    expect(await snapshot()).toEqual(before);
    const rev = (await app.applyNow()) as unknown as { files_changed: string[] };
    expect(rev.files_changed).not.toContain('musiconhold.conf');
  });

  it('refuses hostile class names, track names and uploaded file names with 400, changing nothing', async () => {
    const before = await snapshot();
    const names = [...HOSTILE, '', ' ', '../../etc', 'a/b', 'x'.repeat(81), 'a\\b', '<script>', 'a,b'];
    for (const name of names) {
      const res = await app.api('POST', '/api/v1/moh', { body: { name } });
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      expect(res.body.error.details[0].path).toBe('name');
      const patch = await app.api('PATCH', `/api/v1/moh/${jazz.id}`, { body: { name } });
      expect({ name, status: patch.status }).toEqual({ name, status: 400 });
      const track = await upload(jazz.id, { name: 'ok.wav', data: tone('h.wav') }, { name });
      expect({ name, status: track.status }).toEqual({ name, status: 400 });
    }
    for (const fileName of [
      '../../../etc/passwd.wav',
      'a;b.wav',
      '[x].wav',
      '${X}.wav',
      '#include.wav',
      '.wav',
      'a,b.wav',
    ]) {
      const res = await upload(jazz.id, { name: fileName, data: tone('h.wav') });
      expect({ fileName, status: res.status }).toEqual({ fileName, status: 400 });
      expect(res.body.error.details[0].path).toBe('file');
    }
    for (const body of [{ sort: 'shuffle' }, { sort: 'random;x' }, { name: 'A', extra: 1 }, { name: 42 }]) {
      const res = await app.api('POST', '/api/v1/moh', { body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    for (const id of ['0', '-1', '1.5', 'abc', '1;2', '99999999999']) {
      expect((await app.api('GET', `/api/v1/moh/${id}`)).status).toBe(400);
      expect((await upload(id, { name: 'ok.wav', data: tone('h.wav') })).status).toBe(400);
    }
    expect((await app.api('DELETE', `/api/v1/moh/${jazz.id}/files/..%2F..`)).status).toBe(400);
    expect((await app.api('GET', '/api/v1/moh/999999')).status).toBe(404);
    expect((await upload(999999, { name: 'ok.wav', data: tone('h.wav') })).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it(`holds at most ${MAX_FILES_PER_CLASS} files per class`, async () => {
    const small = await app.api('POST', '/api/v1/moh', { body: { name: 'Many' } });
    const data = tone('short.wav', 0.1);
    for (let i = 0; i < MAX_FILES_PER_CLASS; i++) {
      expect((await upload(small.body.id, { name: `t${i}.wav`, data })).status).toBe(201);
    }
    const over = await upload(small.body.id, { name: 'one-more.wav', data });
    expect(over.status).toBe(409);
    expect(readdirSync(join(mohDir, small.body.class_name))).toHaveLength(MAX_FILES_PER_CLASS);
    expect((await app.api('DELETE', `/api/v1/moh/${small.body.id}`)).status).toBe(204);
    expect(readdirSync(mohDir)).not.toContain(small.body.class_name);
  });

  it('deletes a track (row and file), then refuses to delete a class a queue plays, and deletes it once unused', async () => {
    const c = (await app.api('GET', `/api/v1/moh/${jazz.id}`)).body;
    const victim = c.files[0];
    const disk0 = readdirSync(join(mohDir, jazz.class_name));
    expect((await app.api('DELETE', `/api/v1/moh/${jazz.id}/files/${victim.id}`)).status).toBe(204);
    expect((await app.api('DELETE', `/api/v1/moh/${jazz.id}/files/${victim.id}`)).status).toBe(404);
    expect(readdirSync(join(mohDir, jazz.class_name))).toHaveLength(disk0.length - 1);
    expect(
      (await app.api('GET', `/api/v1/moh/${jazz.id}`)).body.files.map((f: { id: number }) => f.id),
    ).not.toContain(victim.id);

    // A queue playing the class (the queues feature's moh_class).
    const queue = await app.api('POST', '/api/v1/queues', {
      body: {
        number: '600',
        name: 'Sales',
        moh_class: jazz.class_name,
        failover_destination: { type: 'hangup', target: '' },
      },
    });
    expect(queue.status).toBe(201);
    const refused = await app.api('DELETE', `/api/v1/moh/${jazz.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('queue 600 "Sales"');
    expect((await app.api('GET', `/api/v1/moh/${jazz.id}`)).body.used_by).toEqual(['queue 600 "Sales"']);
    expect(readdirSync(join(mohDir, jazz.class_name)).length).toBeGreaterThan(0);

    expect((await app.api('DELETE', '/api/v1/queues/600')).status).toBe(204);
    expect((await app.api('DELETE', `/api/v1/moh/${jazz.id}`)).status).toBe(204);
    expect(readdirSync(mohDir)).not.toContain(jazz.class_name);
    expect((await app.api('GET', `/api/v1/moh/${jazz.id}`)).status).toBe(404);
  });
});

describe('music on hold pages', () => {
  it('lists classes and shows a class with an upload form and an audio player per track', async () => {
    const c = (await app.api('POST', '/api/v1/moh', { body: { name: 'Lounge <b>' } })).body;
    expect(c).toMatchObject({ error: { code: 'validation_failed' } });
    const made = (await app.api('POST', '/api/v1/moh', { body: { name: 'Lounge' } })).body;
    expect((await upload(made.id, { name: 'Night.wav', data: tone('night.wav') })).status).toBe(201);
    // Signing in fails unless the form answers 303 with a session cookie.
    const { cookie } = await signIn(app, 'admin', 'admin-password-1', '/moh');
    const list = await fetch(`${app.url}/moh`, { headers: { cookie } });
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain(`data-moh-id="${made.id}"`);
    expect(listHtml).toContain('>Music on hold</a>');
    const page = await (await fetch(`${app.url}/moh/${made.id}`, { headers: { cookie } })).text();
    expect(page).toContain('enctype="multipart/form-data"');
    expect(page).toMatch(/<audio controls preload="none" src="\/api\/v1\/moh\/\d+\/files\/\d+\/audio">/);
    expect(page).toContain('data-file-name="Night"');
  });
});
