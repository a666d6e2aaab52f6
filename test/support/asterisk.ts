import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Ari } from '../../src/asterisk/ari';
import { createLogger } from '../../src/lib/log';
import { testEnv } from './env';

const run = promisify(execFile);

export async function sandbox(command: 'start' | 'stop' | 'status', args: string[] = []): Promise<string> {
  const { stdout } = await run('bash', [testEnv.sandboxScript, command, ...args], {
    env: process.env,
    timeout: 90_000,
  });
  return stdout;
}

// A CLI command on the suite's Asterisk, straight through its control socket in the chroot.
export async function asteriskCli(command: string): Promise<string> {
  const { stdout } = await run('chroot', [testEnv.sandboxDir, 'asterisk', '-rx', command], {
    timeout: 30_000,
  });
  return stdout;
}

// The contacts Asterisk keeps in astdb for a number. `database show` matches whole key segments
// only, so the `<n>;@` prefix is asked for in SQL.
export async function storedContacts(number: string): Promise<string[]> {
  if (!/^[0-9]+$/.test(number)) throw new Error(`not an extension number: ${number}`);
  const out = await asteriskCli(
    `database query "SELECT key FROM astdb WHERE key LIKE '/registrar/contact/${number};@%'"`,
  );
  return out.match(/\/registrar\/contact\/\S+/g) ?? [];
}

// Reads a PJSIP object as Asterisk holds it right now (memory copy or file), through ARI.
export type AriObject = Record<string, string> & { password?: string; allow?: string };

export async function ariObject(type: string, id: string): Promise<AriObject | null> {
  const res = await fetch(`${testEnv.ariUrl}/ari/asterisk/config/dynamic/res_pjsip/${type}/${id}`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${testEnv.ariUsername}:${testEnv.ariPassword}`).toString('base64')}`,
    },
  });
  if (res.status === 404) {
    await res.arrayBuffer();
    return null;
  }
  const fields = (await res.json()) as Array<{ attribute: string; value: string }>;
  return Object.fromEntries(fields.map((f) => [f.attribute, f.value]));
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A REST call to the main sandbox's ARI through the product's own adapter.
export function mainAri<T>(method: string, path: string): Promise<T> {
  const ari = new Ari(
    { url: testEnv.ariUrl, username: testEnv.ariUsername, password: testEnv.ariPassword, app: 'tests' },
    createLogger('silent'),
  );
  return ari.request<T>(method, path, undefined, 5_000);
}

// A failed test must not leave a call up: its RTP and retransmissions would reach the next one.
// Hangs up the main sandbox's channels that match (all by default) and waits until they are gone.
export async function hangUpChannels(match: (c: { id: string; name: string }) => boolean = () => true) {
  const ours = async () =>
    (await mainAri<Array<{ id: string; name: string }>>('GET', '/channels').catch(() => [])).filter(match);
  for (const c of await ours()) await mainAri('DELETE', `/channels/${c.id}`).catch(() => undefined);
  await waitFor('leftover channels to hang up', async () => (await ours()).length === 0, 10_000);
}
