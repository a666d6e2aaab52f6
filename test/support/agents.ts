import { join } from 'node:path';
import { runSipp, type SippRun, SUPPORT_SCENARIOS } from '../carrier/sipp';
import { createExtensions as createAppExtensions, type TestApp } from './app';
import { mainAri, waitFor } from './asterisk';
import { testEnv } from './env';
import { type Phone, phoneFor, register, succeeded } from './sip';

// Queue agents for end-to-end tests: extensions whose phones (sipp, agent.xml) stay registered
// and answer every call they get, and probes of Asterisk (ARI) that tell which agent took the
// call of which caller.

export interface AgentPhone {
  ext: string;
  secret: string;
  phone: Phone;
  // Resolves when the phone's sipp exits (killed at the end, or on a scenario failure).
  exited: Promise<SippRun>;
}

// The agents' extensions, "Agent <number>"; returns their SIP secrets.
export function createExtensions(app: TestApp, exts: readonly string[]): Promise<Map<string, string>> {
  return createAppExtensions(app, exts, { label: 'Agent' });
}

// Registers the extension (for an hour: the tests outlast the 60 s default) and keeps a phone
// answering on the registered port until the run is killed (killAllCarrierSipp).
export async function startAgentPhone(
  ext: string,
  secret: string,
  timeoutMs = 15 * 60_000,
): Promise<AgentPhone> {
  const phone = await phoneFor(ext, secret);
  await succeeded(register(phone, { expires: 3600 }));
  const exited = runSipp({
    target: `127.0.0.1:${testEnv.sipPort}`,
    scenario: join(SUPPORT_SCENARIOS, 'agent.xml'),
    localPort: phone.sipPort,
    mediaPort: phone.mediaPort,
    args: ['-s', ext],
    timeoutMs,
  });
  return { ext, secret, phone, exited };
}

interface AriChannel {
  id: string;
  name: string;
  state: string;
  caller?: { number?: string };
  connected?: { number?: string };
}

interface AriBridge {
  id: string;
  channels: string[];
}

// The extension whose phone is in a call with the caller (by caller number) right now, or null.
export async function agentTalkingTo(callerNumber: string): Promise<string | null> {
  const [channels, bridges] = await Promise.all([
    mainAri<AriChannel[]>('GET', '/channels'),
    mainAri<AriBridge[]>('GET', '/bridges'),
  ]);
  const byId = new Map(channels.map((c) => [c.id, c]));
  const caller = channels.find((c) => !/^PJSIP\/[0-9]+-/.test(c.name) && c.caller?.number === callerNumber);
  if (!caller) return null;
  for (const b of bridges) {
    if (!b.channels.includes(caller.id)) continue;
    for (const id of b.channels) {
      const m = /^PJSIP\/([0-9]+)-/.exec(byId.get(id)?.name ?? '');
      if (m && byId.get(id)?.state === 'Up') return m[1]!;
    }
  }
  return null;
}

export function waitForAgent(callerNumber: string, timeoutMs = 15_000): Promise<string> {
  return waitFor(`an agent to be talking to ${callerNumber}`, () => agentTalkingTo(callerNumber), timeoutMs);
}

// Channels of this test still up (callers waiting, agents talking): none should outlive a test.
export async function hangUpAll(): Promise<void> {
  const channels = await mainAri<AriChannel[]>('GET', '/channels').catch(() => []);
  await Promise.all(
    channels.map((c) => mainAri('DELETE', `/channels/${encodeURIComponent(c.id)}`).catch(() => undefined)),
  );
}
