import { describeRun, killAllCarrierSipp, runSipp, sippSdp } from '../carrier/sipp';
import { createInboundRoute, startTestApp, type TestApp } from '../support/app';
import { asteriskCli, waitFor } from '../support/asterisk';
import { CallObserver } from '../support/call-observer';
import { endCalls } from '../support/call-suite';
import { requireAsterisk, testEnv } from '../support/env';
import {
  CANCEL,
  farEnd,
  INVITE,
  INVITE_OK,
  type IpPhone,
  listening,
  phoneReady,
  registeredPhone,
  reply,
  ringingPhone,
  seenAt,
  sipTimeline,
  type TimedRun,
} from '../support/ring-phone';
import { killAllSipp } from '../support/sip';
import { startSmtp, type TestSmtp } from '../support/smtp';
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
let smtp: TestSmtp;
let mobileTrunkId: number;

// Wrapped: an async function returning the bare promise would wait for the whole run.
async function desk(): Promise<{ run: Promise<TimedRun> }> {
  const p = await registeredPhone('1002', secret, DESK_IP);
  const run = ringingPhone(p, { timeoutMs: 60_000 });
  await phoneReady(p);
  return { run };
}

// A registered phone that answers one call and, a moment later, blind-transfers it (an in-dialog
// REFER to `referTo`), as a desk phone's transfer key does; it then answers Asterisk's NOTIFYs
// and re-INVITEs until Asterisk hangs up its side (the BYE that ends a blind transfer).
function transferringPhone(phone: IpPhone, referTo: string, timeoutMs: number) {
  const ok = (withTag: boolean, body = '', next = '', test = '') =>
    reply('200 OK', withTag, body, { next, test });
  const scenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="blind-transfer">
  <recv request="OPTIONS" optional="true" next="options"/>
  <recv request="NOTIFY" optional="true" next="options"/>
  <recv request="INVITE">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="peer"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="me"/>
      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="target"/>
    </action>
  </recv>
  ${ok(true, sippSdp('[media_port]'))}
  <recv request="ACK" timeout="10000"/>
  <recv request="INVITE" timeout="1000" ontimeout="refer" next="early-reinvite"/>
  <label id="early-reinvite"/>
  ${ok(false, sippSdp('[media_port]'))}
  <recv request="ACK"/>
  <label id="refer"/>
  <send next="up"><![CDATA[

      REFER [$target] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From:[$me];tag=[pid]SIPpTag01[call_number]
      To:[$peer]
      [last_Call-ID:]
      CSeq: 1 REFER
      Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
      Refer-To: <sip:${referTo}@127.0.0.1>
      Referred-By: <sip:[service]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <!-- The NOTIFY saying the transfer is over (Subscription-State: terminated): hang up, as a
       phone does once its blind transfer went through. -->
  <label id="notify"/>
  ${ok(false, '', 'hangup', 'final')}
  <label id="up"/>
  <recv response="202" optional="true" next="up"/>
  <recv request="NOTIFY" optional="true" next="notify">
    <action>
      <ereg regexp="terminated" search_in="hdr" header="Subscription-State:" assign_to="final"/>
    </action>
  </recv>
  <recv request="INVITE" optional="true" next="reinvite"/>
  <recv request="BYE" timeout="${timeoutMs}"/>
  ${ok(false, '', 'stop')}
  <label id="reinvite"/>
  ${ok(false, sippSdp('[media_port]'))}
  <recv request="ACK" next="up"/>
  <label id="hangup"/>
  <send><![CDATA[

      BYE [$target] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From:[$me];tag=[pid]SIPpTag01[call_number]
      To:[$peer]
      [last_Call-ID:]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="200"/>
  <label id="stop"/>
  <nop next="done"><action><exec int_cmd="stop_gracefully"/></action></nop>
  <label id="options"/>
  ${ok(true)}
  <label id="done"/>
</scenario>
`;
  return runSipp({
    target: `127.0.0.1:${testEnv.sipPort}`,
    scenario: 'scenario.xml',
    localIp: phone.ip,
    localPort: phone.sipPort,
    mediaPort: phone.mediaPort,
    files: { 'scenario.xml': scenario },
    args: ['-s', phone.number],
    timeoutMs,
  });
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
  mobileTrunkId = await createMobileCarrier(app, FAR_END_IP);
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
  await smtp?.close();
  await observer?.stop();
  await app?.close();
}, 60_000);

describe('follow-me on real calls', () => {
  it('the desk phone rings for its ring time, then the mobile rings and, once it pressed 1, is connected', async () => {
    const plan = await asteriskCli('dialplan show 1002@sb-followme');
    expect(plan).toContain(`Dial(PJSIP/1002,${DESK_RING})`);
    expect(plan).toContain(`Dial(Local/${MOBILE}@sb-confirm-external/n,40,b(sb-followme-leg^s^1(1002)))`);
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

  it('once 1002 may no longer forward externally, its stored mobile step does not dial out: the caller lands in voicemail', async () => {
    const revoke = await app.api('PUT', '/api/v1/extensions/1002/toll-limits', {
      body: { may_forward_externally: false },
    });
    expect(revoke.status).toBe(200);
    await app.applied();
    const call = callFromTrunk({
      did: DID,
      callerId: '3225551000',
      hangup: 'caller',
      holdMs: 2_000,
      answerTimeoutMs: 30_000,
    });
    const ch = await observer.channel('the carrier call in Asterisk', (c) =>
      c.name.startsWith('PJSIP/trunk-test-carrier'),
    );
    await observer.ran(ch, 'VoiceMail', '1002@switchboard', 30_000);
    await call;
    const legs = [...observer.channels.values()];
    expect(legs.some((c) => c.steps.some((st) => st.context === 'sb-fwd-refused'))).toBe(true);
    expect(legs.some((c) => c.name.startsWith('PJSIP/trunk-mobile-carrier'))).toBe(false);
  }, 60_000);
});

// The toll guard on real calls (issue 16): 1003 forwards its calls to a mobile or abroad; a trunk
// call forwarded out leaves only while 1003 may forward externally and is under its cap, and an
// international one only within 1003's spend limits. A refused call never reaches the far end:
// the carrier call is seen in Asterisk taking the voicemail or the refusal prompt instead.
describe('toll guard: forwarded trunk calls', () => {
  const DID3 = '3225550183';
  const MOBILE3 = '0470111222';
  const ABROAD = '00441632960000';
  const toLimits = (body: unknown) => app.api('PUT', '/api/v1/extensions/1003/toll-limits', { body });
  const forwardTo = (always: string) =>
    app.api('PUT', '/api/v1/extensions/1003/call-handling', { body: { forward: { always } } });
  const carrierCall = (callerId: string) =>
    observer.channel(
      `the carrier call from ${callerId}`,
      (c) => c.name.startsWith('PJSIP/trunk-test-carrier') && c.callerNumber === callerId,
    );
  const trunkDials = (ch: { steps: Array<{ app: string; data: string }> }) =>
    ch.steps.filter((st) => st.app === 'Dial' && st.data.includes('@trunk-'));

  beforeAll(async () => {
    const ext = await app.api('POST', '/api/v1/extensions', {
      body: {
        number: '1003',
        display_name: 'Forwarder',
        voicemail_enabled: true,
        classes: ['internal', 'national', 'international'],
      },
    });
    if (ext.status !== 201) throw new Error(`extension: ${ext.status} ${ext.text}`);
    await createInboundRoute(app, 'Forwarder line', DID3, { type: 'extension', target: '1003' });
    const intl = await app.api('POST', '/api/v1/outbound-routes', {
      body: { name: 'Abroad', patterns: ['_00X.'], class: 'international', trunk_ids: [mobileTrunkId] },
    });
    if (intl.status !== 201) throw new Error(`route: ${intl.status} ${intl.text}`);
    smtp = await startSmtp();
    const put = await app.api('PUT', '/api/v1/smtp', {
      body: { host: '127.0.0.1', port: smtp.port, tls_mode: 'none', from_address: 'pbx@example.test' },
    });
    if (put.status !== 200) throw new Error(`smtp: ${put.status} ${put.text}`);
    await app.api('PUT', '/api/v1/toll-guard/settings', { body: { alert_email: 'pbx-admin@example.test' } });
    await asteriskCli('database deltree sbspend');
    await app.applied();
  }, 120_000);

  it('a forward set while allowed does not dial out once the permission is gone: the caller gets 1003’s voicemail', async () => {
    expect((await toLimits({ may_forward_externally: true })).status).toBe(200);
    expect((await forwardTo(MOBILE3)).status).toBe(200);
    expect((await toLimits({ may_forward_externally: false })).status).toBe(200);
    await app.applied();
    // astdb still holds the forward: only the dialplan's own check stands between it and the trunk.
    expect(await asteriskCli('database get sb cfu/1003')).toContain(MOBILE3);
    const call = callFromTrunk({ did: DID3, callerId: '3225551001', hangup: 'caller', holdMs: 3_000 });
    const ch = await carrierCall('3225551001');
    await observer.ran(ch, 'VoiceMail', '1003@switchboard');
    expect((await call).ok).toBe(true);
    expect(trunkDials(ch)).toEqual([]);
  }, 60_000);

  it('allowed with a cap of 1: the first forwarded call leaves, the second (while it lasts) goes to voicemail', async () => {
    expect((await toLimits({ may_forward_externally: true, forward_max_concurrent: 1 })).status).toBe(200);
    await app.applied();
    const mobile = farEnd({ ip: FAR_END_IP, mediaPort: 26_240, timeoutMs: 40_000 });
    await listening(FAR_END_IP, 5060);
    const first = callFromTrunk({ did: DID3, callerId: '3225551002', hangup: 'caller', holdMs: 12_000 });
    const out = await carrierCall('3225551002');
    await observer.ran(out, 'Dial', `PJSIP/${MOBILE3}@trunk-mobile-carrier`);
    await waitFor('the first call to be counted', async () =>
      /\b1003\s+sb-fwd\b/.test(await asteriskCli('group show channels')),
    );
    const second = callFromTrunk({ did: DID3, callerId: '3225551003', hangup: 'caller', holdMs: 3_000 });
    const over = await carrierCall('3225551003');
    await observer.ran(over, 'VoiceMail', '1003@switchboard');
    expect(trunkDials(over)).toEqual([]);
    const [a, b, m] = await Promise.all([first, second, mobile]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(m.requests.filter((r) => r === 'INVITE')).toHaveLength(1);
  }, 90_000);

  it('112 cannot be set as a forward, even when allowed', async () => {
    const res = await forwardTo('112');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/emergency numbers and short codes/);
  });

  it('the international daily limit refuses the next call with a prompt and emails the admin', async () => {
    expect(
      (
        await toLimits({
          may_forward_externally: true,
          forward_max_concurrent: 5,
          international: { max_concurrent: null, max_daily: 1 },
        })
      ).status,
    ).toBe(200);
    expect((await forwardTo(ABROAD)).status).toBe(200);
    await app.applied();
    const abroad = farEnd({ ip: FAR_END_IP, mediaPort: 26_260, timeoutMs: 40_000 });
    await listening(FAR_END_IP, 5060);
    const first = await callFromTrunk({ did: DID3, callerId: '3225551004', hangup: 'caller', holdMs: 3_000 });
    expect(first.ok).toBe(true);
    const m = await abroad;
    expect(m.requests).toContain('INVITE');
    // The caller is answered by the refusal prompt; Asterisk may hang up before sipp does.
    const call = callFromTrunk({ did: DID3, callerId: '3225551005', hangup: 'caller', holdMs: 2_000 });
    const refused = await carrierCall('3225551005');
    await observer.ran(refused, 'Playback', 'cannot-complete-as-dialed');
    expect(trunkDials(refused)).toEqual([]);
    await call;
    const [mail] = await smtp.waitFor(1);
    expect(mail!.subject).toBe(
      'Switchboard spend guard: extension 1003 reached its daily international limit',
    );
    expect(mail!.text).toContain(`Number dialled: ${ABROAD}`);
    expect(smtp.recipients[0]).toEqual(['pbx-admin@example.test']);
    const alerts = await app.api('GET', '/api/v1/toll-guard/alerts');
    expect(alerts.body.items[0]).toMatchObject({
      scope: 'extension',
      subject: '1003',
      limit_kind: 'daily',
      dialled: ABROAD,
      email_status: 'sent',
    });
    // The wallboard shows it too (its snapshot is rebuilt on its own poll).
    const board = await waitFor('the alert on the wallboard', async () => {
      const res = await app.api('GET', '/api/v1/wallboard');
      return res.body.alerts?.length ? res.body.alerts : null;
    });
    expect(board[0].text).toBe('extension 1003 reached its daily international limit');
  }, 90_000);

  it('a trunk at its concurrent international limit does not take the next call: no trunk left, the caller hears so', async () => {
    const ext = await toLimits({
      may_forward_externally: true,
      forward_max_concurrent: 5,
      international: { max_concurrent: null, max_daily: null },
    });
    expect(ext.status).toBe(200);
    const trunk = await app.api('PUT', `/api/v1/trunks/${mobileTrunkId}/toll-limits`, {
      body: { international: { max_concurrent: 1 } },
    });
    expect(trunk.status).toBe(200);
    await app.applied();
    const abroad = farEnd({ ip: FAR_END_IP, mediaPort: 26_280, timeoutMs: 40_000 });
    await listening(FAR_END_IP, 5060);
    const first = callFromTrunk({ did: DID3, callerId: '3225551006', hangup: 'caller', holdMs: 10_000 });
    const out = await carrierCall('3225551006');
    await observer.ran(out, 'Dial', `PJSIP/${ABROAD}@trunk-mobile-carrier`);
    const second = callFromTrunk({ did: DID3, callerId: '3225551007', hangup: 'caller', holdMs: 2_000 });
    const refused = await carrierCall('3225551007');
    await observer.ran(refused, 'Playback', 'all-circuits-busy-now');
    expect(trunkDials(refused)).toEqual([]);
    const mails = await smtp.waitFor(2);
    expect(mails[1]!.subject).toBe(
      'Switchboard spend guard: trunk mobile-carrier reached its concurrent international limit',
    );
    await Promise.all([first, second, abroad]);
  }, 90_000);

  // Issue 16's blind-transfer hole: an outside call answered on 1004 and blind-transferred abroad
  // runs on the carrier's channel (endpoint trunk-test-carrier), which is no extension's. It is
  // 1004's call (BLINDTRANSFER names 1004's channel): it needs 1004's "may forward externally"
  // and counts against 1004's international limits. Its concurrent count sits on the outgoing
  // trunk channel, the one that lasts as long as the international call.
  describe('a trunk call blind-transferred abroad', () => {
    const DID4 = '3225550184';
    const PHONE4_IP = '127.0.4.24';
    let secret4: string;

    const transfer = async (callerId: string) => {
      const phone = await registeredPhone('1004', secret4, PHONE4_IP);
      const run = transferringPhone(phone, ABROAD, 30_000);
      await phoneReady(phone);
      const call = callFromTrunk({ did: DID4, callerId, hangup: 'caller', holdMs: 6_000 });
      const ch = await carrierCall(callerId);
      await observer.ran(ch, 'Gosub', 'sb-toll-guard');
      return { ch, call, run };
    };

    beforeAll(async () => {
      const ext = await app.api('POST', '/api/v1/extensions', {
        body: {
          number: '1004',
          display_name: 'Transferer',
          voicemail_enabled: true,
          classes: ['internal', 'national', 'international'],
        },
      });
      if (ext.status !== 201) throw new Error(`extension: ${ext.status} ${ext.text}`);
      secret4 = ext.body.sip_secret;
      await createInboundRoute(app, 'Transferer line', DID4, { type: 'extension', target: '1004' });
      const trunk = await app.api('PUT', `/api/v1/trunks/${mobileTrunkId}/toll-limits`, {
        body: { international: { max_concurrent: 3 } },
      });
      if (trunk.status !== 200) throw new Error(`trunk limits: ${trunk.status} ${trunk.text}`);
      await app.applied();
    }, 60_000);

    it('without "may forward externally" the transfer does not leave: the caller gets 1004’s voicemail', async () => {
      const { ch, call, run } = await transfer('3225551008');
      await observer.ran(ch, 'VoiceMail', '1004@switchboard');
      expect(trunkDials(ch)).toEqual([]);
      const [caller, phone] = await Promise.all([call, run]);
      expect(caller.ok).toBe(true);
      expect(phone.code).toBe(0); // REFER accepted, NOTIFYs answered, hung up as scripted
    }, 60_000);

    it('allowed, the first leaves and counts on the outgoing channel; past the daily limit of 1 the next is refused and alerted', async () => {
      const limits = await app.api('PUT', '/api/v1/extensions/1004/toll-limits', {
        body: { may_forward_externally: true, international: { max_concurrent: null, max_daily: 1 } },
      });
      expect(limits.status).toBe(200);
      await app.applied();
      const abroad = farEnd({ ip: FAR_END_IP, mediaPort: 26_300, timeoutMs: 40_000 });
      await listening(FAR_END_IP, 5060);
      const first = await transfer('3225551009');
      await observer.ran(first.ch, 'Dial', `PJSIP/${ABROAD}@trunk-mobile-carrier`);
      // Once 1004 has hung up, both international counts sit on the outgoing channel, none on
      // the carrier's.
      await waitFor('1004 to hang up after its transfer', async () =>
        /^PJSIP\/1004-/m.test(await asteriskCli('core show channels concise')) ? null : true,
      );
      const groups = await waitFor('the international call to be counted', async () => {
        const out = await asteriskCli('group show channels');
        return /PJSIP\/trunk-mobile-carrier-\S+\s+1004\s+sb-intl-e/.test(out) ? out : null;
      });
      expect(groups).toMatch(/PJSIP\/trunk-mobile-carrier-\S+\s+mobile-carrier\s+sb-intl-t/);
      expect(groups).not.toMatch(/PJSIP\/trunk-test-carrier-\S+\s+\S+\s+sb-intl-/);
      // Each trunk's channel count on its own channel: the transferred inbound call still counts
      // on test-carrier, the outgoing one on mobile-carrier.
      expect(groups).toMatch(/PJSIP\/trunk-test-carrier-\S+\s+test-carrier\s+sb-trunk\b/);
      expect(groups).toMatch(/PJSIP\/trunk-mobile-carrier-\S+\s+mobile-carrier\s+sb-trunk\b/);
      const [, phone] = await Promise.all([first.call, first.run]);
      expect(phone.code).toBe(0);
      const m = await abroad;
      expect(m.requests.filter((r) => r === 'INVITE')).toHaveLength(1);

      const second = await transfer('3225551010');
      await observer.ran(second.ch, 'Playback', 'cannot-complete-as-dialed');
      expect(trunkDials(second.ch)).toEqual([]);
      await Promise.all([second.call, second.run]);
      const alerts = await waitFor('the alert for 1004', async () => {
        const res = await app.api('GET', '/api/v1/toll-guard/alerts');
        return res.body.items.find((a: { subject: string }) => a.subject === '1004') ?? null;
      });
      expect(alerts).toMatchObject({ scope: 'extension', limit_kind: 'daily', dialled: ABROAD });
    }, 120_000);
  });
});
