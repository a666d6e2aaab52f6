import { traceCall } from '../src/callflow/trace';
import { renderAll, stateLoader } from '../src/features';
import type { DesiredState } from '../src/render/state';
import { startTestApp, type TestApp } from '../test/support/app';
import { asteriskCli, sandbox } from '../test/support/asterisk';
import { requireAsterisk, testEnv } from '../test/support/env';

// Call flow at office scale against the real Asterisk: EXTENSIONS extensions, IVRS menus of five
// keys, TCS time conditions, one inbound route per menu and per time condition. Prints
//   (a) an IVR change through the API until the apply it queued has finished (polled),
//   (b) Asterisk's own `module reload pbx_config.so` of the same files (the floor (a) pays),
//   (c) a trace through the API and in-process,
//   (d) rendering everything vs rendering without the call flow (what the call flow costs),
// with ratios, all measured in this run.
const EXTENSIONS = Number(process.env['BENCH_EXTENSIONS'] ?? 1000);
const IVRS = Number(process.env['BENCH_IVRS'] ?? 100);
const TCS = Number(process.env['BENCH_TCS'] ?? 50);
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 9);

const now = () => performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(2)} ms`);
const ariAuth = {
  authorization: `Basic ${Buffer.from(`${testEnv.ariUsername}:${testEnv.ariPassword}`).toString('base64')}`,
};

async function latestRevision(app: TestApp): Promise<{ id: number; status: string; error: string | null }> {
  const res = await app.api('GET', '/api/v1/apply?limit=1');
  return res.body.latest ?? { id: 0, status: 'none', error: null };
}

async function created(app: TestApp, path: string, body: unknown): Promise<number> {
  const res = await app.api('POST', path, { body });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body.id as number;
}

// Menu i: keys 1-5 to five extensions; `key2` overrides where 2 goes.
function menu(i: number, prompt: number, key2?: string) {
  return {
    name: `Menu ${i}`,
    prompt_greeting_id: prompt,
    options: [1, 2, 3, 4, 5].map((d) => ({
      digit: String(d),
      destination: {
        type: 'extension',
        target: d === 2 && key2 ? key2 : String(2000 + ((i * 5 + d) % EXTENSIONS)),
      },
    })),
    invalid_destination: { type: 'hangup', target: '' },
  };
}

async function seed(app: TestApp): Promise<{ ivrIds: number[]; prompt: number }> {
  const rows = Array.from({ length: EXTENSIONS }, (_, i) => ({
    number: String(2000 + i),
    display_name: `Bench ${i}`,
    sip_secret: `benchSecret${i}xxxxxxxx`,
    codecs: 'ulaw,alaw',
    max_contacts: 1,
  }));
  for (let i = 0; i < rows.length; i += 1000)
    await app.sb.deps.db('extensions').insert(rows.slice(i, i + 1000));
  const prompt = await created(app, '/api/v1/greetings', {
    name: 'Bench prompt',
    default_language: 'en',
    tts_text: 'Press a key.',
  });
  const ivrIds: number[] = [];
  for (let i = 0; i < IVRS; i++) ivrIds.push(await created(app, '/api/v1/ivrs', menu(i, prompt)));
  for (let i = 0; i < TCS; i++) {
    const tc = await created(app, '/api/v1/time-conditions', {
      name: `Hours ${i}`,
      timezone: 'Europe/Brussels',
      weekly: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '08:30', end: '17:30' })),
      holidays: [{ name: 'New year', start: '2026-01-01', yearly: true }],
      open_destination: { type: 'ivr', target: String(ivrIds[i % ivrIds.length]) },
      closed_destination: { type: 'hangup', target: '' },
    });
    await created(app, '/api/v1/inbound-routes', {
      name: `Hours line ${i}`,
      did: String(3225560000 + i),
      destination: { type: 'time-condition', target: String(tc) },
    });
  }
  for (let i = 0; i < IVRS; i++) {
    await created(app, '/api/v1/inbound-routes', {
      name: `Menu line ${i}`,
      did: String(3225570000 + i),
      destination: { type: 'ivr', target: String(ivrIds[i]) },
    });
  }
  const rev = await app.applyNow();
  if (!['succeeded', 'unchanged'].includes(rev.status)) throw new Error(`seed apply: ${JSON.stringify(rev)}`);
  return { ivrIds, prompt };
}

async function main(): Promise<void> {
  requireAsterisk();
  await sandbox('stop');
  await sandbox('start', ['--clean']);
  const app = await startTestApp({ APPLY_DEBOUNCE_MS: '0' });
  try {
    console.log(
      `call-flow benchmark: ${EXTENSIONS} extensions, ${IVRS} IVR menus, ${TCS} time conditions, ` +
        `${IVRS + TCS} inbound routes; medians of ${REPEAT}\n`,
    );
    const { ivrIds, prompt } = await seed(app);

    // (a) IVR change → live: the API call plus the apply it triggers (render, diff, write, reload).
    const changes: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const index = i % ivrIds.length;
      const id = ivrIds[index]!;
      const target = String(2000 + ((i * 13 + 7) % EXTENSIONS));
      const before = await latestRevision(app);
      const t = now();
      const res = await app.api('PUT', `/api/v1/ivrs/${id}`, { body: menu(index, prompt, target) });
      if (res.status !== 200) throw new Error(`PUT ivr: ${res.status} ${res.text}`);
      // The apply the change queued by itself: poll its revision rather than force another.
      let rev = await latestRevision(app);
      while (rev.id <= before.id) rev = await latestRevision(app);
      changes.push(now() - t);
      if (rev.status !== 'succeeded') throw new Error(`apply ${rev.status}: ${rev.error}`);
      const shown = await asteriskCli(`dialplan show 2@sb-ivr-${id}`);
      if (!shown.includes(`sb-dest-extension,${target},1`)) throw new Error(`change not live: ${shown}`);
    }

    // (b) Asterisk's own dialplan reload of the same files.
    const reloads: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = now();
      const res = await fetch(`${testEnv.ariUrl}/ari/asterisk/modules/pbx_config.so`, {
        method: 'PUT',
        headers: ariAuth,
      });
      if (res.status !== 204) throw new Error(`reload answered ${res.status}`);
      reloads.push(now() - t);
    }

    // (c) traces
    const apiTraces: number[] = [];
    for (let i = 0; i < REPEAT * 5; i++) {
      const t = now();
      const res = await app.api('POST', '/api/v1/call-flow/trace', {
        body: {
          did: String(3225560000 + (i % TCS)),
          caller_id: '0470000000',
          at: new Date().toISOString(),
          digits: '2',
        },
      });
      if (res.status !== 200) throw new Error(`trace: ${res.status} ${res.text}`);
      apiTraces.push(now() - t);
    }
    const state: DesiredState = await stateLoader(app.sb.deps.db, {
      extensionRange: app.sb.deps.config.extensionRange,
      ringSeconds: app.sb.deps.config.ringSeconds,
      ariApp: app.sb.deps.config.ari.app,
    }).load(null);
    const pureTraces: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = now();
      traceCall(state, {
        did: String(3225570000 + (i % IVRS)),
        callerId: '0470000000',
        at: new Date(),
        digits: '3',
      });
      pureTraces.push(now() - t);
    }

    // (d) rendering with and without the call flow
    const bare: DesiredState = {
      ...state,
      ivrs: [],
      announcements: [],
      timeConditions: [],
      inboundRoutes: [],
    };
    const time = (s: DesiredState) => {
      const xs: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        const t = now();
        renderAll(s);
        xs.push(now() - t);
      }
      return median(xs);
    };
    time(state); // warm the template cache
    const withFlow = time(state);
    const without = time(bare);

    const a = median(changes);
    const b = median(reloads);
    console.log(
      `  (a) IVR change → apply finished (live):   ${fmt(a)} (max ${fmt(Math.max(...changes))})   (a)/(b) = ${(a / b).toFixed(2)}`,
    );
    console.log(`  (b) module reload pbx_config.so (floor):  ${fmt(b)}`);
    console.log(
      `  (c) trace through the API:                ${fmt(median(apiTraces))}   in-process: ${fmt(median(pureTraces))}`,
    );
    console.log(
      `  (d) renderAll with the call flow:         ${fmt(withFlow)}   without: ${fmt(without)}   ratio ${(withFlow / without).toFixed(2)}`,
    );
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
