import type { FollowMeState } from '../follow-me';
import type { GreetingState } from '../greetings';
import type { IvrState } from '../ivrs';
import { directDialPatterns, greetingSound } from '../ivrs';
import type { QueueState } from '../queues';
import type { DesiredState, DestinationState } from '../render/state';
import type { RingGroupState } from '../ring-groups';
import type { InboundRouteState, OutboundRouteState } from '../routes';
import { underEmergency } from '../routes';
import { isOpenAt } from '../time-conditions';
import { type ContextEntry, callerIdMatches, canMatchMore, extensionMatches, findInContext } from './pattern';

// Where a call would go, decided step by step the way the rendered dialplan decides it
// (templates/asterisk/extensions.conf.hbs and each feature's dialplan-*.hbs). Pure: the state and
// the moment are inputs, so the same question always gets the same answer.

export interface TraceCall {
  did: string;
  callerId: string | null; // null: withheld
  at: Date;
  // Keys the caller presses at menus: groups separated by spaces or commas are separate bursts
  // (the caller pauses between them); `t` is a burst of silence (the menu times out).
  // Undefined: the trace stops at the first menu and lists its choices.
  digits?: string | undefined;
}

export type TraceStepKind =
  | 'arrive' // the call enters from a trunk
  | 'rejected' // the trunk context has no extension for the DID: Asterisk refuses the call
  | 'anonymous' // no usable caller number
  | 'blocklist' // checked, not blocked
  | 'blocked' // end: busy or hang-up
  | 'route' // an inbound route matched
  | 'no-route' // end: "not in service"
  | 'emergency' // emergency mode reroutes the route
  | 'time-condition'
  | 'announcement'
  | 'playback' // a greeting plays (sound set)
  | 'ivr'
  | 'choices' // end: the caller is at a menu and no digits were given
  | 'key' // a key chose an option
  | 'repeat'
  | 'direct-dial'
  | 'timeout'
  | 'invalid'
  | 'retry'
  | 'retries-exhausted'
  | 'rings' // end: an extension rings (target = number); voicemail takes unanswered calls if it has a box
  | 'follow-me' // end: the extension has follow-me: its steps ring in turn, then the final destination
  | 'voicemail' // end: the caller leaves a message in a voicemail box
  | 'queue' // end: the caller waits in a queue; after the max wait (or full/empty) → its failover
  | 'queue-failover' // the queue can never have an agent (no members, empty not joinable): straight to failover
  | 'ring-group' // end: a ring group rings its members per strategy; nobody answers → its failover
  | 'not-in-service' // end
  | 'dials-external' // end: dialled out through an outbound route (target = number sent)
  | 'refused' // end: the outbound route's class is not allowed
  | 'hangup' // end
  | 'unavailable' // end: a destination of a kind this system does not have
  | 'missing' // end: the destination's object does not exist
  | 'loop'; // end: the flow comes back to where it was without caller input

export interface TraceChoice {
  key: string;
  label: string;
}

export interface TraceStep {
  kind: TraceStepKind;
  text: string;
  // The object the step is about: inbound-route / ivr / time-condition / announcement id,
  // extension number, external number, greeting id for a playback.
  ref?: { type: string; id: string };
  sound?: string; // what Playback/Background is given, e.g. "switchboard/greeting-3"
  choices?: TraceChoice[];
  end?: true; // the last step: where the call ends up
}

const MAX_STEPS = 200;

// Ends of a trace: the call rings here, or is refused, or stops at a menu.
export function traceOutcome(steps: readonly TraceStep[]): TraceStep {
  const last = steps[steps.length - 1];
  if (!last?.end) throw new Error('a trace always ends with an end step');
  return last;
}

export function traceCall(state: DesiredState, call: TraceCall): TraceStep[] {
  return new Tracer(state, call).run();
}

type Input = { kind: 'timeout' } | { kind: 'keys'; keys: string };

class Tracer {
  readonly steps: TraceStep[] = [];
  private readonly bursts: string[] | null;
  private burst = 0;
  private offset = 0;
  private readonly seen = new Set<string>();
  private route: InboundRouteState | null = null; // the matched route: its queue priority rides along
  private cid = ''; // the caller number as the dialplan FILTERs it (0-9 and +)
  private language: string | null = null; // CHANNEL(language) once a route or key set it

  constructor(
    private readonly state: DesiredState,
    private readonly call: TraceCall,
  ) {
    this.bursts = call.digits === undefined ? null : call.digits.split(/[\s,]+/).filter((b) => b.length > 0);
  }

  run(): TraceStep[] {
    try {
      this.inbound();
    } catch (e) {
      if (!(e instanceof Ended)) throw e;
    }
    return this.steps;
  }

  private step(s: TraceStep): void {
    this.steps.push(s);
    if (this.steps.length > MAX_STEPS) {
      this.end({ kind: 'loop', text: `more than ${MAX_STEPS} steps: stopping the trace here` });
    }
  }

  private end(s: TraceStep): never {
    this.steps.push({ ...s, end: true });
    throw new Ended();
  }

  // ---- sb-from-trunk-<name> → sb-inbound → sb-blocklist → sb-inbound-routes

  private inbound(): never {
    const { did, callerId } = this.call;
    const from = callerId === null || callerId === '' ? 'a withheld number' : callerId;
    this.step({ kind: 'arrive', text: `call from ${from} to ${did || '(no number)'} arrives from a trunk` });
    if (did !== '' && !extensionMatches('_X.', did) && !extensionMatches('_+X.', did)) {
      this.end({
        kind: 'rejected',
        text: `the trunk context has no extension for "${did}" (it needs at least two digits): Asterisk refuses the call`,
      });
    }
    const sbDid = did.replace(/[^0-9+]/g, '');
    const cid = (callerId ?? '').replace(/[^0-9+]/g, '');
    const blocklist: ContextEntry<{ action: 'hangup' | 'busy'; pattern: string }>[] =
      this.state.blockedCallers.map((b) => ({ exten: b.pattern, value: b }));

    if (cid === '' || callerId === null) {
      this.step({
        kind: 'anonymous',
        text: 'the caller ID is withheld or has no digits: the call is anonymous',
      });
      const rule = blocklist.find((b) => b.exten === 'anonymous');
      if (rule) this.blocked(rule.value, 'anonymous callers are blocked');
    } else {
      const rule = findInContext(blocklist, cid);
      if (rule) this.blocked(rule.value, `caller ${cid} matches the blocked pattern ${rule.exten}`);
      if (blocklist.length > 0) {
        this.step({
          kind: 'blocklist',
          text: `caller ${cid} matches none of the ${blocklist.length} blocked patterns`,
        });
      }
    }

    const exten = sbDid === '' ? 's' : sbDid;
    const routes = [...this.state.inboundRoutes].sort((a, b) => a.position - b.position || a.id - b.id);
    const route = routes.find(
      (r) => extensionMatches(r.did, exten) && (r.callerId === null || callerIdMatches(r.callerId, cid)),
    );
    if (!route) {
      this.end({
        kind: 'no-route',
        text: `no inbound route matches ${sbDid || 'a call without a number'}${routes.length ? ` (${routes.length} checked in order)` : ''}: "number not in service" plays`,
        sound: 'ss-noservice',
      });
    }
    this.route = route;
    this.cid = cid;
    const skipped = routes.indexOf(route);
    const cidText = route.callerId === null ? '' : ` and caller ID pattern ${route.callerId}`;
    this.step({
      kind: 'route',
      text: `inbound route '${route.name}' matched ${route.did}${cidText}${skipped > 0 ? ` (after ${skipped} earlier route${skipped > 1 ? 's' : ''} did not match)` : ''}${route.callerIdNamePrefix ? `; the caller name gets the prefix "${route.callerIdNamePrefix}"` : ''}${route.language ? `; sets the caller's language to ${route.language}` : ''}`,
      ref: { type: 'inbound-route', id: String(route.id) },
    });
    if (route.language) this.language = route.language;

    if (underEmergency(this.state, route.id)) {
      const e = this.state.emergency;
      this.step({
        kind: 'emergency',
        text: `emergency mode is on for this route: ${this.describe(route.destination)} is bypassed`,
      });
      const greeting = this.state.greetings.find((g) => g.id === e.greetingId);
      if (greeting) this.playback(greeting, greeting.sound, 'the emergency greeting');
      return this.follow(e.destination ?? { type: 'hangup', target: '' });
    }
    return this.follow(route.destination);
  }

  private blocked(rule: { action: 'hangup' | 'busy' }, why: string): never {
    this.end({
      kind: 'blocked',
      text: `${why}: the call is ${rule.action === 'busy' ? 'given a busy signal' : 'hung up'}`,
    });
  }

  // ---- destinations: Goto(sb-dest-<type>,<target>,1)

  private follow(dest: DestinationState): never {
    const key = `${dest.type}:${dest.target}:${this.burst}:${this.offset}`;
    if (this.seen.has(key)) {
      this.end({
        kind: 'loop',
        text: `the call comes back to ${this.describe(dest)} without any new key from the caller: it would go round forever`,
      });
    }
    this.seen.add(key);
    switch (dest.type) {
      case 'extension':
        return this.ring(dest.target);
      case 'hangup':
        return this.end({ kind: 'hangup', text: 'the call is hung up' });
      case 'external':
        return this.external(dest.target);
      case 'time-condition': {
        const tc = this.state.timeConditions.find((t) => String(t.id) === dest.target);
        if (!tc) return this.missing(dest);
        const { open, reason } = isOpenAt(tc, this.call.at);
        this.step({
          kind: 'time-condition',
          text: `time condition '${tc.name}' ${open ? 'open' : 'closed'}: ${reason.replace(/^(open|closed): /, '')}`,
          ref: { type: 'time-condition', id: String(tc.id) },
        });
        return this.follow(open ? tc.openDestination : tc.closedDestination);
      }
      case 'announcement': {
        const a = this.state.announcements.find((x) => String(x.id) === dest.target);
        if (!a) return this.missing(dest);
        this.step({
          kind: 'announcement',
          text: `announcement '${a.name}', then ${this.describe(a.destination)}`,
          ref: { type: 'announcement', id: String(a.id) },
        });
        const greeting = this.greeting(a.greetingId);
        const sound = greetingSound(this.state.greetings, a.greetingId);
        if (greeting && sound) this.playback(greeting, sound, 'the announcement');
        else
          this.step({ kind: 'playback', text: 'the announcement greeting has no audio yet: nothing plays' });
        return this.follow(a.destination);
      }
      case 'ivr': {
        const ivr = this.state.ivrs.find((x) => String(x.id) === dest.target);
        if (!ivr) return this.missing(dest);
        return this.ivr(ivr);
      }
      case 'queue': {
        const q = this.state.queues.find((x) => x.number === dest.target);
        if (!q) return this.missing(dest);
        return this.queue(q);
      }
      case 'ring-group': {
        const g = this.state.ringGroups.find((x) => x.number === dest.target);
        if (!g) return this.missing(dest);
        return this.ringGroup(g);
      }
      case 'voicemail': {
        const box = this.state.voicemailBoxes.find((x) => x.number === dest.target);
        if (!box) return this.missing(dest);
        return this.end({
          kind: 'voicemail',
          text: `${this.describe(dest)} takes a message`,
          ref: { type: 'voicemail', id: box.number },
        });
      }
      default:
        return this.end({
          kind: 'unavailable',
          text: `${this.describe(dest)}: ${dest.type.replace('-', ' ')}s are not configured on this system, the call ends`,
          ref: { type: dest.type, id: dest.target },
        });
    }
  }

  private missing(dest: DestinationState): never {
    this.end({
      kind: 'missing',
      text: `${this.describe(dest)} does not exist: the call ends`,
      ref: { type: dest.type, id: dest.target },
    });
  }

  // sb-dest-extension → sb-extension-dial
  private ring(number: string): never {
    const { min, max } = this.state.settings.extensionRange;
    const n = Number(number);
    if (n < min || n > max) {
      this.end({
        kind: 'not-in-service',
        text: `extension ${number} is outside the extension range ${min}–${max}: "number not in service" plays`,
        sound: 'ss-noservice',
        ref: { type: 'extension', id: number },
      });
    }
    const ext = this.state.extensions.find((e) => e.number === number);
    if (!ext) {
      this.end({
        kind: 'not-in-service',
        text: `extension ${number} does not exist: "number not in service" plays`,
        sound: 'ss-noservice',
        ref: { type: 'extension', id: number },
      });
    }
    // Forwarding and do-not-disturb come from astdb at call time (not part of the desired
    // state), so the trace shows the configured path as if neither were set.
    const fm = activeFollowMe(this.state, number);
    if (fm) {
      this.end({
        kind: 'follow-me',
        text: `extension ${number} (${ext.displayName}) has follow-me: ${followMeStepsText(this.state, fm)}; nobody answers → ${this.describe(fm.finalDestination)}`,
        ref: { type: 'extension', id: number },
      });
    }
    const box = this.state.voicemailBoxes.some((b) => b.number === number);
    this.end({
      kind: 'rings',
      text: `rings extension ${number} (${ext.displayName}) for ${this.state.settings.ringSeconds} s; ${box ? `unanswered or busy, voicemail box ${number} takes a message` : 'unanswered, the call ends'}`,
      ref: { type: 'extension', id: number },
    });
  }

  // sb-dest-queue → sb-queue-<number> (templates/asterisk/dialplan-queue.hbs)
  private queue(q: QueueState): never {
    const ref = { type: 'queue', id: q.number };
    const failover = this.describe(q.failoverDestination);
    const summary = queueSummary(this.state, q);
    const empty = queueAlwaysEmpty(q);
    if (empty) {
      this.step({ kind: 'queue-failover', text: `${summary}; ${empty} → ${failover}`, ref });
      return this.follow(q.failoverDestination);
    }
    const prio = this.queuePriority(q);
    const parts = [`waits in ${summary}`];
    if (prio) parts.push(`caller priority ${prio.priority} (${prio.source})`);
    if (!q.joinWhenEmpty) parts.push(`with no agent available at that moment → ${failover} at once`);
    else if (q.leaveWhenEmpty) parts.push(`if no agent is left available → ${failover}`);
    if (q.maxCallers > 0) parts.push(`with ${q.maxCallers} callers already waiting → ${failover}`);
    if (q.callback.enabled) parts.push(`pressing ${q.callback.key} leaves the queue for a callback offer`);
    parts.push(
      q.maxWaitSeconds > 0
        ? `after ${q.maxWaitSeconds} s without an agent → ${failover}`
        : `no wait limit: the caller waits until an agent answers (${failover} only when the queue is full or empty)`,
    );
    this.end({ kind: 'queue', text: parts.join('; '), ref });
  }

  // The higher of the inbound route's SB_QUEUE_PRIO and the queue's VIP priority (when the caller
  // number, filtered like the dialplan does, is on the VIP list).
  private queuePriority(q: QueueState): { priority: number; source: string } | null {
    const routePrio = this.route?.queuePriority ?? 0;
    const vip = this.cid !== '' && q.vipCallerIds.includes(this.cid);
    if (vip && q.vipPriority > routePrio) {
      return { priority: q.vipPriority, source: `${this.cid} is on the queue's VIP list` };
    }
    if (routePrio > 0 && this.route) {
      return { priority: routePrio, source: `set by inbound route '${this.route.name}'` };
    }
    return null;
  }

  // sb-dest-ring-group (templates/asterisk/dialplan-ring-group.hbs)
  private ringGroup(g: RingGroupState): never {
    const prefix = g.callerIdPrefix ? `; the caller name gets the prefix "${g.callerIdPrefix}"` : '';
    this.end({
      kind: 'ring-group',
      text: `ring group '${g.name}' (${g.number}) ${ringGroupText(this.state, g)}${prefix}; nobody answers within ${ringGroupSeconds(g)} s → ${this.describe(g.failoverDestination)}`,
      ref: { type: 'ring-group', id: g.number },
    });
  }

  // sb-dest-external → sb-cos-lnx: the outbound routes in order, every class but premium.
  private external(target: string): never {
    const number = target.startsWith('+')
      ? `+${target.replace(/[^0-9]/g, '')}`
      : target.replace(/[^0-9]/g, '');
    const routes = [...this.state.outboundRoutes].sort((a, b) => a.position - b.position || a.id - b.id);
    const route = routes.find((r) => r.patterns.some((p) => extensionMatches(p, number)));
    if (!route) {
      this.end({
        kind: 'not-in-service',
        text: `external number ${number}: no outbound route matches it, the call fails`,
        ref: { type: 'external', id: number },
      });
    }
    if (route.class === 'premium') {
      this.end({
        kind: 'refused',
        text: `external number ${number} matches outbound route '${route.name}' of class premium, which destinations may not use: "cannot complete as dialled" plays`,
        ref: { type: 'external', id: number },
      });
    }
    const digits = number.replace(/[^0-9*+]/g, '');
    const sent = route.prepend + digits.slice(route.strip);
    this.end({
      kind: 'dials-external',
      text: `dials ${sent} through outbound route '${route.name}' (${trunkText(route)})`,
      ref: { type: 'external', id: sent },
    });
  }

  // ---- IVR menus (templates/asterisk/dialplan-ivr.hbs)

  private ivr(ivr: IvrState): never {
    const prompt = greetingSound(this.state.greetings, ivr.promptGreetingId);
    const retryPrompt = greetingSound(this.state.greetings, ivr.retryGreetingId);
    const promptGreeting = this.greeting(ivr.promptGreetingId);
    this.step({
      kind: 'ivr',
      text: `IVR '${ivr.name}': ${prompt && promptGreeting ? `prompt greeting '${promptGreeting.name}' plays${this.variant(promptGreeting)}` : 'no prompt plays'}; waiting ${ivr.timeoutSeconds} s for a key`,
      ref: { type: 'ivr', id: String(ivr.id) },
      ...(prompt ? { sound: prompt } : {}),
    });
    const entries = this.ivrEntries(ivr);
    let tries = 0;
    for (;;) {
      const input = this.nextInput(entries);
      if (input === null) {
        this.end({
          kind: 'choices',
          text: `the caller is at IVR '${ivr.name}'; the choices are listed`,
          ref: { type: 'ivr', id: String(ivr.id) },
          choices: this.choices(ivr),
        });
      }
      if (input.kind === 'keys') {
        const hit = findInContext(entries, input.keys);
        const choice = hit?.value;
        if (choice?.kind === 'option') {
          const sets = choice.language ? `sets the caller's language to ${choice.language}, then ` : '';
          this.step({ kind: 'key', text: `pressed ${input.keys} → ${sets}${this.describe(choice.dest)}` });
          if (choice.language) this.language = choice.language;
          return this.follow(choice.dest);
        }
        if (choice?.kind === 'repeat') {
          this.step({
            kind: 'repeat',
            text: `pressed ${input.keys}: the prompt plays again`,
            ...(prompt ? { sound: prompt } : {}),
          });
          continue;
        }
        if (choice?.kind === 'direct') {
          if (this.state.extensions.some((e) => e.number === input.keys)) {
            this.step({ kind: 'direct-dial', text: `dialled ${input.keys} → extension ${input.keys}` });
            return this.follow({ type: 'extension', target: input.keys });
          }
          this.step({ kind: 'invalid', text: `dialled ${input.keys}: there is no such extension` });
        } else {
          this.step({ kind: 'invalid', text: `pressed ${input.keys}: not a choice of this menu` });
        }
      } else {
        this.step({ kind: 'timeout', text: `no key within ${ivr.timeoutSeconds} s` });
      }
      tries++;
      if (tries > ivr.maxRetries) {
        this.step({
          kind: 'retries-exhausted',
          text: `${tries} failed tries (retries allowed: ${ivr.maxRetries}) → ${this.describe(ivr.invalidDestination)}`,
        });
        return this.follow(ivr.invalidDestination);
      }
      const retryGreeting = this.greeting(ivr.retryGreetingId);
      this.step({
        kind: 'retry',
        text: `retry ${tries} of ${ivr.maxRetries}: ${retryPrompt && retryGreeting ? `retry greeting '${retryGreeting.name}' plays, then ` : ''}the prompt plays again`,
        ...(retryPrompt ? { sound: retryPrompt } : prompt ? { sound: prompt } : {}),
      });
    }
  }

  private ivrEntries(ivr: IvrState): ContextEntry<IvrChoice>[] {
    const entries: ContextEntry<IvrChoice>[] = ivr.options.map((o) => ({
      exten: o.digit,
      value: { kind: 'option', dest: o.destination, language: o.language ?? null },
    }));
    if (ivr.repeatDigit !== null) entries.push({ exten: ivr.repeatDigit, value: { kind: 'repeat' } });
    if (ivr.directDial) {
      for (const p of directDialPatterns(this.state.settings.extensionRange)) {
        entries.push({ exten: p, value: { kind: 'direct' } });
      }
    }
    return entries;
  }

  private choices(ivr: IvrState): TraceChoice[] {
    const out: TraceChoice[] = [...ivr.options]
      .sort((a, b) => keyOrder(a.digit) - keyOrder(b.digit))
      .map((o) => ({ key: o.digit, label: this.describe(o.destination) }));
    if (ivr.repeatDigit !== null) out.push({ key: ivr.repeatDigit, label: 'repeat the menu' });
    if (ivr.directDial) {
      const { min, max } = this.state.settings.extensionRange;
      out.push({ key: `${min}–${max}`, label: 'dial an extension directly' });
    }
    out.push({
      key: 'no key / wrong key',
      label: `try again (${ivr.maxRetries} ${ivr.maxRetries === 1 ? 'retry' : 'retries'}), then ${this.describe(ivr.invalidDestination)}`,
    });
    return out;
  }

  // The caller's next input, the way Asterisk collects it: after each key, wait for another while
  // more keys could still match an extension of the menu; a pause (end of burst) ends the entry.
  private nextInput(entries: readonly ContextEntry<IvrChoice>[]): Input | null {
    if (this.bursts === null) return null;
    const burst = this.bursts[this.burst];
    if (burst === undefined) return { kind: 'timeout' };
    if (/^t$/i.test(burst)) {
      this.burst++;
      return { kind: 'timeout' };
    }
    let keys = '';
    while (this.offset < burst.length) {
      keys += burst[this.offset++];
      if (!canMatchMore(entries, keys)) break;
    }
    if (this.offset >= burst.length) {
      this.burst++;
      this.offset = 0;
    }
    return { kind: 'keys', keys };
  }

  private greeting(id: number | null): GreetingState | undefined {
    return id === null ? undefined : this.state.greetings.find((g) => g.id === id);
  }

  private playback(greeting: GreetingState, sound: string, what: string): void {
    this.step({
      kind: 'playback',
      text: `${what} '${greeting.name}' plays${this.variant(greeting)}`,
      ref: { type: 'greeting', id: String(greeting.id) },
      sound,
    });
  }

  describe(dest: DestinationState): string {
    return describeFlowDestination(this.state, dest);
  }

  // Which variant a chosen language hears, as Asterisk looks it up (src/greetings/files.ts): the
  // language, the language without its country, else the greeting's default. Nothing is said
  // while no language was chosen: the trunk's default then hears the greeting's default.
  private variant(greeting: GreetingState): string {
    const lang = this.language;
    if (lang === null) return '';
    const base = lang.split('_')[0] ?? lang;
    if (greeting.languages.includes(lang)) return ` in ${lang}`;
    if (greeting.languages.includes(base)) return ` in ${base}`;
    return ` in its default language (no ${lang} variant)`;
  }
}

type IvrChoice =
  | { kind: 'option'; dest: DestinationState; language: string | null }
  | { kind: 'repeat' }
  | { kind: 'direct' };

class Ended extends Error {}

function keyOrder(k: string): number {
  return k === '*' ? 10 : k === '#' ? 11 : Number(k);
}

function trunkText(route: OutboundRouteState): string {
  if (route.trunks.length === 0) return 'no trunk: "all circuits busy" plays';
  return `${route.trunks.length > 1 ? 'trunks' : 'trunk'} ${route.trunks.join(' → ')}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function memberText(
  state: DesiredState,
  m: { kind: 'extension' | 'external'; target: string; confirm: boolean },
): string {
  if (m.kind === 'extension') return describeFlowDestination(state, { type: 'extension', target: m.target });
  return `external number ${m.target}${m.confirm ? ' (must press 1 to accept)' : ''}`;
}

// The follow-me of an extension as sb-followme has it: only an entry with steps exists.
export function activeFollowMe(state: DesiredState, number: string): FollowMeState | undefined {
  return state.followMe.find((f) => f.extension === number && f.steps.length > 0);
}

export function followMeStepsText(state: DesiredState, fm: FollowMeState): string {
  const steps = fm.steps.map((st, i) => `${i + 1}. ${memberText(state, st)} for ${st.ringSeconds} s`);
  return `rings ${fm.steps.length === 1 ? steps[0] : `in turn ${steps.join(', ')}`}`;
}

// The strategy as the Dial() steps of ringGroupView run it.
export function ringGroupText(state: DesiredState, g: RingGroupState): string {
  const names = g.members.map((m) => memberText(state, m));
  switch (g.strategy) {
    case 'ringall':
      return `rings all ${plural(names.length, 'member')} at once for ${g.ringSeconds} s (ring all): ${names.join(', ')}`;
    case 'hunt':
      return `rings its ${plural(names.length, 'member')} one after the other, ${g.ringSeconds} s each (hunt): ${names.join(' → ')}`;
    case 'memoryhunt':
      return `rings ${names[0] ?? 'nobody'} first, then adds one member per ${g.ringSeconds} s round (memory hunt): ${names.join(' → ')}`;
  }
}

export function ringGroupSeconds(g: RingGroupState): number {
  return g.strategy === 'ringall' ? g.ringSeconds : g.ringSeconds * g.members.length;
}

export function queueMembersText(q: QueueState): string {
  const stat = q.members.filter((m) => !m.dynamic);
  const dyn = q.members.filter((m) => m.dynamic);
  const names = (list: typeof stat) => list.map((m) => `${m.name} (${m.extension})`).join(', ');
  const parts: string[] = [];
  if (stat.length > 0) parts.push(`${plural(stat.length, 'static member')}: ${names(stat)}`);
  if (dyn.length > 0) parts.push(`${plural(dyn.length, 'dynamic agent')} (when logged in): ${names(dyn)}`);
  return parts.length > 0 ? parts.join('; ') : 'no members';
}

export function queueSummary(state: DesiredState, q: QueueState): string {
  return `${describeFlowDestination(state, { type: 'queue', target: q.number })}, strategy ${q.strategy}, ${queueMembersText(q)}, each agent rung ${q.ringSeconds} s`;
}

// Why a queue sends every caller to its failover without waiting, when that is certain from the
// configuration alone: no member at all can ever be available (dynamic agents are members too),
// and an empty queue either refuses to be joined (joinempty) or is left at once (leavewhenempty).
export function queueAlwaysEmpty(q: QueueState): string | null {
  if (q.members.length > 0) return null;
  if (!q.joinWhenEmpty) return 'it has no members and callers do not join an empty queue';
  if (q.leaveWhenEmpty) return 'it has no members and callers leave an empty queue';
  return null;
}

// A destination in words, with the name of what it points at.
export function describeFlowDestination(state: DesiredState, dest: DestinationState): string {
  const byId = <T extends { id: number; name: string }>(list: readonly T[]) =>
    list.find((x) => String(x.id) === dest.target)?.name;
  switch (dest.type) {
    case 'extension': {
      const e = state.extensions.find((x) => x.number === dest.target);
      return `extension ${dest.target}${e ? ` (${e.displayName})` : ''}`;
    }
    case 'ivr': {
      const name = byId(state.ivrs);
      return name ? `IVR '${name}'` : `IVR ${dest.target}`;
    }
    case 'time-condition': {
      const name = byId(state.timeConditions);
      return name ? `time condition '${name}'` : `time condition ${dest.target}`;
    }
    case 'announcement': {
      const name = byId(state.announcements);
      return name ? `announcement '${name}'` : `announcement ${dest.target}`;
    }
    case 'queue': {
      const q = state.queues.find((x) => x.number === dest.target);
      return q ? `queue '${q.name}' (${q.number})` : `queue ${dest.target}`;
    }
    case 'ring-group': {
      const g = state.ringGroups.find((x) => x.number === dest.target);
      return g ? `ring group '${g.name}' (${g.number})` : `ring group ${dest.target}`;
    }
    case 'voicemail': {
      const b = state.voicemailBoxes.find((x) => x.number === dest.target);
      return `voicemail box ${dest.target}${b ? ` (${b.name})` : ''}`;
    }
    case 'external':
      return `external number ${dest.target}`;
    case 'hangup':
      return 'hang up';
    default:
      return `${dest.type.replace('-', ' ')} ${dest.target}`;
  }
}
