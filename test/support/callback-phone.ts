import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { testEnv } from './env';
import { registerWithDigest, sipStatus } from './sip-register';

// A small real SIP user agent over UDP for the queue-callback tests: an agent's phone (registers
// with digest auth and takes the queue's calls) or the far end of an IP trunk (the caller's own
// number being called back). It answers, rings or refuses each INVITE as told, answers
// re-INVITEs, OPTIONS and BYE, hangs up on command, and records every INVITE it received with the
// time it arrived: the tests count dials and order them across phones from these records.
// sipp runs one scenario per process and cannot be told "now hang up this call" from the
// test, which these tests need (an agent finishing a call frees them for the next one).

export interface ReceivedInvite {
  at: number; // Date.now() on arrival
  callId: string;
  user: string; // the Request-URI's user part (the number dialled)
  fromNumber: string; // the caller ID number Asterisk presented
}

export type AnswerMode = 'answer' | 'ring' | 'busy';

interface Dialog {
  callId: string;
  invite: string; // the INVITE as received
  remote: RemoteInfo;
  localTag: string;
  remoteUri: string; // the INVITE's Contact: where in-dialog requests go
  fromHeader: string;
  toHeader: string; // with our tag
  state: 'ringing' | 'up' | 'ended';
  retransmit: NodeJS.Timeout | null;
  endedBy: 'remote' | 'local' | null;
}

export interface TestPhone {
  readonly ip: string;
  readonly port: number;
  readonly invites: ReceivedInvite[];
  mode: AnswerMode;
  answerAfterMs: number;
  // Calls now up (answered and not yet hung up).
  activeCalls(): string[];
  ringingCalls(): string[];
  answer(callId: string): void;
  hangup(callId: string): void;
  hangupAll(): void;
  close(): Promise<void>;
}

const header = (msg: string, name: string): string =>
  new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(msg)?.[1]?.trim() ?? '';
const allHeaders = (msg: string, name: string): string[] =>
  [...msg.matchAll(new RegExp(`^${name}:\\s*(.*)$`, 'gim'))].map((m) => m[0]);

export async function startPhone(opts: {
  ip?: string; // default 127.0.0.1
  port?: number; // default: any free port
  user: string;
  mode?: AnswerMode;
  answerAfterMs?: number;
}): Promise<TestPhone & { register(password: string, expires?: number): Promise<number> }> {
  const ip = opts.ip ?? '127.0.0.1';
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port ?? 0, ip, () => resolve());
  });
  const port = sock.address().port;
  const media = createSocket('udp4');
  await new Promise<void>((resolve) => media.bind(0, ip, () => resolve()));
  const mediaPort = media.address().port;
  media.on('message', () => undefined);

  const dialogs = new Map<string, Dialog>();
  const invites: ReceivedInvite[] = [];
  let cseq = 1;
  let waiting: { callId: string; resolve(msg: string): void } | null = null;
  const send = (text: string, to: { address: string; port: number }) => sock.send(text, to.port, to.address);
  const sdp = () =>
    [
      'v=0',
      `o=- ${Date.now()} ${Date.now()} IN IP4 ${ip}`,
      's=-',
      `c=IN IP4 ${ip}`,
      't=0 0',
      `m=audio ${mediaPort} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=sendrecv',
      '',
    ].join('\r\n');
  const respond = (req: string, remote: RemoteInfo, status: string, toHeader?: string, body?: string) => {
    const lines = [
      `SIP/2.0 ${status}`,
      ...allHeaders(req, 'Via'),
      `From: ${header(req, 'From')}`,
      `To: ${toHeader ?? header(req, 'To')}`,
      `Call-ID: ${header(req, 'Call-ID')}`,
      `CSeq: ${header(req, 'CSeq')}`,
      `Contact: <sip:${opts.user}@${ip}:${port}>`,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body ?? '')}`,
      '',
      body ?? '',
    ];
    send(lines.join('\r\n'), remote);
  };

  const phone = {
    ip,
    port,
    invites,
    mode: opts.mode ?? 'answer',
    answerAfterMs: opts.answerAfterMs ?? 300,
    activeCalls: () => [...dialogs.values()].filter((d) => d.state === 'up').map((d) => d.callId),
    ringingCalls: () => [...dialogs.values()].filter((d) => d.state === 'ringing').map((d) => d.callId),
    answer(callId: string) {
      const d = dialogs.get(callId);
      if (d?.state !== 'ringing') return;
      d.state = 'up';
      const ok = () => respond(d.invite, d.remote, '200 OK', d.toHeader, sdp());
      ok();
      let tries = 0;
      // Retransmitted until the ACK (RFC 3261 17.2.1), as the network may drop it.
      d.retransmit = setInterval(() => {
        if (++tries > 8) clearInterval(d.retransmit!);
        else ok();
      }, 500);
    },
    hangup(callId: string) {
      const d = dialogs.get(callId);
      if (!d || d.state === 'ended') return;
      if (d.state === 'ringing') {
        respond(d.invite, d.remote, '486 Busy Here', d.toHeader);
        d.state = 'ended';
        d.endedBy = 'local';
        return;
      }
      d.state = 'ended';
      d.endedBy = 'local';
      if (d.retransmit) clearInterval(d.retransmit);
      const target = /<([^>]+)>/.exec(d.remoteUri)?.[1] ?? d.remoteUri;
      const bye = [
        `BYE ${target} SIP/2.0`,
        `Via: SIP/2.0/UDP ${ip}:${port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        'Max-Forwards: 70',
        `From: ${d.toHeader}`,
        `To: ${d.fromHeader}`,
        `Call-ID: ${d.callId}`,
        `CSeq: ${1000 + cseq++} BYE`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      send(bye, d.remote);
    },
    hangupAll() {
      for (const d of dialogs.values()) if (d.state !== 'ended') phone.hangup(d.callId);
    },
    async register(password: string, expires = 300): Promise<number> {
      const res = await registerWithDigest({
        server: '127.0.0.1',
        port: testEnv.sipPort,
        user: opts.user,
        password,
        contact: { host: ip, port },
        callId: randomBytes(8).toString('hex'),
        tag: randomBytes(4).toString('hex'),
        expires,
        nextCSeq: () => cseq++,
        exchange: (msg) =>
          new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('REGISTER timed out')), 3000);
            waiting = {
              callId: header(msg, 'Call-ID'),
              resolve: (res) => {
                clearTimeout(timer);
                resolve(res);
              },
            };
            send(msg, { address: '127.0.0.1', port: testEnv.sipPort });
          }),
      });
      return sipStatus(res);
    },
    async close() {
      for (const d of dialogs.values()) if (d.retransmit) clearInterval(d.retransmit);
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      await new Promise<void>((resolve) => media.close(() => resolve()));
    },
  };

  sock.on('message', (data, remote) => {
    const msg = data.toString();
    const status = /^SIP\/2\.0 (\d{3})/.exec(msg);
    if (status) {
      if (waiting && Number(status[1]) >= 200 && header(msg, 'Call-ID') === waiting.callId) {
        const w = waiting;
        waiting = null;
        w.resolve(msg);
      }
      return;
    }
    const method = msg.split(' ', 1)[0];
    const callId = header(msg, 'Call-ID');
    const d = dialogs.get(callId);
    if (method === 'INVITE') {
      if (d) {
        // A retransmission while ringing is ignored; a re-INVITE in the dialog is accepted.
        if (d.state === 'up') respond(msg, remote, '200 OK', d.toHeader, sdp());
        return;
      }
      const localTag = randomBytes(4).toString('hex');
      const dialog: Dialog = {
        callId,
        invite: msg,
        remote,
        localTag,
        remoteUri: header(msg, 'Contact'),
        fromHeader: header(msg, 'From'),
        toHeader: `${header(msg, 'To')};tag=${localTag}`,
        state: 'ringing',
        retransmit: null,
        endedBy: null,
      };
      dialogs.set(callId, dialog);
      invites.push({
        at: Date.now(),
        callId,
        user: /^INVITE sip:([^@;>\s]+)/.exec(msg)?.[1] ?? '',
        fromNumber: /sip:([^@;>]+)@/.exec(header(msg, 'From'))?.[1] ?? '',
      });
      respond(msg, remote, '100 Trying');
      if (phone.mode === 'busy') {
        respond(msg, remote, '486 Busy Here', dialog.toHeader);
        dialog.state = 'ended';
        return;
      }
      respond(msg, remote, '180 Ringing', dialog.toHeader);
      if (phone.mode === 'answer') setTimeout(() => phone.answer(callId), phone.answerAfterMs);
      return;
    }
    if (method === 'ACK') {
      if (d?.retransmit) clearInterval(d.retransmit);
      if (d) d.retransmit = null;
      return;
    }
    if (method === 'CANCEL') {
      respond(msg, remote, '200 OK');
      if (d && d.state === 'ringing') {
        respond(d.invite, d.remote, '487 Request Terminated', d.toHeader);
        d.state = 'ended';
        d.endedBy = 'remote';
      }
      return;
    }
    if (method === 'BYE') {
      respond(msg, remote, '200 OK');
      if (d) {
        if (d.retransmit) clearInterval(d.retransmit);
        d.state = 'ended';
        d.endedBy = 'remote';
      }
      return;
    }
    // OPTIONS (qualify), NOTIFY, UPDATE, INFO: accepted.
    respond(msg, remote, '200 OK');
  });

  return phone;
}
