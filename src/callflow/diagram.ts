import type { IvrState } from '../ivrs';
import { greetingSound } from '../ivrs';
import type { QueueState } from '../queues';
import type { DesiredState, DestinationState } from '../render/state';
import type { RingGroupState } from '../ring-groups';
import { underEmergency } from '../routes';
import type { TimeConditionState } from '../time-conditions';
import { normalise } from '../time-conditions';
import {
  activeFollowMe,
  describeFlowDestination,
  followMeStepsText,
  queueAlwaysEmpty,
  queueMembersText,
  ringGroupSeconds,
  ringGroupText,
} from './trace';

// The whole flow behind an inbound route or an IVR as a graph: every destination reachable from
// the root, each object once (a menu that leads back to itself is an edge, not a copy).

export type FlowNodeKind =
  | 'inbound-route'
  | 'emergency'
  | 'time-condition'
  | 'ivr'
  | 'announcement'
  | 'extension'
  | 'direct-dial'
  | 'external'
  | 'queue'
  | 'ring-group'
  | 'voicemail'
  | 'hangup'
  | 'unavailable' // a destination type this system does not have
  | 'missing';

export interface FlowNode {
  id: string;
  kind: FlowNodeKind;
  title: string;
  details: string[];
  ref?: { type: string; id: string };
  warning?: string; // the call cannot complete here
}

export interface FlowEdge {
  from: string;
  to: string;
  label: string;
}

export interface FlowGraph {
  root: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export type FlowRoot = { type: 'inbound-route'; id: number } | { type: 'ivr'; id: number };

// null: the root does not exist.
export function buildFlowGraph(state: DesiredState, root: FlowRoot): FlowGraph | null {
  const b = new GraphBuilder(state);
  if (root.type === 'ivr') {
    if (!state.ivrs.some((i) => i.id === root.id)) return null;
    return { root: b.destination({ type: 'ivr', target: String(root.id) }), nodes: b.nodes, edges: b.edges };
  }
  const route = state.inboundRoutes.find((r) => r.id === root.id);
  if (!route) return null;
  const id = `inbound-route:${route.id}`;
  b.add({
    id,
    kind: 'inbound-route',
    title: `Inbound route '${route.name}'`,
    details: [
      `DID ${route.did}`,
      `caller ID ${route.callerId ?? 'any'}`,
      ...(route.callerIdNamePrefix ? [`caller name prefix "${route.callerIdNamePrefix}"`] : []),
      ...(route.language ? [`caller's language ${route.language}`] : []),
    ],
    ref: { type: 'inbound-route', id: String(route.id) },
  });
  if (underEmergency(state, route.id)) {
    const e = state.emergency;
    const greeting = state.greetings.find((g) => g.id === e.greetingId);
    const emergencyId = 'emergency';
    b.add({
      id: emergencyId,
      kind: 'emergency',
      title: 'Emergency mode is ON',
      details: [greeting ? `plays '${greeting.name}'` : 'no greeting'],
    });
    b.edge(id, emergencyId, 'now (emergency mode)');
    b.edge(emergencyId, b.destination(e.destination ?? { type: 'hangup', target: '' }), 'then');
    b.edge(id, b.destination(route.destination), 'when emergency mode is off');
  } else {
    b.edge(id, b.destination(route.destination), 'goes to');
  }
  return { root: id, nodes: b.nodes, edges: b.edges };
}

class GraphBuilder {
  readonly nodes: FlowNode[] = [];
  readonly edges: FlowEdge[] = [];
  private readonly ids = new Set<string>();

  constructor(private readonly state: DesiredState) {}

  add(node: FlowNode): void {
    this.ids.add(node.id);
    this.nodes.push(node);
  }

  edge(from: string, to: string, label: string): void {
    this.edges.push({ from, to, label });
  }

  // The node of a destination (built with everything after it on first sight); returns its id.
  destination(dest: DestinationState): string {
    const id = `${dest.type}:${dest.target}`;
    if (this.ids.has(id)) return id;
    const s = this.state;
    const ref = { type: dest.type, id: dest.target };
    const describe = describeFlowDestination(s, dest);
    switch (dest.type) {
      case 'extension': {
        const { min, max } = s.settings.extensionRange;
        const n = Number(dest.target);
        const ext = s.extensions.find((e) => e.number === dest.target);
        const warning =
          n < min || n > max
            ? `outside the extension range ${min}–${max}: not in service`
            : ext
              ? undefined
              : 'no such extension: not in service';
        // Follow-me replaces the plain ring (sb-extension-dial goes to sb-followme first);
        // forwarding and DND live in astdb and are not drawn.
        const fm = ext && !warning ? activeFollowMe(s, dest.target) : undefined;
        const box = s.voicemailBoxes.some((b) => b.number === dest.target);
        const details = !ext
          ? []
          : fm
            ? [ext.displayName, `follow-me: ${followMeStepsText(s, fm)}`]
            : [
                ext.displayName,
                `rings ${s.settings.ringSeconds} s`,
                ...(box ? ['voicemail if unanswered or busy'] : []),
              ];
        this.add({
          id,
          kind: 'extension',
          title: `Extension ${dest.target}`,
          details,
          ref,
          ...(warning ? { warning } : {}),
        });
        if (fm) this.edge(id, this.destination(fm.finalDestination), 'nobody answers (follow-me)');
        return id;
      }
      case 'queue': {
        const q = s.queues.find((x) => x.number === dest.target);
        if (!q) return this.missing(id, describe, ref);
        this.queue(id, q);
        return id;
      }
      case 'ring-group': {
        const g = s.ringGroups.find((x) => x.number === dest.target);
        if (!g) return this.missing(id, describe, ref);
        this.ringGroup(id, g);
        return id;
      }
      case 'voicemail': {
        const box = s.voicemailBoxes.find((x) => x.number === dest.target);
        if (!box) return this.missing(id, describe, ref);
        this.add({ id, kind: 'voicemail', title: `Voicemail ${box.number}`, details: [box.name], ref });
        return id;
      }
      case 'hangup':
        this.add({ id, kind: 'hangup', title: 'Hang up', details: [] });
        return id;
      case 'external':
        this.add({
          id,
          kind: 'external',
          title: `External ${dest.target}`,
          details: ['through the outbound routes'],
          ref,
        });
        return id;
      case 'time-condition': {
        const tc = s.timeConditions.find((t) => String(t.id) === dest.target);
        if (!tc) return this.missing(id, describe, ref);
        this.add({
          id,
          kind: 'time-condition',
          title: `Time condition '${tc.name}'`,
          details: tcDetails(tc),
          ref,
        });
        this.edge(id, this.destination(tc.openDestination), 'open');
        this.edge(id, this.destination(tc.closedDestination), 'closed');
        return id;
      }
      case 'announcement': {
        const a = s.announcements.find((x) => String(x.id) === dest.target);
        if (!a) return this.missing(id, describe, ref);
        const g = s.greetings.find((x) => x.id === a.greetingId);
        this.add({
          id,
          kind: 'announcement',
          title: `Announcement '${a.name}'`,
          details: [g ? `plays '${g.name}'` : 'no greeting'],
          ref,
          ...(greetingSound(s.greetings, a.greetingId) ? {} : { warning: 'the greeting has no audio yet' }),
        });
        this.edge(id, this.destination(a.destination), 'then');
        return id;
      }
      case 'ivr': {
        const ivr = s.ivrs.find((x) => String(x.id) === dest.target);
        if (!ivr) return this.missing(id, describe, ref);
        this.ivr(id, ivr);
        return id;
      }
      default:
        this.add({
          id,
          kind: 'unavailable',
          title: describe.charAt(0).toUpperCase() + describe.slice(1),
          details: [],
          ref,
          warning: `${dest.type.replace('-', ' ')}s are not configured on this system: the call ends`,
        });
        return id;
    }
  }

  private ivr(id: string, ivr: IvrState): void {
    const s = this.state;
    const prompt = s.greetings.find((g) => g.id === ivr.promptGreetingId);
    const details = [
      prompt ? `prompt '${prompt.name}'` : 'no prompt',
      `waits ${ivr.timeoutSeconds} s, ${ivr.maxRetries} ${ivr.maxRetries === 1 ? 'retry' : 'retries'}`,
    ];
    if (ivr.repeatDigit !== null) details.push(`${ivr.repeatDigit} repeats the menu`);
    this.add({
      id,
      kind: 'ivr',
      title: `IVR '${ivr.name}'`,
      details,
      ref: { type: 'ivr', id: String(ivr.id) },
      ...(prompt && !greetingSound(s.greetings, ivr.promptGreetingId)
        ? { warning: 'the prompt greeting has no audio yet' }
        : {}),
    });
    const keyOrder = (k: string) => (k === '*' ? 10 : k === '#' ? 11 : Number(k));
    for (const o of [...ivr.options].sort((a, b) => keyOrder(a.digit) - keyOrder(b.digit))) {
      const label = o.language ? `press ${o.digit} (language ${o.language})` : `press ${o.digit}`;
      this.edge(id, this.destination(o.destination), label);
    }
    if (ivr.directDial) {
      const { min, max } = s.settings.extensionRange;
      const dd = `${id}:direct-dial`;
      this.add({
        id: dd,
        kind: 'direct-dial',
        title: 'Any extension',
        details: [`${min}–${max}, if it exists`],
      });
      this.edge(id, dd, 'dial an extension');
    }
    this.edge(id, this.destination(ivr.invalidDestination), 'no key or wrong key, after retries');
  }

  private queue(id: string, q: QueueState): void {
    const details = [`strategy ${q.strategy}`, queueMembersText(q), `rings each agent ${q.ringSeconds} s`];
    details.push(q.maxWaitSeconds > 0 ? `max wait ${q.maxWaitSeconds} s` : 'no wait limit');
    if (q.maxCallers > 0) details.push(`at most ${q.maxCallers} waiting callers`);
    if (!q.joinWhenEmpty) details.push('not joined when no agent is available');
    if (q.leaveWhenEmpty) details.push('left when no agent is available');
    if (q.vipCallerIds.length > 0) {
      details.push(`${plural(q.vipCallerIds.length, 'VIP caller')}: priority ${q.vipPriority}`);
    }
    if (q.callback.enabled) details.push(`${q.callback.key} asks for a callback`);
    const empty = queueAlwaysEmpty(q);
    this.add({
      id,
      kind: 'queue',
      title: `Queue '${q.name}' (${q.number})`,
      details,
      ref: { type: 'queue', id: q.number },
      ...(empty ? { warning: `${empty}: every call goes to the failover` } : {}),
    });
    const when: string[] = [];
    if (q.maxWaitSeconds > 0) when.push(`no agent within ${q.maxWaitSeconds} s`);
    if (q.maxCallers > 0) when.push('queue full');
    if (!q.joinWhenEmpty || q.leaveWhenEmpty) when.push('no agent available');
    const label = empty ? 'always (nobody to answer)' : when.length > 0 ? when.join(', ') : 'failover';
    this.edge(id, this.destination(q.failoverDestination), label);
  }

  private ringGroup(id: string, g: RingGroupState): void {
    const details = [ringGroupText(this.state, g)];
    if (g.callerIdPrefix) details.push(`caller name prefix "${g.callerIdPrefix}"`);
    this.add({
      id,
      kind: 'ring-group',
      title: `Ring group '${g.name}' (${g.number})`,
      details,
      ref: { type: 'ring-group', id: g.number },
    });
    this.edge(id, this.destination(g.failoverDestination), `nobody answers within ${ringGroupSeconds(g)} s`);
  }

  private missing(id: string, what: string, ref: { type: string; id: string }): string {
    this.add({
      id,
      kind: 'missing',
      title: what,
      details: [],
      ref,
      warning: 'does not exist: the call ends',
    });
    return id;
  }
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function tcDetails(tc: TimeConditionState): string[] {
  const rules = normalise(tc);
  const out = [tc.timezone];
  if (tc.override !== 'auto') out.push(`override: forced ${tc.override}`);
  const byDay = new Map<string, string[]>();
  for (const r of tc.weekly) byDay.set(r.day, [...(byDay.get(r.day) ?? []), `${r.start}–${r.end}`]);
  for (const [day, times] of byDay) out.push(`${day} ${times.join(', ')}`);
  if (rules.holidays.length > 0) {
    out.push(`${rules.holidays.length} ${rules.holidays.length === 1 ? 'holiday' : 'holidays'} (closed)`);
  }
  return out;
}

// ---- as HTML: nested lists (readable without CSS and by screen readers), drawn as a tree of
// boxes with connectors by app.css. A node met again is a link back to where it is drawn.

export function renderFlowHtml(graph: FlowGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const drawn = new Set<string>();
  const item = (id: string, label: string | null, path: readonly string[]): string => {
    const node = byId.get(id);
    if (!node) return '';
    const edge = label ? `<span class="cf-edge">${esc(label)}</span>` : '';
    const anchor = `cf-${slug(id)}`;
    const children = graph.edges.filter((e) => e.from === id);
    // Leaves are simply drawn again; a menu or a time condition is drawn once and linked to.
    const again = drawn.has(id) || path.includes(id);
    if (again && children.length > 0) {
      return `<li>${edge}<a class="cf-node cf-ref cf-${node.kind}" href="#${anchor}">↩ ${esc(node.title)} <small>(${path.includes(id) ? 'back to it' : 'shown above'})</small></a></li>`;
    }
    drawn.add(id);
    const box =
      `<div class="cf-node cf-${node.kind}${node.warning ? ' cf-warn' : ''}"${again ? '' : ` id="${anchor}"`} data-node="${esc(id)}">` +
      `<strong>${esc(node.title)}</strong>` +
      node.details.map((d) => `<span>${esc(d)}</span>`).join('') +
      (node.warning ? `<span class="cf-warning">⚠ ${esc(node.warning)}</span>` : '') +
      '</div>';
    const kids =
      children.length > 0
        ? `<ul>${children.map((e) => item(e.to, e.label, [...path, id])).join('')}</ul>`
        : '';
    return `<li>${edge}${box}${kids}</li>`;
  };
  return `<ul class="cf-tree" aria-label="Call flow">${item(graph.root, null, [])}</ul>`;
}

function slug(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '-');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
