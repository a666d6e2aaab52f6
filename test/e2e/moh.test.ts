import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ari } from '../../src/asterisk/ari';
import { createLogger } from '../../src/lib/log';
import { deleteAll, extensionPaths, listedPaths, startTestApp, type TestApp } from '../support/app';
import { asteriskCli, hangUpChannels, waitFor } from '../support/asterisk';
import { requireAsterisk, testEnv } from '../support/env';
import { answerCalls, killAllSipp, type Phone, phoneFor, register, succeeded } from '../support/sip';

// Music on hold end to end: tracks uploaded through the API land in the real Asterisk's moh
// directory, an apply reloads res_musiconhold and Asterisk's CLI lists the classes and files.
// Then a real SIP call (sipp answering, originated into a Stasis app of this test) is put on hold
// with each class through ARI, and what Asterisk sends to the phone is recorded through a snoop
// channel: a 1000 Hz track comes out as 1000 Hz, the 440 Hz class as 440 Hz.

const NUMBER = '1095';
const APP = `mohtest-${randomBytes(3).toString('hex')}`;
const mohDir = join(dirname(testEnv.asteriskSoundsDir), 'moh');

let app: TestApp;
let phone: Phone;
let ari: Ari;
let scratch: string;
const events: Array<{ name: string; data: any }> = [];

function synth(name: string, freq: number, seconds: number): Buffer {
  const out = join(scratch, name);
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', out, 'synth', String(seconds), 'sine', String(freq)]);
  return readFileSync(out);
}

async function upload(classId: number, file: { data: Buffer; name: string }) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file.data)]), file.name);
  const res = await fetch(`${app.url}/api/v1/moh/${classId}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${app.tokens.admin}` },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

function event(name: string, match: (data: any) => boolean, timeoutMs = 15_000): Promise<any> {
  return waitFor(name, async () => events.find((e) => e.name === name && match(e.data))?.data, timeoutMs);
}

// Writes apply on their own (coalesced, after commit); a forced apply returns once every earlier
// one has finished. Answers the revisions since `after` that reloaded res_musiconhold.
async function mohReloadsSince(after: number): Promise<Array<{ id: number; reasons: string[] }>> {
  await app.applied();
  const list = await app.api('GET', '/api/v1/apply?limit=50');
  // NOTE: the list's items are camelCase while POST answers snake_case; either is accepted.
  type Row = { id: number; status: string; modules_reloaded?: string[]; modulesReloaded?: string[] };
  return list.body.items.filter(
    (r: Row) =>
      r.id > after &&
      r.status === 'succeeded' &&
      (r.modules_reloaded ?? r.modulesReloaded ?? []).includes('res_musiconhold.so'),
  );
}

async function lastRevision(): Promise<number> {
  return (await app.api('GET', '/api/v1/apply?limit=1')).body.latest?.id ?? 0;
}

// The dominant frequency of a recording, from sox's `stat` ("Rough frequency").
// Refuses a near-silent recording, whose frequency would mean nothing.
function roughFrequency(wav: string): number {
  const out = spawnSync('sox', [wav, '-n', 'stat']).stderr.toString();
  expect(Number(/RMS\s+amplitude:\s+([0-9.]+)/.exec(out)?.[1])).toBeGreaterThan(0.05);
  return Number(/Rough\s+frequency:\s+(\d+)/.exec(out)?.[1]);
}

// Asterisk qualifies a contact as soon as it registers; when that OPTIONS comes after sipp's
// REGISTER scenario has exited, the contact stays "Unavailable" until the next qualify (60 s) and
// calls to it fail. With the answering scenario up (it answers OPTIONS), qualify again until ARI
// shows the endpoint online.
async function reachable(): Promise<void> {
  await waitFor(
    `endpoint ${NUMBER} online`,
    async () => {
      const state = (await ari.request<{ state?: string }>('GET', `/endpoints/PJSIP/${NUMBER}`)).state;
      if (state === 'online') return true;
      await asteriskCli(`pjsip qualify ${NUMBER}`);
      await new Promise((r) => setTimeout(r, 300));
      return false;
    },
    15_000,
  );
}

beforeAll(async () => {
  requireAsterisk();
  scratch = mkdtempSync(join(tmpdir(), 'sb-moh-e2e-'));
  app = await startTestApp();
  ari = new Ari(
    { url: testEnv.ariUrl, username: testEnv.ariUsername, password: testEnv.ariPassword, app: APP },
    createLogger('silent'),
    ['StasisStart', 'StasisEnd', 'RecordingFinished', 'RecordingFailed'],
  );
  ari.onEvent((name, data) => events.push({ name, data }));
  await ari.startEvents();
  const ext = await app.api('POST', '/api/v1/extensions', {
    body: { number: NUMBER, display_name: 'Holder' },
  });
  expect(ext.status).toBe(201);
  await app.applied();
  phone = await phoneFor(NUMBER, ext.body.sip_secret);
  await succeeded(register(phone, { expires: 300 }));
}, 120_000);

afterEach(async () => {
  killAllSipp();
  if (app) await hangUpChannels((c) => c.name.startsWith(`PJSIP/${NUMBER}-`) || c.name.startsWith('Snoop/'));
});

afterAll(async () => {
  killAllSipp();
  await ari?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (!app) return;
  try {
    const classes = await listedPaths(app, '/api/v1/moh');
    if (phone) await register(phone, { expires: 0 }).exited;
    await deleteAll(app, [...classes, ...extensionPaths([NUMBER])], { applyMustSucceed: true });
  } finally {
    await app.close();
  }
}, 60_000);

describe('music on hold on a real Asterisk', () => {
  let low: { id: number; class_name: string };
  let high: { id: number; class_name: string };

  it('after an upload and an apply, Asterisk lists the class and its file (moh show classes / moh show files)', async () => {
    const since = await lastRevision();
    low = (await app.api('POST', '/api/v1/moh', { body: { name: 'Low tone', sort: 'alpha' } })).body;
    high = (await app.api('POST', '/api/v1/moh', { body: { name: 'High tone' } })).body;
    const a = await upload(low.id, { data: synth('low.wav', 440, 20), name: 'A low.wav' });
    expect(a.status).toBe(201);
    const b = await upload(high.id, { data: synth('high.wav', 1000, 20), name: 'High.wav' });
    expect(b.status).toBe(201);
    expect(existsSync(join(mohDir, low.class_name, `a-low-${a.body.id}.wav`))).toBe(true);

    expect((await mohReloadsSince(since)).length).toBeGreaterThan(0);
    const classes = await asteriskCli('moh show classes');
    expect(classes).toContain(`Class: ${low.class_name}`);
    expect(classes).toContain(`Class: ${high.class_name}`);
    expect(classes).toContain(`Directory: /usr/share/asterisk/moh/${low.class_name}`);
    const files = await asteriskCli('moh show files');
    expect(files).toContain(`/usr/share/asterisk/moh/${low.class_name}/a-low-${a.body.id}`);
    expect(files).toContain(`/usr/share/asterisk/moh/${high.class_name}/high-${b.body.id}`);
  });

  it('a second track, then a deleted one: each apply makes Asterisk rescan the class', async () => {
    const wav = join(scratch, 'speech.wav');
    execFileSync('espeak-ng', ['-w', wav, 'Thank you for holding']);
    execFileSync('sox', [wav, join(scratch, 'speech.mp3')]);
    let since = await lastRevision();
    const added = await upload(low.id, {
      data: readFileSync(join(scratch, 'speech.mp3')),
      name: 'Speech.mp3',
    });
    expect(added.status).toBe(201);
    expect(await mohReloadsSince(since)).toEqual([
      expect.objectContaining({ reasons: expect.arrayContaining([expect.stringContaining('Speech added')]) }),
    ]);
    expect(await asteriskCli('moh show files')).toContain(
      `/usr/share/asterisk/moh/${low.class_name}/speech-${added.body.id}`,
    );

    since = await lastRevision();
    expect((await app.api('DELETE', `/api/v1/moh/${low.id}/files/${added.body.id}`)).status).toBe(204);
    expect((await mohReloadsSince(since)).length).toBe(1);
    const files = await asteriskCli('moh show files');
    expect(files).not.toContain(`speech-${added.body.id}`);
    expect(files).toContain(`/usr/share/asterisk/moh/${low.class_name}/a-low-`);
  });

  it("a real call put on hold with a class through ARI hears that class's music", async () => {
    const answering = await answerCalls(phone, { timeoutMs: 60_000 });
    await reachable();
    const channel = await ari.request<{ id: string }>(
      'POST',
      `/channels?endpoint=${encodeURIComponent(`PJSIP/${NUMBER}`)}&app=${APP}&timeout=15`,
    );
    await event('StasisStart', (d) => d.channel?.id === channel.id);

    const hear = async (mohClass: string): Promise<number> => {
      await ari.request('POST', `/channels/${channel.id}/moh?mohClass=${mohClass}`);
      // What Asterisk writes to the phone's channel ("out"), taken before it is encoded.
      const snoop = await ari.request<{ id: string }>(
        'POST',
        `/channels/${channel.id}/snoop?spy=out&app=${APP}`,
      );
      await event('StasisStart', (d) => d.channel?.id === snoop.id);
      const name = `moh-e2e-${randomBytes(4).toString('hex')}`;
      await ari.request(
        'POST',
        `/channels/${snoop.id}/record?name=${name}&format=wav&maxDurationSeconds=2&ifExists=overwrite`,
      );
      await event('RecordingFinished', (d) => d.recording?.name === name);
      const file = join(scratch, `${name}.wav`);
      writeFileSync(file, await ari.download(`/recordings/stored/${name}/file`));
      await ari.request('DELETE', `/recordings/stored/${name}`);
      await ari.request('DELETE', `/channels/${snoop.id}`);
      await ari.request('DELETE', `/channels/${channel.id}/moh`);
      return roughFrequency(file);
    };

    // Each class's own tone, one after the other on the same call: not the packaged default music.
    const high1000 = await hear(high.class_name);
    expect(high1000).toBeGreaterThan(950);
    expect(high1000).toBeLessThan(1050);
    const low440 = await hear(low.class_name);
    expect(low440).toBeGreaterThan(400);
    expect(low440).toBeLessThan(480);

    await ari.request('DELETE', `/channels/${channel.id}`);
    await succeeded(answering);
  }, 90_000);

  it('a class a queue plays cannot be deleted; unused, it goes with its directory and Asterisk drops it', async () => {
    const queue = await app.api('POST', '/api/v1/queues', {
      body: {
        number: '695',
        name: 'Hold queue',
        moh_class: high.class_name,
        failover_destination: { type: 'hangup', target: '' },
      },
    });
    expect(queue.status).toBe(201);
    expect((await app.api('DELETE', `/api/v1/moh/${high.id}`)).status).toBe(409);
    expect(existsSync(join(mohDir, high.class_name))).toBe(true);
    expect((await app.api('DELETE', '/api/v1/queues/695')).status).toBe(204);
    const since = await lastRevision();
    expect((await app.api('DELETE', `/api/v1/moh/${high.id}`)).status).toBe(204);
    expect(existsSync(join(mohDir, high.class_name))).toBe(false);
    expect((await mohReloadsSince(since)).length).toBe(1);
    expect(await asteriskCli('moh show classes')).not.toContain(`Class: ${high.class_name}`);
  });
});
