import type { Knex } from 'knex';
import type { Ari } from '../../asterisk/ari';
import type { Logger } from '../../lib/log';
import { CallEnded, OfferSession, type OfferTiming } from './offer';
import type { Reach } from './reach';
import type { CallbackCaps, CallbackRow, CapRefusal } from './repo';
import * as repo from './repo';
import { CallbackNumber } from './schema';

// Queue callback, live side.
//
// 1. Offer: a caller who pressed the queue's callback key arrives in Stasis with
//    `callback,<queue>,<position>,<priority>`; they confirm their own number (or, where the queue
//    allows it, key in another), the request is stored (pending) and they are sent away. The
//    caller is outside and anonymous (issue 16): a number is classified before it is even offered
//    (international, premium, emergency, short codes and classes the queue does not allow are
//    refused with a prompt) and requests are capped per number, per caller ID and per queue.
// 2. Place: for each pending request a placeholder Local/<id>@sb-queue-callback-wait/n is
//    originated (;1 = sb-cbw-<id>-<seq>, held by ARI until answered; ;2 joins the queue at the
//    request's position and priority). The queue itself rings an agent only when the
//    placeholder is at the front and an agent is free, so callbacks in flight never outnumber
//    free agents, and the agent's phone rings first.
// 3. Dial: the agent answering makes ;1 enter Stasis; the number is then originated as
//    sb-cb-<id>-<attempt> and, once answered, bridged with ;1.
// Every step is a guarded UPDATE on the request's row (… WHERE status = expected): whichever
// event, timer or reconciliation gets there first wins, so one attempt is dialled at most once.

export const CALLBACK_ARG = 'callback';
const PLACEHOLDER_ARG = 'callback-placeholder';
const CALLEE_ARG = 'callback-callee';
const WAIT_CONTEXT = 'sb-queue-callback-wait';

export interface CallbackPolicy extends CallbackCaps {
  enabled: boolean;
  maxAttempts: number;
  retrySeconds: number;
  allowedClasses: string[];
  allowTypedNumbers: boolean;
}

export interface CallbackEngineDeps {
  db: Knex;
  ari: Ari;
  log: Logger;
  app: string; // the Stasis app the dialplan hands calls to
  policy(queue: string): Promise<CallbackPolicy | null>;
  // Whether and how a number may be called back: an extension directly, an external number only
  // through the callback context of the allowed classes (reach.ts).
  reach(number: string, allowedClasses: readonly string[]): Promise<Reach>;
}

export interface CallbackTiming extends OfferTiming {
  tickMs: number;
  reconcileMs: number; // a full check of every open request against Asterisk's channels
  lostRetryMs: number; // a placeholder that left the queue without an agent goes back after this
  ringSeconds: number; // how long the number called back rings
}

const DEFAULT_TIMING: CallbackTiming = {
  firstDigitMs: 10_000,
  interDigitMs: 4_000,
  tickMs: 1_000,
  reconcileMs: 30_000,
  lostRetryMs: 5_000,
  ringSeconds: 30,
};

const SOUND = {
  numberIs: 'sound:vm-num-i-have',
  ifCorrect: 'sound:if-correct-press',
  enterNumber: 'sound:vm-enter-num-to-call',
  thenPound: 'sound:vm-then-pound',
  invalid: 'sound:pbx-invalid',
  thanks: 'sound:auth-thankyou',
  goodbye: 'sound:vm-goodbye',
  unavailable: 'sound:feature-not-avail-line',
  refused: 'sound:cannot-complete-as-dialed', // a number that may not be called back
  capped: 'sound:all-circuits-busy-now', // too many requests: try again later
} as const;

const CAP_TEXT: Record<CapRefusal, string> = {
  'number-open': 'the number already has an open callback request',
  'number-day': 'the number had too many callback requests in 24 hours',
  'caller-day': 'the caller had too many callback requests in 24 hours',
  'queue-pending': 'the queue has too many open callback requests',
  'no-queue': 'the queue no longer exists',
};

interface AriEvent {
  args?: string[];
  channel?: { id?: string; state?: string; caller?: { number?: string } };
  digit?: string;
  playback?: { id?: string };
  cause?: number;
  cause_txt?: string;
}

const PLACEHOLDER_ID = /^sb-cbw-([0-9]+)-([0-9]+)$/;
const CALLEE_ID = /^sb-cb-([0-9]+)-([0-9]+)$/;

export function placeholderChannelId(id: number, seq: number): string {
  return `sb-cbw-${id}-${seq}`;
}

export function calleeChannelId(id: number, attempt: number): string {
  return `sb-cb-${id}-${attempt}`;
}

function bridgeId(id: number, attempt: number): string {
  return `sb-cb-bridge-${id}-${attempt}`;
}

export class CallbackEngine {
  private readonly offers = new Map<string, OfferSession>();
  private readonly timing: CallbackTiming;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private wasConnected = false;
  private lastReconcile = 0;
  // Work on one request runs one piece at a time, in event order.
  private readonly chains = new Map<number, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: CallbackEngineDeps,
    timing: Partial<CallbackTiming> = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe ??= this.deps.ari.onEvent((name, data) => this.onEvent(name, data as AriEvent));
    this.timer ??= setInterval(() => this.kick(), this.timing.tickMs);
  }

  // Leaves placeholders and calls in Asterisk as they are: the next start adopts them. Only
  // offers in progress end (their caller has not been promised anything yet).
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    const offers = [...this.offers.values()];
    for (const o of offers) o.end();
    await Promise.all(offers.map((o) => o.hangUp()));
    await Promise.all([...this.chains.values()]);
  }

  kick(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = this.tick()
      .catch((err: unknown) => this.deps.log.warn({ err }, 'queue callback tick failed'))
      .finally(() => {
        this.ticking = null;
      });
  }

  private async tick(): Promise<void> {
    const connected = this.deps.ari.connected;
    const reconnected = connected && !this.wasConnected;
    this.wasConnected = connected;
    if (!connected) return;
    if (reconnected || Date.now() - this.lastReconcile >= this.timing.reconcileMs) {
      await this.reconcile();
      this.lastReconcile = Date.now();
    }
    const due = (await repo.listOpen(this.deps.db)).filter(
      (r) => r.status === 'pending' && new Date(r.next_attempt_at).getTime() <= Date.now(),
    );
    // Placeholders join in the order the places were taken, so each finds its own spot.
    due.sort((a, b) => b.priority - a.priority || a.position - b.position || a.id - b.id);
    for (const row of due) {
      if (this.stopped) return;
      await this.serial(row.id, () => this.place(row.id));
    }
  }

  private serial(id: number, fn: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve())
      .then(fn)
      .catch((err: unknown) => this.deps.log.error({ err, callback: id }, 'queue callback step failed'));
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  // ---- events

  private onEvent(name: string, e: AriEvent): void {
    const channelId = e.channel?.id;
    if (!channelId) {
      if (name === 'PlaybackFinished' && e.playback?.id) {
        for (const o of this.offers.values()) o.playbackFinished(e.playback.id);
      }
      return;
    }
    if (name === 'StasisStart') {
      const [kind, a = '', b = '', c = ''] = e.args ?? [];
      if (kind === CALLBACK_ARG) this.startOffer(channelId, a, b, c, e.channel?.caller?.number ?? '');
      else if (kind === PLACEHOLDER_ARG && /^[0-9]+$/.test(a)) {
        void this.serial(Number(a), () => this.agentAnswered(Number(a), channelId));
      } else if (kind === CALLEE_ARG && /^[0-9]+$/.test(a) && /^[0-9]+$/.test(b)) {
        void this.serial(Number(a), () => this.calleeAnswered(Number(a), Number(b), channelId));
      }
      return;
    }
    const offer = this.offers.get(channelId);
    if (offer) {
      if (name === 'ChannelDtmfReceived' && e.digit) offer.key(e.digit);
      else if (name === 'StasisEnd' || name === 'ChannelDestroyed') offer.end();
      return;
    }
    if (name !== 'ChannelDestroyed') return;
    const reason = e.cause_txt ? `${e.cause_txt} (cause ${e.cause ?? '?'})` : 'hung up';
    const ph = PLACEHOLDER_ID.exec(channelId);
    if (ph) {
      const id = Number(ph[1]);
      void this.serial(id, () => this.placeholderGone(id, channelId));
      return;
    }
    const callee = CALLEE_ID.exec(channelId);
    if (callee) {
      const id = Number(callee[1]);
      void this.serial(id, () => this.calleeGone(id, Number(callee[2]), reason));
    }
  }

  // ---- 1. the offer

  private startOffer(channelId: string, queue: string, position: string, priority: string, caller: string) {
    const session = new OfferSession(this.deps.ari, channelId, this.timing);
    this.offers.set(channelId, session);
    void this.offer(session, queue, position, priority, caller)
      .catch((err: unknown) => {
        if (!(err instanceof CallEnded)) this.deps.log.error({ err, queue }, 'queue callback offer failed');
      })
      .finally(() => {
        this.offers.delete(channelId);
        void session.hangUp();
      });
  }

  private async offer(
    s: OfferSession,
    queue: string,
    positionArg: string,
    priorityArg: string,
    callerArg: string,
  ): Promise<void> {
    await this.deps.ari.answer(s.channelId);
    const policy = /^[0-9]{1,20}$/.test(queue) ? await this.deps.policy(queue) : null;
    if (!policy?.enabled) {
      this.deps.log.warn({ queue }, 'queue callback offered for a queue without callback');
      await s.play([SOUND.unavailable]);
      return;
    }
    const caller = callerArg.replace(/[^0-9+]/g, '').slice(0, 21);
    const refuse = async (sound: string, reason: string, number?: string) => {
      this.deps.log.warn({ queue, caller, number, reason }, 'queue callback refused');
      // The refusal on its own, then goodbye: a playback names only one of its media in its
      // events, and what the caller was refused for is the one that matters.
      await s.play([sound]);
      await s.play([SOUND.goodbye]);
    };
    // Caps that do not depend on the number refuse before anything is asked.
    const early = await repo.capRefusal(this.deps.db, { queue, caller }, policy);
    if (early) return refuse(SOUND.capped, CAP_TEXT[early]);
    let number: string | null = null;
    if (caller !== '') {
      const reach = await this.deps.reach(caller, policy.allowedClasses);
      if (reach.ok) number = caller;
      else if (!policy.allowTypedNumbers) return refuse(SOUND.refused, `caller ID: ${reach.reason}`, caller);
    } else if (!policy.allowTypedNumbers) {
      return refuse(SOUND.refused, 'no caller ID to call back, and typed numbers are off');
    }
    let confirmed: string | null = null;
    for (let round = 0; round < 3 && confirmed === null; round++) {
      // Without typed numbers the offer only says the caller's own number and asks to confirm it.
      const typeAnother = policy.allowTypedNumbers ? [SOUND.enterNumber, SOUND.thenPound] : [];
      const question = number
        ? [SOUND.numberIs, `digits:${number}`, SOUND.ifCorrect, 'digits:1', ...typeAnother]
        : typeAnother;
      await s.play(question, true);
      const entry = await s.collect();
      if (number && entry === '1') confirmed = number;
      else if (policy.allowTypedNumbers && CallbackNumber.safeParse(entry).success) {
        const reach = await this.deps.reach(entry, policy.allowedClasses);
        if (!reach.ok) return refuse(SOUND.refused, reach.reason, entry);
        number = entry;
      } else await s.play([SOUND.invalid]);
    }
    if (confirmed === null) {
      await s.play([SOUND.goodbye]);
      return;
    }
    const position = Math.min(Math.max(Number(positionArg) || 1, 1), 10_000);
    const priority = Math.min(Number(priorityArg) || 0, 1_000_000);
    const stored = await repo.insertWithinCaps(
      this.deps.db,
      { queue, number: confirmed, caller, position, priority },
      policy,
    );
    if ('refused' in stored) return refuse(SOUND.capped, CAP_TEXT[stored.refused], confirmed);
    const id = stored.id;
    this.deps.log.info({ callback: id, queue, position, priority }, 'queue callback requested');
    await s.play([SOUND.thanks, SOUND.goodbye]);
    this.kick();
  }

  // ---- 2. the placeholder

  private async place(id: number): Promise<void> {
    const row = await repo.find(this.deps.db, id);
    if (row?.status !== 'pending' || new Date(row.next_attempt_at).getTime() > Date.now()) return;
    const policy = await this.deps.policy(row.queue);
    if (!policy) {
      await this.close(row, 'failed', 'the queue no longer exists', { status: 'pending' });
      return;
    }
    const seq = row.placeholder_seq + 1;
    const channel = placeholderChannelId(id, seq);
    const claimed = await repo.transition(
      this.deps.db,
      id,
      { status: 'pending', placeholder_seq: row.placeholder_seq },
      { status: 'waiting', placeholder_channel: channel, placeholder_seq: seq },
    );
    if (!claimed) return;
    try {
      await this.deps.ari.originate({
        endpoint: `Local/${id}@${WAIT_CONTEXT}/n`,
        app: this.deps.app,
        appArgs: `${PLACEHOLDER_ARG},${id},${seq}`,
        timeoutSeconds: -1,
        channelId: channel,
        otherChannelId: `${channel}-2`,
        variables: {
          SB_CB_NUMBER: row.number,
          SB_CB_QUEUE: row.queue,
          SB_CB_POSITION: String(row.position),
          SB_CB_PRIO: String(Math.max(row.priority, 0)),
        },
      });
      this.deps.log.info(
        { callback: id, channel, position: row.position },
        'queue callback placeholder queued',
      );
    } catch (err) {
      this.deps.log.warn({ err, callback: id }, 'queue callback placeholder could not be originated');
      await this.placeholderLost(id, channel, {
        last_error: String((err as Error).message).slice(0, 500),
      });
    }
  }

  // The queue gave the placeholder to an agent, who answered: now the number is called.
  private async agentAnswered(id: number, channel: string): Promise<void> {
    const row = await repo.find(this.deps.db, id);
    if (row?.status !== 'waiting' || row.placeholder_channel !== channel) {
      await this.hangUp(channel);
      return;
    }
    const attempt = row.attempts + 1;
    const claimed = await repo.transition(
      this.deps.db,
      id,
      { status: 'waiting', placeholder_channel: channel, attempts: row.attempts },
      { status: 'dialing_caller', attempts: attempt },
    );
    if (!claimed) {
      await this.hangUp(channel);
      return;
    }
    // Checked again right before the dial: the queue's classes or the routes may have changed
    // since the request was stored.
    const policy = await this.deps.policy(row.queue);
    const reach = await this.deps.reach(row.number, policy?.allowedClasses ?? []);
    if (!reach.ok) {
      await this.hangUp(channel);
      await this.close(row, 'failed', `refused: ${reach.reason}`, {
        status: 'dialing_caller',
        attempts: attempt,
      });
      return;
    }
    await this.deps.ari.startMoh(channel).catch(() => undefined);
    try {
      await this.deps.ari.originate({
        endpoint: `Local/${row.number}@${reach.context}/n`,
        app: this.deps.app,
        appArgs: `${CALLEE_ARG},${id},${attempt}`,
        timeoutSeconds: this.timing.ringSeconds,
        channelId: calleeChannelId(id, attempt),
      });
      this.deps.log.info({ callback: id, attempt }, 'queue callback dialling the caller');
    } catch (err) {
      await this.attemptFailed(
        { ...row, status: 'dialing_caller', attempts: attempt },
        String((err as Error).message),
      );
    }
  }

  // ---- 3. the caller answered: agent and caller are bridged

  private async calleeAnswered(id: number, attempt: number, callee: string): Promise<void> {
    const row = await repo.find(this.deps.db, id);
    if (row?.status !== 'dialing_caller' || row.attempts !== attempt || !row.placeholder_channel) {
      await this.hangUp(callee);
      return;
    }
    const bridge = bridgeId(id, attempt);
    const agentSide = row.placeholder_channel;
    try {
      await this.deps.ari.createBridge(bridge, 'mixing');
      await this.deps.ari.stopMoh(agentSide).catch(() => undefined);
      await this.deps.ari.addChannel(bridge, [agentSide, callee]);
    } catch (err) {
      // The agent left while the number rang: this attempt is over.
      await this.hangUp(callee);
      await this.destroyBridge(bridge);
      await this.attemptFailed(row, `could not connect: ${(err as Error).message}`);
      return;
    }
    const connected = await repo.transition(
      this.deps.db,
      id,
      { status: 'dialing_caller', attempts: attempt },
      { status: 'connected', connected_at: new Date() },
    );
    if (!connected) {
      await this.hangUp(callee);
      await this.destroyBridge(bridge);
      return;
    }
    this.deps.log.info({ callback: id, attempt }, 'queue callback connected');
  }

  // ---- endings

  private async calleeGone(id: number, attempt: number, reason: string): Promise<void> {
    const row = await repo.find(this.deps.db, id);
    if (!row || row.attempts !== attempt) return;
    if (row.status === 'dialing_caller')
      await this.attemptFailed(row, `the number did not answer: ${reason}`);
    else if (row.status === 'connected') await this.finish(row);
  }

  // A waiting callback whose placeholder is not (or no longer) in the queue goes back to pending,
  // to be queued again after lostRetryMs.
  private async placeholderLost(
    id: number,
    channel: string,
    extra: { last_error?: string } = {},
  ): Promise<void> {
    await repo.transition(
      this.deps.db,
      id,
      { status: 'waiting', placeholder_channel: channel },
      {
        status: 'pending',
        placeholder_channel: null,
        next_attempt_at: new Date(Date.now() + this.timing.lostRetryMs),
        ...extra,
      },
    );
  }

  private async placeholderGone(id: number, channel: string): Promise<void> {
    const row = await repo.find(this.deps.db, id);
    if (!row || row.placeholder_channel !== channel) return;
    if (row.status === 'waiting') {
      // It left the queue with no agent (the queue emptied, Asterisk restarted, someone hung
      // it up): it goes back to its place shortly.
      await this.placeholderLost(id, channel);
    } else if (row.status === 'dialing_caller') {
      // The agent hung up while the number rang: that ends the attempt (calleeGone decides).
      await this.hangUp(calleeChannelId(id, row.attempts));
    } else if (row.status === 'connected') {
      await this.finish(row);
    }
  }

  private async finish(row: CallbackRow): Promise<void> {
    const done = await repo.transition(
      this.deps.db,
      row.id,
      { status: 'connected', attempts: row.attempts },
      { status: 'done', closed_at: new Date(), closed_by: 'switchboard' },
    );
    if (row.placeholder_channel) await this.hangUp(row.placeholder_channel);
    await this.hangUp(calleeChannelId(row.id, row.attempts));
    await this.destroyBridge(bridgeId(row.id, row.attempts));
    if (done) this.deps.log.info({ callback: row.id }, 'queue callback done');
  }

  private async attemptFailed(row: CallbackRow, reason: string): Promise<void> {
    if (row.placeholder_channel) await this.hangUp(row.placeholder_channel);
    const policy = await this.deps.policy(row.queue);
    const max = policy?.maxAttempts ?? 1;
    if (row.attempts >= max) {
      await this.close(row, 'failed', `${reason}; gave up after ${row.attempts} attempt(s)`, {
        status: 'dialing_caller',
        attempts: row.attempts,
      });
      return;
    }
    // Next time the request waits at the front: it has had its turn.
    await repo.transition(
      this.deps.db,
      row.id,
      { status: 'dialing_caller', attempts: row.attempts },
      {
        status: 'pending',
        position: 1,
        placeholder_channel: null,
        last_error: reason.slice(0, 500),
        next_attempt_at: new Date(Date.now() + (policy?.retrySeconds ?? 60) * 1000),
      },
    );
    this.deps.log.info({ callback: row.id, attempt: row.attempts, reason }, 'queue callback attempt failed');
  }

  private async close(
    row: CallbackRow,
    status: 'failed' | 'cancelled',
    error: string | null,
    from: Parameters<typeof repo.transition>[2],
    by = 'switchboard',
  ): Promise<boolean> {
    const closed = await repo.transition(this.deps.db, row.id, from, {
      status,
      closed_at: new Date(),
      closed_by: by,
      ...(error ? { last_error: error.slice(0, 500) } : {}),
    });
    if (closed) this.deps.log.info({ callback: row.id, status, error }, 'queue callback closed');
    return closed;
  }

  // ---- restart safety

  // Every open request against what Asterisk has now: a live placeholder or call is adopted; one
  // Asterisk lost goes back in line (in the order the places were taken); an attempt whose call
  // ended while nobody watched counts as done-and-unanswered, never as not-yet-dialled.
  async reconcile(): Promise<void> {
    for (const row of await repo.listOpen(this.deps.db)) {
      await this.serial(row.id, async () => {
        const fresh = await repo.find(this.deps.db, row.id);
        if (!fresh) return;
        const ph = fresh.placeholder_channel;
        const callee = calleeChannelId(fresh.id, fresh.attempts);
        // Asterisk's channels are read here, after the row, inside this request's own chain: a
        // list taken before it could predate a callee dialled meanwhile, and that attempt would
        // be counted as failed and the number dialled a second time.
        const live = new Map<string, string>();
        for (const id of [ph, callee]) {
          const state = id ? await this.channelState(id) : null;
          if (id && state) live.set(id, state);
        }
        if (fresh.status === 'waiting' && ph && !live.has(ph)) {
          await repo.transition(
            this.deps.db,
            fresh.id,
            { status: 'waiting', placeholder_channel: ph },
            { status: 'pending', placeholder_channel: null, next_attempt_at: new Date() },
          );
          this.deps.log.info({ callback: fresh.id }, 'queue callback placeholder lost: queued again');
        } else if (fresh.status === 'waiting' && ph && live.get(ph) === 'Up') {
          // An agent answered it, but its StasisStart was never handled.
          await this.agentAnswered(fresh.id, ph);
        } else if (fresh.status === 'dialing_caller') {
          if (!live.has(callee)) await this.attemptFailed(fresh, 'the call ended while Switchboard was away');
          else if (live.get(callee) === 'Up') await this.calleeAnswered(fresh.id, fresh.attempts, callee);
          else if (ph && !live.has(ph)) await this.hangUp(callee);
        } else if (fresh.status === 'connected' && (!ph || !live.has(ph) || !live.has(callee))) {
          await this.finish(fresh);
        }
      });
    }
  }

  private async channelState(channel: string): Promise<string | null> {
    // null: no such channel (404).
    const c = await this.deps.ari.getChannel(channel);
    return c?.state ?? null;
  }

  private async hangUp(channel: string): Promise<void> {
    // A channel already gone (404) is not a failure.
    try {
      await this.deps.ari.hangup(channel);
    } catch (err) {
      this.deps.log.warn({ err, channel }, 'queue callback hangup failed');
    }
  }

  private async destroyBridge(bridge: string): Promise<void> {
    await this.deps.ari.destroyBridge(bridge).catch(() => undefined);
  }
}
