import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestApp } from '../../test/support/app';
import { waitFor } from '../../test/support/asterisk';
import { HOSTILE } from '../../test/support/hostile';
import { createUser } from '../auth/accounts';
import { createApiToken } from '../auth/tokens';
import { mailboxDir } from './spool';

// Visual voicemail against a spool directory laid out exactly as app_voicemail (file storage)
// writes it — msgNNNN.txt in its [message] format plus msgNNNN.wav (8 kHz 16-bit mono, what
// format=wav records), made from real speech — served by a real Switchboard on MariaDB.

const spool = mkdtempSync(join(tmpdir(), 'sb-spool-'));
const app = useTestApp({ ASTERISK_SPOOL_DIR: spool });
const work = mkdtempSync(join(tmpdir(), 'sb-vv-audio-'));
let bobToken: string;
let msgCounter = 0;

function speech(text: string): Buffer {
  const raw = join(work, 'raw.wav');
  const out = join(work, 'out.wav');
  execFileSync('espeak-ng', ['-w', raw, text]);
  execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', out]);
  return readFileSync(out);
}
const AUDIO = speech('hello this is a test message');

interface Laid {
  msgId: string;
  txt: string;
}

// One message as app_voicemail leaves it (apps/app_voicemail.c leave_voicemail: the .txt's
// fields and msg_id = "%ld-%08x").
async function layMessage(
  box: string,
  folder: string,
  index: number,
  opts: { caller?: string; origtime?: number; duration?: number } = {},
): Promise<Laid> {
  const dir = join(mailboxDir(spool, box), folder);
  await mkdir(dir, { recursive: true });
  const origtime = opts.origtime ?? 1763900000 + msgCounter * 60;
  const msgId = `${origtime}-${(msgCounter++).toString(16).padStart(8, '0')}`;
  const base = join(dir, `msg${String(index).padStart(4, '0')}`);
  const txt = [
    ';',
    '; Message Information file',
    ';',
    '[message]',
    `origmailbox=${box}`,
    'context=sb-extension-dial',
    'macrocontext=',
    `exten=${box}`,
    'rdnis=unknown',
    'priority=4',
    'callerchan=PJSIP/1002-00000001',
    `callerid=${opts.caller ?? '"Bob" <1002>'}`,
    `origdate=${new Date(origtime * 1000).toUTCString()}`,
    `origtime=${origtime}`,
    'category=',
    `msg_id=${msgId}`,
    'flag=',
    `duration=${opts.duration ?? 3}`,
    '',
  ].join('\n');
  await writeFile(`${base}.txt`, txt);
  await writeFile(`${base}.wav`, AUDIO);
  return { msgId, txt };
}

function tree(box: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const root = mailboxDir(spool, box);
  for (const folder of readdirSync(root).sort()) out[folder] = readdirSync(join(root, folder)).sort();
  return out;
}

const txtOf = (box: string, folder: string, index: number) =>
  readFileSync(join(mailboxDir(spool, box), folder, `msg${String(index).padStart(4, '0')}.txt`), 'utf8');

async function resetBox(box: string): Promise<void> {
  await rm(mailboxDir(spool, box), { recursive: true, force: true });
  await mkdir(mailboxDir(spool, box), { recursive: true });
}

beforeAll(async () => {
  const db = app.sb.deps.db;
  for (const [number, name] of [
    ['1001', 'Alice'],
    ['1002', 'Bob'],
  ]) {
    const res = await app.api('POST', '/api/v1/extensions', { body: { number, display_name: name } });
    expect(res.status).toBe(201);
    // The box row is this suite's precondition (its own API is tested in boxes.test.ts).
    await db('voicemail_boxes').insert({ extension_number: number, transcribe: false });
  }
  const bob = await createUser(db, {
    username: 'bob',
    password: 'bob-password-12',
    role: 'user',
    extensionNumber: '1002',
  });
  bobToken = await createApiToken(db, bob, 'test');
});

afterAll(() => {
  rmSync(spool, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('visual voicemail: listing and audio', () => {
  it('lists new (INBOX) and old messages with caller, time and duration, read from the spool on each request', async () => {
    await resetBox('1001');
    const a = await layMessage('1001', 'INBOX', 0, {
      caller: '"Carol Smith" <0470123456>',
      origtime: 1763910000,
      duration: 7,
    });
    const b = await layMessage('1001', 'Old', 0, { caller: '<1002>', origtime: 1763800000, duration: 12 });
    const res = await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: app.tokens.user });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ new: 1, old: 1 });
    expect(res.body.items).toEqual([
      expect.objectContaining({
        id: a.msgId,
        folder: 'INBOX',
        new: true,
        caller_name: 'Carol Smith',
        caller_number: '0470123456',
        received_at: new Date(1763910000 * 1000).toISOString(),
        duration_seconds: 7,
        transcription: null,
        transcription_state: 'off',
        audio_url: `/api/v1/voicemail-boxes/1001/messages/${a.msgId}/audio`,
      }),
      expect.objectContaining({
        id: b.msgId,
        folder: 'Old',
        new: false,
        caller_name: '',
        caller_number: '1002',
        duration_seconds: 12,
      }),
    ]);

    // The phone deletes the old one (files gone): the next request no longer shows it.
    await rm(join(mailboxDir(spool, '1001'), 'Old'), { recursive: true });
    const again = await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: app.tokens.user });
    expect(again.body.items.map((m: { id: string }) => m.id)).toEqual([a.msgId]);
  });

  it('streams the audio bytes as audio/wav, inline or as a download', async () => {
    await resetBox('1001');
    const a = await layMessage('1001', 'INBOX', 0);
    const res = await fetch(`${app.url}/api/v1/voicemail-boxes/1001/messages/${a.msgId}/audio`, {
      headers: { authorization: `Bearer ${app.tokens.user}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(Buffer.from(await res.arrayBuffer()).equals(AUDIO)).toBe(true);
    const dl = await app.api('GET', `/api/v1/voicemail-boxes/1001/messages/${a.msgId}/audio?download=1`);
    expect(dl.headers.get('content-disposition')).toBe(
      `attachment; filename="voicemail-1001-${a.msgId}.wav"`,
    );
    const missing = await app.api('GET', '/api/v1/voicemail-boxes/1001/messages/1763000000-0000ffff/audio');
    expect(missing.status).toBe(404);
  });
});

describe('visual voicemail: who may see which box', () => {
  it("refuses another user's box with 403 on every operation, and leaves its spool untouched", async () => {
    await resetBox('1002');
    const m = await layMessage('1002', 'INBOX', 0);
    const before = tree('1002');
    const base = `/api/v1/voicemail-boxes/1002/messages`;
    for (const [method, path] of [
      ['GET', base],
      ['GET', `${base}/${m.msgId}/audio`],
      ['POST', `${base}/${m.msgId}/heard`],
      ['DELETE', `${base}/${m.msgId}`],
    ] as const) {
      const res = await app.api(method, path, { token: app.tokens.user });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
      expect(res.body.error.code).toBe('forbidden');
      // A supervisor is not a box owner either.
      expect((await app.api(method, path, { token: app.tokens.supervisor })).status).toBe(403);
      expect((await app.api(method, path, { token: null })).status).toBe(401);
    }
    expect(tree('1002')).toEqual(before);
    // Its owner and an admin see it.
    expect((await app.api('GET', base, { token: bobToken })).body.items).toHaveLength(1);
    expect((await app.api('GET', base)).body.items).toHaveLength(1);
    // A box that does not exist, for an admin: 404.
    expect((await app.api('GET', '/api/v1/voicemail-boxes/1999/messages')).status).toBe(404);
  });

  it('answers 400 to message ids that are not Asterisk msg_ids, and changes nothing', async () => {
    await resetBox('1001');
    await layMessage('1001', 'INBOX', 0);
    const before = tree('1001');
    const junk = [
      'abc',
      '1-2',
      '0000',
      '1763900000-0000000',
      '1763900000-0000000G',
      '..',
      '%2e%2e%2fOld',
      ...HOSTILE,
    ];
    for (const id of junk) {
      const enc = encodeURIComponent(id);
      for (const [method, path] of [
        ['POST', `/api/v1/voicemail-boxes/1001/messages/${enc}/heard`],
        ['DELETE', `/api/v1/voicemail-boxes/1001/messages/${enc}`],
        ['GET', `/api/v1/voicemail-boxes/1001/messages/${enc}/audio`],
      ] as const) {
        const res = await app.api(method, path, { token: app.tokens.user });
        // Ids with "/" or that are ".." are resolved by URL parsing into another path before any
        // route sees them (e.g. DELETE …/messages/.. is the admin-only DELETE of the box): never 2xx.
        expect(res.status).toBeGreaterThanOrEqual(400);
        if (!id.includes('/') && id !== '..') expect({ id, status: res.status }).toEqual({ id, status: 400 });
      }
    }
    expect((await app.api('GET', '/api/v1/voicemail-boxes/10a1/messages')).status).toBe(400);
    expect(tree('1001')).toEqual(before);
  });
});

describe('visual voicemail: heard and delete change the spool as app_voicemail does', () => {
  it('"heard" moves every file of the message to the next number in Old and renumbers INBOX without gaps', async () => {
    await resetBox('1001');
    const inbox = [
      await layMessage('1001', 'INBOX', 0),
      await layMessage('1001', 'INBOX', 1),
      await layMessage('1001', 'INBOX', 2),
    ];
    const old0 = await layMessage('1001', 'Old', 0);
    // A gap in Old, as an interrupted session can leave: app_voicemail's last_message_index()
    // takes the highest number + 1, not the first hole.
    const old2 = await layMessage('1001', 'Old', 2);
    const target = inbox[1] as Laid;

    const res = await app.api('POST', `/api/v1/voicemail-boxes/1001/messages/${target.msgId}/heard`, {
      token: app.tokens.user,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: target.msgId, folder: 'Old' });
    expect(tree('1001')).toEqual({
      INBOX: ['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav'],
      Old: ['msg0000.txt', 'msg0000.wav', 'msg0002.txt', 'msg0002.wav', 'msg0003.txt', 'msg0003.wav'],
    });
    // The .txt travels unchanged (msg_id included); the one that was msg0002 is now msg0001.
    expect(txtOf('1001', 'Old', 3)).toBe(target.txt);
    expect(txtOf('1001', 'INBOX', 0)).toBe(inbox[0]?.txt);
    expect(txtOf('1001', 'INBOX', 1)).toBe(inbox[2]?.txt);
    expect(txtOf('1001', 'Old', 0)).toBe(old0.txt);
    expect(txtOf('1001', 'Old', 2)).toBe(old2.txt);

    // Again: already in Old, nothing moves (idempotent).
    const again = await app.api('POST', `/api/v1/voicemail-boxes/1001/messages/${target.msgId}/heard`, {
      token: app.tokens.user,
    });
    expect(again.body).toEqual({ id: target.msgId, folder: 'Old' });
    const list = await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: app.tokens.user });
    expect(list.body.counts).toEqual({ new: 2, old: 3 });
  });

  it('creates Old when the box has none, and deletes with renumbering', async () => {
    await resetBox('1001');
    const a = await layMessage('1001', 'INBOX', 0);
    const b = await layMessage('1001', 'INBOX', 1);
    const c = await layMessage('1001', 'INBOX', 2);
    expect((await app.api('POST', `/api/v1/voicemail-boxes/1001/messages/${c.msgId}/heard`)).status).toBe(
      200,
    );
    expect(tree('1001')['Old']).toEqual(['msg0000.txt', 'msg0000.wav']);

    const del = await app.api('DELETE', `/api/v1/voicemail-boxes/1001/messages/${a.msgId}`, {
      token: app.tokens.user,
    });
    expect(del.status).toBe(204);
    expect(tree('1001')).toEqual({
      INBOX: ['msg0000.txt', 'msg0000.wav'],
      Old: ['msg0000.txt', 'msg0000.wav'],
    });
    expect(txtOf('1001', 'INBOX', 0)).toBe(b.txt);
    expect((await app.api('DELETE', `/api/v1/voicemail-boxes/1001/messages/${a.msgId}`)).status).toBe(404);
    expect((await app.api('DELETE', `/api/v1/voicemail-boxes/1001/messages/${c.msgId}`)).status).toBe(204);
    expect(tree('1001')).toEqual({ INBOX: ['msg0000.txt', 'msg0000.wav'], Old: [] });
  });

  it('waits for the lock a phone holds on INBOX (app_voicemail .lock) and follows a message the phone moved meanwhile', async () => {
    await resetBox('1001');
    const a = await layMessage('1001', 'INBOX', 0);
    const inbox = join(mailboxDir(spool, '1001'), 'INBOX');
    // The phone holds INBOX (ast_lock_path's .lock) and, before releasing it, saves the message
    // to Old itself.
    writeFileSync(join(inbox, '.lock'), '');
    const pending = app.api('POST', `/api/v1/voicemail-boxes/1001/messages/${a.msgId}/heard`, {
      token: app.tokens.user,
    });
    // The request found the message in INBOX and waits on the phone's lock: its own
    // .lock-<random> (ast_lock_path's temporary name) is there until it gets the lock.
    // (Well within the 5 s the request waits for a lock before it gives up.)
    await waitFor(
      'the request to wait on the INBOX lock',
      async () => readdirSync(inbox).some((n) => n.startsWith('.lock-')),
      3_000,
    );
    await mkdir(join(mailboxDir(spool, '1001'), 'Old'));
    await rename(join(inbox, 'msg0000.wav'), join(mailboxDir(spool, '1001'), 'Old', 'msg0000.wav'));
    await rename(join(inbox, 'msg0000.txt'), join(mailboxDir(spool, '1001'), 'Old', 'msg0000.txt'));
    rmSync(join(inbox, '.lock'));
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: a.msgId, folder: 'Old' });
    // Nothing duplicated, no lock left behind.
    expect(tree('1001')).toEqual({ INBOX: [], Old: ['msg0000.txt', 'msg0000.wav'] });

    // And a message the phone deleted is a clean 404.
    const gone = await app.api('POST', '/api/v1/voicemail-boxes/1001/messages/1763000000-000000aa/heard');
    expect(gone.status).toBe(404);
  });
});

describe('visual voicemail: transcription in the listing', () => {
  it('transcribes in the background when the box has transcription on, then shows the cached text', async () => {
    await resetBox('1001');
    const a = await layMessage('1001', 'INBOX', 0);
    await app.sb.deps.db('voicemail_boxes').where({ extension_number: '1001' }).update({ transcribe: true });
    const first = await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: app.tokens.user });
    expect(first.body.items[0].transcription_state).toMatch(/^(pending|done)$/);
    let item: { transcription: string | null; transcription_state: string } = first.body.items[0];
    const deadline = Date.now() + 60_000;
    while (item.transcription_state !== 'done' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      item = (await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: app.tokens.user })).body
        .items[0];
    }
    expect(item.transcription_state).toBe('done');
    expect(typeof item.transcription).toBe('string');
    const rows = await app.sb.deps.db('voicemail_transcriptions').where({ msg_id: a.msgId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ engine: 'pocketsphinx-en-us', text: item.transcription });
    await app.sb.deps.db('voicemail_boxes').where({ extension_number: '1001' }).update({ transcribe: false });
  }, 90_000);
});
