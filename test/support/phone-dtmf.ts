import { join } from 'node:path';
import { runSipp, type SippRun } from '../carrier/sipp';
import { dtmfPcap } from './dtmf-pcap';
import { testEnv } from './env';
import type { Phone } from './sip';

// An extension dials a number (a feature code) and keys RFC 2833 DTMF once answered (see
// dtmf-pcap.ts), then waits for Asterisk to hang up.

const SCENARIO = join(__dirname, 'sipp', 'call-dtmf.xml');

export interface DtmfCallResult extends SippRun {
  ok: boolean; // answered, and Asterisk hung up
}

// `phone` need not be registered: the INVITE itself authenticates as the extension.
export async function dialWithKeys(
  phone: Phone,
  to: string,
  keys: string,
  opts: { leadMs?: number; gapMs?: number } = {},
): Promise<DtmfCallResult> {
  const run = await runSipp({
    target: `127.0.0.1:${testEnv.sipPort}`,
    scenario: SCENARIO,
    localPort: phone.sipPort,
    mediaPort: phone.mediaPort,
    files: { 'dtmf.pcap': dtmfPcap(keys, { leadMs: opts.leadMs ?? 1500, gapMs: opts.gapMs ?? 600 }) },
    args: ['-m', '1', '-s', to, '-key', 'caller', phone.number, '-au', phone.number, '-ap', phone.secret],
    timeoutMs: 120_000,
  });
  return { ...run, ok: run.code === 0 };
}
