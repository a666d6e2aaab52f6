import type { RegistrationLine } from '../asterisk/control';
import type { Deps } from '../deps';
import type { TrunkRow } from './repo';
import type { TrunkStatus } from './schema';

// The trunks page polls every 3 s and /readyz is probed by monitors: each read spawns a CLI
// process or makes an AMI round trip, so one answer serves every caller for a couple of seconds.
const CLI_TTL_MS = 2_000;
type Lines = RegistrationLine[];
const cache = new WeakMap<Deps['control'], { at: number; lines: Promise<Lines> }>();

function registrationLines(control: Deps['control']): Promise<Lines> {
  const hit = cache.get(control);
  if (hit && Date.now() - hit.at <= CLI_TTL_MS) return hit.lines;
  const lines = control.outboundRegistrations();
  cache.set(control, { at: Date.now(), lines });
  // A failed read is not remembered: the next caller tries again.
  lines.catch(() => {
    if (cache.get(control)?.lines === lines) cache.delete(control);
  });
  return lines;
}

const REASONS: Record<string, string> = {
  Rejected:
    'the carrier refused the registration (401/403: check the username and password); Asterisk retries after the next change to this trunk',
  Stopped: 'registration stopped by Asterisk',
};

// Live, from Asterisk: registration through the CLI or the AMI (ARI does not expose it), reachability from
// the trunk endpoint's ARI state (qualify OPTIONS).
export async function trunkStatuses(
  deps: Pick<Deps, 'ari' | 'control' | 'log'>,
  trunks: TrunkRow[],
): Promise<Map<number, TrunkStatus>> {
  const result = new Map<number, TrunkStatus>();
  if (trunks.length === 0) return result;
  let registrations: Lines | null = null;
  let endpoints: Map<string, string> | null = null;
  try {
    if (trunks.some((t) => t.kind === 'registration')) registrations = await registrationLines(deps.control);
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'trunk registration status unavailable');
  }
  try {
    endpoints = new Map(
      (await deps.ari.listEndpoints('PJSIP')).map((e) => [e.resource, e.state ?? 'unknown']),
    );
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'trunk reachability unavailable');
  }
  for (const t of trunks) {
    const id = `trunk-${t.name}`;
    const state = endpoints?.get(id);
    const reachability =
      !t.qualify || !state
        ? 'unknown'
        : state === 'online'
          ? 'reachable'
          : state === 'offline'
            ? 'unreachable'
            : 'unknown';
    if (t.kind === 'ip') {
      result.set(t.id, { registration: 'not_applicable', reason: null, reachability });
      continue;
    }
    const line = registrations?.find((r) => r.id === id);
    if (!registrations || !line) {
      result.set(t.id, {
        registration: 'unknown',
        reason: registrations
          ? 'Asterisk has no registration for this trunk yet'
          : deps.control.via === 'cli'
            ? 'the Asterisk CLI is unreachable'
            : 'the Asterisk manager interface (AMI) is unreachable',
        reachability,
      });
      continue;
    }
    const registration =
      line.status === 'Registered' ? 'registered' : line.status === 'Rejected' ? 'rejected' : 'unregistered';
    const reason =
      registration === 'registered'
        ? null
        : (REASONS[line.status] ?? `not registered yet ${line.detail}`.trim());
    result.set(t.id, { registration, reason, reachability });
  }
  return result;
}
