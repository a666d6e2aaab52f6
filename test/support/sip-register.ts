import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

// One REGISTER transaction with digest authentication, whatever carries it: the first REGISTER
// goes out without credentials and, on a 401, once more with the answer to the challenge.
// `exchange` sends a request and resolves with the final response to it (that CSeq).
export interface DigestRegister {
  server: string; // the registrar's address, in the request URI and the From/To
  port: number;
  user: string;
  authUser?: string; // the digest username when it is not `user`
  password: string;
  contact: { host: string; port: number }; // where the phone listens (Via and Contact)
  callId: string;
  tag: string;
  expires: number;
  userAgent?: string;
  nextCSeq(): number;
  exchange(request: string, cseq: number): Promise<string>;
}

// Resolves with the final response (the status line first).
export async function registerWithDigest(r: DigestRegister): Promise<string> {
  const uri = `sip:${r.server}:${r.port}`;
  const send = (auth?: string) => {
    const cseq = r.nextCSeq();
    const request = [
      `REGISTER ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${r.contact.host}:${r.contact.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${r.user}@${r.server}>;tag=${r.tag}`,
      `To: <sip:${r.user}@${r.server}>`,
      `Call-ID: ${r.callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: <sip:${r.user}@${r.contact.host}:${r.contact.port}>`,
      `Expires: ${r.expires}`,
      ...(r.userAgent ? [`User-Agent: ${r.userAgent}`] : []),
      ...(auth ? [`Authorization: ${auth}`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return r.exchange(request, cseq);
  };
  const res = await send();
  if (!res.startsWith('SIP/2.0 401')) return res;
  const challenge = /WWW-Authenticate:\s*Digest\s+(.*)/i.exec(res)?.[1] ?? '';
  const param = (k: string) => new RegExp(`${k}="?([^",]+)"?`).exec(challenge)?.[1] ?? '';
  const realm = param('realm');
  const nonce = param('nonce');
  const qop = param('qop') ? 'auth' : '';
  const authUser = r.authUser ?? r.user;
  const ha1 = md5(`${authUser}:${realm}:${r.password}`);
  const ha2 = md5(`REGISTER:${uri}`);
  const cnonce = randomBytes(4).toString('hex');
  const response = qop
    ? md5(`${ha1}:${nonce}:00000001:${cnonce}:${qop}:${ha2}`)
    : md5(`${ha1}:${nonce}:${ha2}`);
  return send(
    `Digest username="${authUser}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5${qop ? `, qop=${qop}, nc=00000001, cnonce="${cnonce}"` : ''}`,
  );
}

export const sipStatus = (response: string): number => Number(/^SIP\/2\.0 (\d{3})/.exec(response)?.[1] ?? 0);

// A minimal SIP REGISTER with digest authentication over UDP: sipp's process start-up alone
// takes longer than the latencies this benchmark measures.
export interface RegisterOptions {
  server: string;
  port: number;
  user: string;
  authUser?: string;
  password: string;
  localPort?: number;
  localAddress?: string; // the loopback address to send from (127.0.0.1 unless given)
  timeoutMs?: number;
  expires?: number;
  userAgent?: string;
}

export async function sipRegister(opts: RegisterOptions): Promise<number> {
  const phone = await registeredPhone(opts);
  phone.close();
  return phone.status;
}

// Registers and stays up answering Asterisk's qualify OPTIONS with 200, as a real phone does,
// until close(): otherwise Asterisk marks the contact unreachable at once. NOTIFY requests
// (unsolicited message-waiting indication) are answered 200 and kept in `notifies`.
export async function registeredPhone(
  opts: RegisterOptions,
): Promise<{ status: number; notifies: string[]; close(): void }> {
  const sock = createSocket('udp4');
  const localAddress = opts.localAddress ?? '127.0.0.1';
  await new Promise<void>((resolve) => sock.bind(opts.localPort ?? 0, localAddress, resolve));
  const local = sock.address().port;
  const callId = randomBytes(8).toString('hex');
  const tag = randomBytes(4).toString('hex');
  let cseq = 1;
  // One listener for the socket's life: it answers Asterisk's qualify OPTIONS (as a real phone
  // does) and hands over only the final response to our own REGISTER transaction, so a stray or
  // retransmitted packet on a reused port is never taken for the answer.
  let waiting: { cseq: number; resolve(msg: string): void } | null = null;
  const notifies: string[] = [];
  sock.on('message', (data, rinfo) => {
    const msg = data.toString();
    if (msg.startsWith('NOTIFY ')) notifies.push(msg);
    if (msg.startsWith('OPTIONS ') || msg.startsWith('NOTIFY ')) {
      const headers = msg.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
      sock.send(
        ['SIP/2.0 200 OK', ...headers, 'Content-Length: 0', '', ''].join('\r\n'),
        rinfo.port,
        rinfo.address,
      );
      return;
    }
    const status = sipStatus(msg);
    if (!waiting || status < 200 || !msg.includes(`Call-ID: ${callId}`)) return;
    if (!new RegExp(`CSeq:\\s*${waiting.cseq} REGISTER`, 'i').test(msg)) return;
    const { resolve } = waiting;
    waiting = null;
    resolve(msg);
  });
  const exchange = (msg: string, sent: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('SIP timeout')), opts.timeoutMs ?? 2000);
      waiting = {
        cseq: sent,
        resolve: (res) => {
          clearTimeout(timer);
          resolve(res);
        },
      };
      sock.send(msg, opts.port, opts.server);
    });
  try {
    const res = await registerWithDigest({
      server: opts.server,
      port: opts.port,
      user: opts.user,
      ...(opts.authUser ? { authUser: opts.authUser } : {}),
      password: opts.password,
      contact: { host: localAddress, port: local },
      callId,
      tag,
      expires: opts.expires ?? 60,
      userAgent: opts.userAgent ?? 'switchboard-test',
      nextCSeq: () => cseq++,
      exchange,
    });
    return { status: sipStatus(res), notifies, close: () => sock.close() };
  } catch (err) {
    sock.close();
    throw err;
  }
}
