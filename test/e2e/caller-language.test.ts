import { LANGUAGE } from '../../src/lib/language';
import { apiCreate, createExtensions, extensionPaths, startTestApp, type TestApp } from '../support/app';
import { ariObject, mainAri, waitFor } from '../support/asterisk';
import { CallObserver, type DialplanStep, type ObservedChannel } from '../support/call-observer';
import { endCallSuite, endCalls } from '../support/call-suite';
import { requireAsterisk } from '../support/env';
import { HOSTILE } from '../support/hostile';
import { changesNothing, errorPaths } from '../support/refusals';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';
import { signIn } from '../support/web';

// The caller's language end to end: inbound routes and IVR keys set Asterisk's channel language,
// an extension's language becomes its endpoint's, and Asterisk then plays the greeting variant of
// that language, or the default one when there is none. A carrier (sipp from 127.0.0.9) calls in;
// Asterisk's own view (ARI ChannelDialplan events, CallObserver, and the channel's variable read
// through ARI) shows which language the channel had and how long each prompt played: the French
// variant is a fraction of the English default's length, so the time a Playback or Background
// ran until the next dialplan step tells which file Asterisk played.

const EN_TEXT =
  'Welcome to Switchboard. All our agents are busy. Please hold the line, we will be with you shortly.';
const FR_TEXT = 'Bonjour.';
const DID_FR = '3225550301';
const DID_DE = '3225550302';
const DID_MENU = '3225550303';
const EXT = '1095';

let app: TestApp;
let observer: CallObserver;
let greeting: { id: number; sound: string; variants: Array<{ language: string; duration_ms: number }> };
const ms = { en: 0, fr: 0 };
const created = { routes: [] as number[], ivrs: [] as number[], announcements: [] as number[], trunk: 0 };

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  observer = await CallObserver.start();
  created.trunk = await createCallerTrunk(app);
  greeting = await apiCreate(app, '/api/v1/greetings', {
    name: 'Welcome',
    default_language: 'en',
    tts_text: EN_TEXT,
  });
  const fr = await app.api('PUT', `/api/v1/greetings/${greeting.id}/variants/fr`, {
    body: { tts_text: FR_TEXT },
  });
  expect(fr.status).toBe(200);
  const variant = (l: string) =>
    (fr.body.variants as typeof greeting.variants).find((v) => v.language === l)?.duration_ms ?? 0;
  ms.en = variant('en');
  ms.fr = variant('fr');
  // The measurements below tell the two apart only if they are far apart.
  expect(ms.en).toBeGreaterThan(4 * ms.fr);

  const announcement = await apiCreate(app, '/api/v1/announcements', {
    name: 'Welcome',
    greeting_id: greeting.id,
    destination: { type: 'hangup', target: '' },
  });
  created.announcements.push(announcement.id);
  // Key 2 replays this same menu in French; no key: hang up after the first wait. A menu cannot
  // name itself before it exists: created without options, then given key 2.
  const menu = {
    name: 'Language menu',
    prompt_greeting_id: greeting.id,
    timeout_seconds: 2,
    max_retries: 0,
    invalid_destination: { type: 'hangup', target: '' },
  };
  const ivrId = (await apiCreate(app, '/api/v1/ivrs', menu)).id;
  created.ivrs.push(ivrId);
  const put = await app.api('PUT', `/api/v1/ivrs/${ivrId}`, {
    body: {
      ...menu,
      options: [{ digit: '2', destination: { type: 'ivr', target: String(ivrId) }, language: 'fr' }],
    },
  });
  expect(put.status).toBe(200);
  expect(put.body.options).toEqual([
    { digit: '2', destination: { type: 'ivr', target: String(ivrId) }, language: 'fr' },
  ]);

  const welcome = { type: 'announcement', target: String(announcement.id) };
  for (const [name, did, destination, language] of [
    ['French line', DID_FR, welcome, 'fr'],
    ['German line', DID_DE, welcome, 'de'],
    ['Menu line', DID_MENU, { type: 'ivr', target: String(ivrId) }, null],
  ] as const) {
    created.routes.push(
      (await apiCreate(app, '/api/v1/inbound-routes', { name, did, destination, language })).id,
    );
  }
  await app.applied();
}, 120_000);

afterEach(() => endCalls(observer));

afterAll(
  () =>
    endCallSuite(app, observer, () => [
      ...created.routes.map((id) => `/api/v1/inbound-routes/${id}`),
      ...created.announcements.map((id) => `/api/v1/announcements/${id}`),
      ...created.ivrs.map((id) => `/api/v1/ivrs/${id}`),
      ...(greeting ? [`/api/v1/greetings/${greeting.id}`] : []),
      ...(created.trunk ? [`/api/v1/trunks/${created.trunk}`] : []),
      ...extensionPaths([EXT]),
    ]),
  120_000,
);

describe('an inbound route with a language', () => {
  it('a route set to French plays the French variant on a channel whose language is fr', async () => {
    const call = callFromTrunk({ did: DID_FR, hangup: 'remote', holdMs: 20_000 });
    const ch = await carrierChannel(DID_FR);
    const set = await observer.ran(ch, 'Set', 'CHANNEL(language)=fr');
    const playback = await observer.ran(ch, 'Playback', greeting.sound);
    expect(ch.steps.indexOf(playback)).toBeGreaterThan(ch.steps.indexOf(set));
    expect(await channelLanguage(ch)).toBe('fr');
    const played = await ranFor(ch, playback);
    expect((await call).ok).toBe(true);
    // About the French variant's length, far below the English default's.
    expect(played).toBeGreaterThan(ms.fr * 0.8);
    expect(played).toBeLessThan(ms.fr + 1500);
    expect(played).toBeLessThan(ms.en * 0.6);
    report('fr', played);
  }, 60_000);

  it('a route set to German, which the greeting lacks, falls back to the default (English) variant', async () => {
    const call = callFromTrunk({ did: DID_DE, hangup: 'remote', holdMs: 30_000 });
    const ch = await carrierChannel(DID_DE);
    await observer.ran(ch, 'Set', 'CHANNEL(language)=de');
    const playback = await observer.ran(ch, 'Playback', greeting.sound);
    expect(await channelLanguage(ch)).toBe('de');
    const played = await ranFor(ch, playback);
    expect((await call).ok).toBe(true);
    expect(played).toBeGreaterThan(ms.en * 0.8);
    expect(played).toBeLessThan(ms.en + 2000);
    report('de → default', played);
  }, 60_000);
});

describe('an IVR option with a language', () => {
  it('key 2 sets the language to fr and replays the same menu, now in French', async () => {
    const call = callFromTrunk({
      did: DID_MENU,
      digits: '2',
      waitBeforeDigitsMs: 3000,
      hangup: 'remote',
      holdMs: 20_000,
    });
    const ch = await carrierChannel(DID_MENU);
    const first = await observer.ran(ch, 'Background', greeting.sound);
    const set = await observer.ran(ch, 'Set', 'CHANNEL(language)=fr');
    expect(ch.steps.indexOf(set)).toBeGreaterThan(ch.steps.indexOf(first));
    // The route set nothing: the first prompt played on the trunk's default language, the long
    // English variant, which key 2 (sent 3 s after the answer) cut short. The French one
    // would have ended before the key, and the menu gone on to wait for it (WaitExten).
    const firstRan = await ranFor(ch, first);
    expect(ch.steps[ch.steps.indexOf(first) + 1]?.app).toBe('CELGenUserEvent');
    expect(firstRan).toBeGreaterThan(ms.fr + 1000);
    expect(firstRan).toBeLessThan(ms.en);
    report('IVR first prompt (en, cut short by key 2)', firstRan);
    expect(ch.steps.filter((s) => s.app === 'Set' && s.data.startsWith('CHANNEL(language)'))).toHaveLength(1);
    const replay = await waitForStep(
      ch,
      'the prompt again',
      (s) => s.app.toLowerCase() === 'background' && ch.steps.indexOf(s) > ch.steps.indexOf(set),
    );
    expect(replay.data).toBe(greeting.sound);
    expect(await channelLanguage(ch)).toBe('fr');
    const played = await ranFor(ch, replay);
    expect((await call).ok).toBe(true);
    expect(played).toBeGreaterThan(ms.fr * 0.8);
    expect(played).toBeLessThan(ms.fr + 1500);
    expect(played).toBeLessThan(ms.en * 0.6);
    report('IVR key → fr', played);
  }, 60_000);
});

describe("an extension's language", () => {
  it('becomes its endpoint language in Asterisk, and null goes back to en', async () => {
    await createExtensions(app, [EXT], { label: 'Linguist', fields: () => ({ language: 'fr' }) });
    expect((await app.api('GET', `/api/v1/extensions/${EXT}`)).body.language).toBe('fr');
    expect(await app.applied()).toMatchObject({ status: 'succeeded' });
    expect((await ariObject('endpoint', EXT))?.['language']).toBe('fr');

    const patched = await app.api('PATCH', `/api/v1/extensions/${EXT}`, { body: { language: 'en_GB' } });
    expect(patched.status).toBe(200);
    expect(patched.body.language).toBe('en_GB');
    // The apply reads the endpoint back and compares `language`: a mismatch would fail it.
    expect(await app.applied()).toMatchObject({ status: 'succeeded' });
    expect((await ariObject('endpoint', EXT))?.['language']).toBe('en_GB');

    await app.api('PATCH', `/api/v1/extensions/${EXT}`, { body: { language: null } });
    expect(await app.applied()).toMatchObject({ status: 'succeeded' });
    expect((await ariObject('endpoint', EXT))?.['language']).toBe('en');
  }, 60_000);
});

describe('a bad language code is a 400 naming the field and changes nothing', () => {
  const BAD = [...HOSTILE, 'EN', 'english', 'fr-FR', 'fr_gb', 'f', 'fr_BE_x', ' fr', 'x'.repeat(1024)];
  const row = (table: string) => () => app.sb.deps.db(table).select('*').orderBy('id');

  it.each(BAD.map((v) => [JSON.stringify(v).slice(0, 24), v]))('refuses %s everywhere', async (_l, bad) => {
    const ext = await changesNothing(
      app,
      () =>
        app.api('POST', '/api/v1/extensions', {
          body: { number: '1096', display_name: 'Bad', language: bad },
        }),
      () => app.sb.deps.db('extensions').where({ number: '1096' }).first(),
    );
    expect(ext.status).toBe(400);
    expect(errorPaths(ext)).toEqual(['language']);

    const route = await changesNothing(
      app,
      () =>
        app.api('PUT', `/api/v1/inbound-routes/${created.routes[0]}`, {
          body: {
            name: 'French line',
            did: DID_FR,
            destination: { type: 'hangup', target: '' },
            language: bad,
          },
        }),
      row('inbound_routes'),
    );
    expect(route.status).toBe(400);
    expect(errorPaths(route)).toEqual(['language']);

    const ivr = await changesNothing(
      app,
      () =>
        app.api('PUT', `/api/v1/ivrs/${created.ivrs[0]}`, {
          body: {
            name: 'Language menu',
            prompt_greeting_id: null,
            options: [{ digit: '3', destination: { type: 'hangup', target: '' }, language: bad }],
            invalid_destination: { type: 'hangup', target: '' },
          },
        }),
      row('ivr_options'),
    );
    expect(ivr.status).toBe(400);
    expect(errorPaths(ivr)).toEqual(['options.0.language']);
  });

  it('a number is not a language either', async () => {
    const res = await app.api('PATCH', `/api/v1/extensions/${EXT}`, { body: { language: 33 } });
    expect(res.status).toBe(400);
    expect(errorPaths(res)).toEqual(['language']);
  });
});

describe('the web forms', () => {
  it("an extension's, a route's and an IVR key's language are shown, saved, and refused under their field", async () => {
    const web = await signIn(app, 'admin', 'admin-password-1', '/extensions');
    const refusal = 'a language code like en, fr or en_GB</span>';

    const extForm = { display_name: 'Linguist 1095', codecs: 'ulaw', language: 'fr;x' };
    const badExt = await web.post(`/extensions/${EXT}`, extForm);
    expect(badExt.status).toBe(400);
    expect(await badExt.text()).toContain(refusal);
    expect((await app.api('GET', `/api/v1/extensions/${EXT}`)).body.language).toBeNull();
    expect((await web.post(`/extensions/${EXT}`, { ...extForm, language: 'nl' })).status).toBe(303);
    expect((await app.api('GET', `/api/v1/extensions/${EXT}`)).body.language).toBe('nl');
    expect(await web.text(`/extensions/${EXT}/edit`)).toMatch(/name="language" value="nl"/);

    const [routeId] = created.routes;
    expect(await web.text(`/routes/inbound/${routeId}/edit`)).toMatch(/name="language" value="fr"/);
    const routeForm = {
      name: 'French line',
      did: DID_FR,
      destination: `announcement:${created.announcements[0]}`,
      language: 'fr_BE',
    };
    expect((await web.post(`/routes/inbound/${routeId}`, routeForm)).status).toBe(303);
    const routes = (await app.api('GET', '/api/v1/inbound-routes')).body.items as Array<{ id: number }>;
    expect(routes.find((r) => r.id === routeId)).toMatchObject({ language: 'fr_BE' });
    const badRoute = await web.post(`/routes/inbound/${routeId}`, { ...routeForm, language: 'French' });
    expect(badRoute.status).toBe(400);
    expect(await badRoute.text()).toContain(refusal);

    const [ivrId] = created.ivrs;
    expect(await web.text(`/ivrs/${ivrId}/edit`)).toMatch(
      /name="option_0_language" id="option_0_language" value="fr"/,
    );
    const badIvr = await web.post(`/ivrs/${ivrId}`, {
      name: 'Language menu',
      prompt_greeting_id: String(greeting.id),
      option_0_digit: '2',
      option_0_destination: `ivr:${ivrId}`,
      option_0_language: '${SHELL(id)}',
      timeout_seconds: '2',
      max_retries: '0',
      invalid_destination: 'hangup:',
    });
    expect(badIvr.status).toBe(400);
    const html = await badIvr.text();
    // Under the key's own row: the form names the field option_<row>_language.
    expect(html).toMatch(/id="option_0_language"[^>]*>\s*<span class="field-error">a language code like/);
    expect((await app.api('GET', `/api/v1/ivrs/${ivrId}`)).body.options[0].language).toBe('fr');
  });
});

describe('the OpenAPI document', () => {
  it('documents language, with its pattern, on extensions, inbound routes and IVR options', async () => {
    const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
    // A router's root path is documented with its trailing slash (/api/v1/ivrs/).
    const body = (path: string, method: string) =>
      (doc.paths[path] ?? doc.paths[`${path}/`])[method].requestBody.content['application/json'].schema;
    const pattern = LANGUAGE.source;
    const fields = [
      body('/api/v1/extensions', 'post').properties.language,
      body('/api/v1/extensions/{number}', 'patch').properties.language,
      body('/api/v1/inbound-routes', 'post').properties.language,
      body('/api/v1/ivrs', 'post').properties.options.items.properties.language,
    ];
    for (const field of fields) expect(JSON.stringify(field)).toContain(JSON.stringify(pattern).slice(1, -1));
  });
});

// The carrier's channel of the call to `did`, once Asterisk has it.
function carrierChannel(did: string): Promise<ObservedChannel> {
  return observer.channel(
    `the carrier call to ${did}`,
    (c) => c.name.startsWith('PJSIP/trunk-test-carrier') && c.dialed === did,
  );
}

// Asterisk's CHANNEL(language) of the live channel, read through ARI.
async function channelLanguage(ch: ObservedChannel): Promise<string> {
  const v = encodeURIComponent('CHANNEL(language)');
  return (await mainAri<{ value: string }>('GET', `/channels/${ch.id}/variable?variable=${v}`)).value;
}

// The channel's first dialplan step matching, once it ran.
function waitForStep(ch: ObservedChannel, what: string, match: (s: DialplanStep) => boolean) {
  return waitFor(`${ch.name} to run ${what}`, async () => ch.steps.find(match));
}

// How long a step ran: until the channel's next dialplan step (the end of a prompt lets the
// dialplan go on; a missing file would go on at once).
async function ranFor(ch: ObservedChannel, step: DialplanStep): Promise<number> {
  const i = ch.steps.indexOf(step);
  const next = await waitFor(`${ch.name} to go on after ${step.app}`, async () => ch.steps[i + 1]);
  return next.at - step.at;
}

function report(what: string, played: number): void {
  process.stdout.write(`caller language: ${what} played ${played} ms (en ${ms.en} ms, fr ${ms.fr} ms)\n`);
}
