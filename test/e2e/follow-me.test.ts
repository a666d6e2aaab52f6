import { describeRun, killAllCarrierSipp } from '../carrier/sipp';
import { createInboundRoute, startTestApp, type TestApp } from '../support/app';
import { asteriskCli } from '../support/asterisk';
import { CallObserver } from '../support/call-observer';
import { endCalls } from '../support/call-suite';
import { requireAsterisk } from '../support/env';
import {
  CANCEL,
  farEnd,
  INVITE,
  INVITE_OK,
  listening,
  phoneReady,
  registeredPhone,
  ringingPhone,
  seenAt,
  sipTimeline,
  type TimedRun,
} from '../support/ring-phone';
import { killAllSipp } from '../support/sip';
import { callFromTrunk, createCallerTrunk, createMobileCarrier } from '../support/trunk-caller';

// Follow-me with real parts, the seeds' chain "desk phone → mobile → voicemail": a carrier (sipp
// from 127.0.0.9 over an IP trunk) calls a DID routed to extension 1002, whose follow-me rings
// the desk phone (a registered sipp that never answers), then the mobile: a sipp UAS on
// 127.0.4.2 behind an IP trunk and an outbound route, which must press 1 to take the call.
// Nobody taking it ends in 1002's voicemail, seen from Asterisk's side (CallObserver).

const DID = '3225550180';
const FAR_END_IP = '127.0.4.2';
const DESK_IP = '127.0.4.21';
const MOBILE = '0470999888';
const DESK_RING = 5;

let app: TestApp;
let observer: CallObserver;
let secret: string;

// Wrapped: an async function returning the bare promise would wait for the whole run.
async function desk(): Promise<{ run: Promise<TimedRun> }> {
  const p = await registeredPhone('1002', secret, DESK_IP);
  const run = ringingPhone(p, { timeoutMs: 60_000 });
  await phoneReady(p);
  return { run };
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  observer = await CallObserver.start();
  const ext = await app.api('POST', '/api/v1/extensions', {
    body: { number: '1002', display_name: 'Desk', voicemail_enabled: true },
  });
  if (ext.status !== 201) throw new Error(`extension: ${ext.status} ${ext.text}`);
  secret = ext.body.sip_secret;
  await createCallerTrunk(app);
  await createMobileCarrier(app, FAR_END_IP);
  await createInboundRoute(app, 'Direct line', DID, { type: 'extension', target: '1002' });
  // The mobile is an external step: 1002 must be allowed to forward externally (toll-guard).
  const grant = await app.api('PUT', '/api/v1/extensions/1002/toll-limits', {
    body: { may_forward_externally: true },
  });
  if (grant.status !== 200) throw new Error(`toll limits: ${grant.status} ${grant.text}`);
  const fm = await app.api('PUT', '/api/v1/extensions/1002/follow-me', {
    body: {
      enabled: true,
      steps: [
        { kind: 'extension', target: '1002', ring_seconds: DESK_RING },
        { kind: 'external', target: MOBILE, ring_seconds: 40, confirm: true },
      ],
    },
  });
  if (fm.status !== 200) throw new Error(`follow-me: ${fm.status} ${fm.text}`);
  await app.applied();
}, 120_000);

afterEach(() => endCalls(observer));

afterAll(async () => {
  killAllSipp();
  killAllCarrierSipp();
  await observer?.stop();
  await app?.close();
}, 60_000);

describe('follow-me on real calls', () => {
  it('the desk phone rings for its ring time, then the mobile rings and, once it pressed 1, is connected', async () => {
    const plan = await asteriskCli('dialplan show 1002@sb-followme');
    expect(plan).toContain(`Dial(PJSIP/1002,${DESK_RING})`);
    expect(plan).toContain(`Dial(Local/${MOBILE}@sb-confirm-external/n,40)`);
    const deskRun = (await desk()).run;
    const mobile = farEnd({
      ip: FAR_END_IP,
      mediaPort: 26_200,
      digits: '1',
      leadMs: 2_500,
      timeoutMs: 60_000,
    });
    await listening(FAR_END_IP, 5060);
    const call = await callFromTrunk({ did: DID, hangup: 'caller', holdMs: 2_000, answerTimeoutMs: 40_000 });
    const [d, m] = await Promise.all([deskRun, mobile]);
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    const deskRang = seenAt(d, 'in', INVITE, 'desk INVITE');
    const deskCancelled = seenAt(d, 'in', CANCEL, 'desk CANCEL');
    expect(deskCancelled - deskRang).toBeGreaterThan((DESK_RING - 1) * 1000);
    expect(seenAt(m, 'in', INVITE, 'mobile INVITE')).toBeGreaterThanOrEqual(deskCancelled - 50);
    const mobileAnswered = seenAt(m, 'out', INVITE_OK, 'mobile 200');
    const callerConnected = seenAt(
      { ...call, events: sipTimeline(call.messages) },
      'in',
      INVITE_OK,
      'caller 200',
    );
    expect(callerConnected - mobileAnswered).toBeGreaterThan(2_000);
    expect(m.requests).toContain('BYE');
  }, 120_000);

  it('nobody takes it (the mobile answers but nobody presses 1, like its voicemail): the caller lands in 1002’s voicemail', async () => {
    const deskRun = (await desk()).run;
    const mobile = farEnd({ ip: FAR_END_IP, mediaPort: 26_220, timeoutMs: 60_000 });
    await listening(FAR_END_IP, 5060);
    const call = callFromTrunk({ did: DID, hangup: 'caller', holdMs: 3_000, answerTimeoutMs: 60_000 });
    const ch = await observer.channel('the carrier call in Asterisk', (c) =>
      c.name.startsWith('PJSIP/trunk-test-carrier'),
    );
    await observer.ran(ch, 'VoiceMail', '1002@switchboard', 60_000);
    const [d, m, result] = await Promise.all([deskRun, mobile, call]);
    if (!result.ok) throw new Error(describeRun('trunk call', result));
    expect(seenAt(d, 'in', CANCEL, 'desk CANCEL')).toBeGreaterThan(0);
    // The mobile was hung up without being connected; then the caller was answered by voicemail.
    // The caller's answer comes only after the mobile's whole confirm window (two 5 s waits for
    // the 1 after the prompt), so the caller was never put through to the mobile. (The mobile's
    // BYE and the voicemail's 200 leave Asterisk on two channels' own threads, so which of them
    // a loaded machine delivers first says nothing.)
    expect(m.requests).toContain('BYE');
    const mobileAnswered = seenAt(m, 'out', INVITE_OK, 'mobile 200');
    const callerAnswered = seenAt(
      { ...result, events: sipTimeline(result.messages) },
      'in',
      INVITE_OK,
      'caller 200',
    );
    expect(callerAnswered - mobileAnswered).toBeGreaterThan(10_000);
    const dials = ch.steps.filter((s) => s.app === 'Dial').map((s) => s.data.split(',')[0]);
    expect(dials).toEqual(['PJSIP/1002', `Local/${MOBILE}@sb-confirm-external/n`]);
  }, 120_000);
});
