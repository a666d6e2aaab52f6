import type { Revision } from '../../apply/revisions.repo';
import type { Ari } from '../../asterisk/ari';
import * as queues from '../repo';
import { asteriskQueueName, forgetShown, queueCommands } from './asterisk';
import * as repo from './repo';
import type { MemberTarget, QueueAgents } from './service';

export interface ReconcileReport {
  queues: number;
  added: number;
  removed: number;
  paused: number;
  penalties: number;
}

// Makes Asterisk's queue members match MySQL: dynamic members present exactly while logged in,
// with their penalty; every member's pause as stored. Static members come from queues.conf and
// are never added or removed here. A queue Asterisk does not have yet (not applied) is skipped:
// the apply that creates it triggers the next reconcile.
export async function reconcile(agents: QueueAgents): Promise<ReconcileReport> {
  return agents.locked(async () => {
    const { db, control } = agents.deps;
    const report: ReconcileReport = { queues: 0, added: 0, removed: 0, paused: 0, penalties: 0 };
    const records = await queues.list(db);
    const sessions = await repo.sessions(db);
    const shown = await queueCommands.show(control);
    for (const record of records) {
      const number = record.row.number;
      const live = shown.get(asteriskQueueName(number));
      if (!live) continue;
      report.queues++;
      const sessionOf = new Map(
        sessions.filter((s) => s.queue_id === record.row.id).map((s) => [s.extension_number, s]),
      );
      const wanted = new Map<string, MemberTarget>();
      for (const member of record.state.members) {
        const s = sessionOf.get(member.extension);
        const present = !member.dynamic || Boolean(s?.logged_in);
        if (!present) continue;
        wanted.set(member.extension, {
          queue: number,
          member,
          present,
          paused: Boolean(s?.paused),
          reason: s?.pause_reason ?? null,
        });
      }
      for (const m of live.members) {
        if (!m.dynamic) continue;
        const target = m.extension === null ? undefined : wanted.get(m.extension);
        if (!target?.member.dynamic) {
          // A dynamic member MySQL does not know (logged out meanwhile, or added by hand).
          const ext = m.extension;
          if (ext !== null) {
            await queueCommands.remove(control, number, ext);
            report.removed++;
          }
        }
      }
      for (const target of wanted.values()) {
        const ext = target.member.extension;
        const m = live.members.find((lm) => lm.extension === ext);
        if (!m) {
          if (!target.member.dynamic) continue; // queues.conf has not caught up: next apply
          await queueCommands.add(control, number, ext, target.member.penalty, target.member.name);
          report.added++;
          if (target.paused) {
            await agents.setPaused(target);
            report.paused++;
          }
          continue;
        }
        if (target.member.dynamic && m.penalty !== target.member.penalty) {
          await queueCommands.penalty(control, number, ext, target.member.penalty);
          report.penalties++;
        }
        const reasonDiffers = target.paused && (m.pauseReason ?? null) !== (target.reason ?? 'paused');
        if (m.paused !== target.paused || reasonDiffers) {
          await agents.setPaused(target);
          report.paused++;
        }
      }
      forgetShown(control, number);
    }
    return report;
  });
}

// When to reconcile: at start, after an apply that reloaded app_queue, when Asterisk restarted
// (ARI's startup time changes; non-persistent dynamic members die with the process) and every
// half minute, which also catches membership edits that did not reload anything.
export class AgentReconciler {
  private timer: NodeJS.Timeout | null = null;
  private lastStart: string | null = null;
  private lastFull = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private again = false;

  constructor(
    private readonly agents: QueueAgents,
    private readonly ari: Ari,
    private readonly options: { checkMs: number; fullMs: number } = { checkMs: 2_000, fullMs: 30_000 },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.checkMs);
    this.timer.unref();
  }

  // After stop nothing starts again: a tick already past its ARI check, or an apply that the
  // shutdown's drain finishes (applied()), would otherwise reconcile against a destroyed pool.
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  applied(rev: Revision): void {
    if (rev.status === 'succeeded' && rev.modulesReloaded.includes('app_queue.so')) void this.run('apply');
  }

  private async tick(): Promise<void> {
    if (!this.ari.connected) return;
    let started: string;
    try {
      started = await this.ari.startedAt();
    } catch {
      return;
    }
    if (started !== this.lastStart) {
      this.lastStart = started;
      await this.run('asterisk started');
    } else if (Date.now() - this.lastFull >= this.options.fullMs) {
      await this.run('periodic');
    }
  }

  // Coalesced: a request while one runs makes exactly one more run afterwards.
  run(why: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const log = this.agents.deps.log;
    this.running = (async () => {
      do {
        this.again = false;
        this.lastFull = Date.now();
        try {
          const report = await reconcile(this.agents);
          const changed = report.added + report.removed + report.paused + report.penalties;
          if (changed > 0) log.info({ why, ...report }, 'queue agents reconciled');
        } catch (err) {
          log.warn({ why, err: (err as Error).message }, 'queue agent reconcile failed');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
