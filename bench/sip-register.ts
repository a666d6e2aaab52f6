import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

// A minimal SIP REGISTER with digest authentication over UDP: sipp's process start-up alone
// takes longer than the latencies this benchmark measures.
export async function sipRegister(opts: {
  server: string;
  port: number;
  user: string;
  password: string;
  localPort?: number;
  timeoutMs?: number;
}): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(opts.localPort ?? 0, '127.0.0.1', resolve));
  const local = sock.address().port;
  const callId = randomBytes(8).toString('hex');
  const tag = randomBytes(4).toString('hex');
  const uri = `sip:${opts.server}:${opts.port}`;
  let cseq = 1;
  const build = (auth?: string) =>
    [
      `REGISTER ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${opts.user}@${opts.server}>;tag=${tag}`,
      `To: <sip:${opts.user}@${opts.server}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq++} REGISTER`,
      `Contact: <sip:${opts.user}@127.0.0.1:${local}>`,
      'Expires: 60',
      ...(auth ? [`Authorization: ${auth}`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  const exchange = (msg: string) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('SIP timeout')), opts.timeoutMs ?? 2000);
      sock.once('message', (data) => {
        clearTimeout(timer);
        resolve(data.toString());
      });
      sock.send(msg, opts.port, opts.server);
    });
  try {
    let res = await exchange(build());
    if (res.startsWith('SIP/2.0 401')) {
      const header = /WWW-Authenticate:\s*Digest\s+(.*)/i.exec(res)?.[1] ?? '';
      const param = (k: string) => new RegExp(`${k}="?([^",]+)"?`).exec(header)?.[1] ?? '';
      const realm = param('realm');
      const nonce = param('nonce');
      const qop = param('qop') ? 'auth' : '';
      const ha1 = md5(`${opts.user}:${realm}:${opts.password}`);
      const ha2 = md5(`REGISTER:${uri}`);
      const cnonce = randomBytes(4).toString('hex');
      const response = qop
        ? md5(`${ha1}:${nonce}:00000001:${cnonce}:${qop}:${ha2}`)
        : md5(`${ha1}:${nonce}:${ha2}`);
      const auth = `Digest username="${opts.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5${qop ? `, qop=${qop}, nc=00000001, cnonce="${cnonce}"` : ''}`;
      res = await exchange(build(auth));
    }
    return Number(/^SIP\/2\.0 (\d{3})/.exec(res)?.[1] ?? 0);
  } finally {
    sock.close();
  }
}
