import { destinationGoto } from '../destinations';
import type { DesiredState } from '../render/state';

// Classes of service as dialplan contexts: an extension's endpoint context names the classes it
// may dial, and that context includes only the routes of those classes. Emergency is always in.
const CLASS_CODES: ReadonlyArray<[string, string]> = [
  ['internal', 'i'],
  ['local', 'l'],
  ['national', 'n'],
  ['international', 'x'],
  ['premium', 'p'],
];

export function cosContext(classes: readonly string[]): string {
  const code = CLASS_CODES.filter(([c]) => classes.includes(c))
    .map(([, k]) => k)
    .join('');
  return `sb-cos-${code || 'none'}`;
}

// Every combination is rendered, so the dialplan depends on the routes only: a new extension
// never reloads it, whatever classes it has.
function allClassSets(): string[][] {
  const sets: string[][] = [];
  for (let mask = 0; mask < 1 << CLASS_CODES.length; mask++) {
    sets.push(CLASS_CODES.filter((_, i) => mask & (1 << i)).map(([c]) => c));
  }
  return sets;
}

export function routingView(state: DesiredState) {
  const trunkByName = new Map(state.trunks.map((t) => [t.name, t]));
  const outbound = state.outboundRoutes.map((r) => ({
    id: r.id,
    class: r.class,
    context: `sb-out-${r.id}`,
    dialContext: `sb-out-${r.id}-dial`,
    refuseContext: `sb-refuse-${r.id}`,
    patterns: r.patterns,
    strip: r.strip,
    prepend: r.prepend,
    callerId: r.callerIdNumber,
    trunks: r.trunks.map((name) => {
      const t = trunkByName.get(name)!;
      return { name, max: t.maxChannels, format: t.numberFormat, presentation: t.callerIdPresentation };
    }),
  }));
  return {
    cosContexts: allClassSets().map((classes) => ({
      name: cosContext(classes),
      internal: classes.includes('internal'),
      routes: outbound.map((r) =>
        r.class === 'emergency' || classes.includes(r.class) ? r.context : r.refuseContext,
      ),
    })),
    outboundRoutes: outbound,
    trunks: state.trunks.map((t) => ({
      name: t.name,
      context: `sb-from-trunk-${t.name}`,
      max: t.maxChannels,
    })),
    inboundRoutes: state.inboundRoutes.map((r) => ({
      id: r.id,
      context: `sb-in-${r.id}`,
      did: r.did,
      callerId: r.callerId,
      prefix: r.callerIdNamePrefix,
      queuePriority: r.queuePriority ?? 0,
      language: r.language ?? null,
      dest: underEmergency(state, r.id) ? EMERGENCY_ENTRY : destinationGoto(r.destination),
    })),
    blocked: state.blockedCallers.map((b) => ({
      anonymous: b.pattern === 'anonymous',
      pattern: b.pattern,
      busy: b.action === 'busy',
    })),
  };
}

// Emergency mode reroutes inbound routes (all, or the chosen ones) to the emergency context,
// which plays the emergency greeting and goes on to the emergency destination.
const EMERGENCY_ENTRY = { context: 'sb-emergency', exten: 's' } as const;

export function underEmergency(state: DesiredState, routeId: number): boolean {
  const e = state.emergency;
  return e.active && (e.allRoutes || e.routeIds.includes(routeId));
}
