import type { Knex } from 'knex';
import type { AsteriskControl } from '../../asterisk/control';
import { withTx } from '../../db/tx';
import { ConflictError, NotFoundError, UnprocessableError } from '../../http/errors';
import type { Logger } from '../../lib/log';
import * as queues from '../repo';
import type { QueueMemberState } from '../state';
import { forgetShown, queueCommands } from './asterisk';
import * as repo from './repo';
import type { AgentSession } from './schema';

export interface AgentDeps {
  db: Knex;
  control: AsteriskControl;
  log: Logger;
}

// Desired state of one member as Asterisk should have it.
export interface MemberTarget {
  queue: string;
  member: QueueMemberState;
  present: boolean;
  paused: boolean;
  reason: string | null;
}

// Agent login, logout and pause. MySQL holds the state (queue_agent_sessions); Asterisk's live
// members follow it at once (the CLI or the AMI, asterisk/control.ts), and the reconciler repairs
// whatever that missed (Asterisk down or restarted, a queue not applied yet). One lock orders every
// change to Asterisk, so a reconcile never interleaves with a login.
export class QueueAgents {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly deps: AgentDeps) {}

  // Runs fn after every earlier locked operation, whatever their outcome.
  locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  login(number: string, ext: string, by: string): Promise<AgentSession> {
    return this.change(number, ext, by, 'login', (member, current) => {
      if (!member.dynamic)
        throw new UnprocessableError(
          `extension ${ext} is a static member of queue ${number}: it is always logged in`,
        );
      return {
        logged_in: true,
        paused: current?.logged_in ? current.paused : false,
        pause_reason: current?.logged_in ? current.pause_reason : null,
      };
    });
  }

  logout(number: string, ext: string, by: string): Promise<AgentSession> {
    return this.change(number, ext, by, 'logout', (member) => {
      if (!member.dynamic)
        throw new UnprocessableError(
          `extension ${ext} is a static member of queue ${number}: it cannot log out, only pause`,
        );
      return { logged_in: false, paused: false, pause_reason: null };
    });
  }

  pause(number: string, ext: string, reason: string, by: string): Promise<AgentSession> {
    return this.change(number, ext, by, 'pause', (member, current) => {
      if (member.dynamic && !current?.logged_in)
        throw new ConflictError(`extension ${ext} is not logged in to queue ${number}`);
      return { logged_in: true, paused: true, pause_reason: reason };
    });
  }

  unpause(number: string, ext: string, by: string): Promise<AgentSession> {
    return this.change(number, ext, by, 'unpause', (member, current) => {
      if (member.dynamic && !current?.logged_in)
        throw new ConflictError(`extension ${ext} is not logged in to queue ${number}`);
      return { logged_in: true, paused: false, pause_reason: null };
    });
  }

  // *45 / *45<queue>: logged in nowhere (of those queues) → log in to all; otherwise log out of all.
  async toggleLogin(ext: string, queue: string | null, by: string): Promise<'in' | 'out' | 'none'> {
    const all = await repo.queuesOfMember(this.deps.db, ext, 'dynamic');
    const numbers = all.map((q) => q.number).filter((n) => queue === null || n === queue);
    if (numbers.length === 0) return 'none';
    const current = await Promise.all(numbers.map((n) => this.session(n, ext)));
    const goIn = current.every((s) => !s.logged_in);
    for (const n of numbers) {
      if (goIn) await this.login(n, ext, by);
      else await this.logout(n, ext, by);
    }
    return goIn ? 'in' : 'out';
  }

  // *46: pauses every queue the extension takes calls in (reason "phone"), or unpauses them all
  // when all are paused.
  async togglePause(ext: string, by: string): Promise<'paused' | 'unpaused' | 'none'> {
    const all = await repo.queuesOfMember(this.deps.db, ext, 'any');
    const active: Array<{ number: string; paused: boolean }> = [];
    for (const q of all) {
      const s = await this.session(q.number, ext);
      if (!q.dynamic || s.logged_in) active.push({ number: q.number, paused: s.paused });
    }
    if (active.length === 0) return 'none';
    const pause = active.some((a) => !a.paused);
    for (const a of active) {
      if (pause) await this.pause(a.number, ext, 'phone', by);
      else await this.unpause(a.number, ext, by);
    }
    return pause ? 'paused' : 'unpaused';
  }

  async session(number: string, ext: string): Promise<AgentSession> {
    const { queue, member } = await this.target(this.deps.db, number, ext);
    const row = await repo.find(this.deps.db, queue.row.id, ext);
    return toSession(number, member, row, true);
  }

  private async target(db: Knex, number: string, ext: string) {
    const queue = await queues.find(db, number);
    if (!queue) throw new NotFoundError('queue');
    const member = queue.state.members.find((m) => m.extension === ext);
    if (!member)
      throw new UnprocessableError(`extension ${ext} is not a member of queue ${number}`, [
        { path: 'ext', message: `not a member of queue ${number}` },
      ]);
    return { queue, member };
  }

  private async change(
    number: string,
    ext: string,
    by: string,
    action: string,
    next: (
      member: QueueMemberState,
      current: repo.SessionRow | null,
    ) => { logged_in: boolean; paused: boolean; pause_reason: string | null },
  ): Promise<AgentSession> {
    return this.locked(async () => {
      const { member, row } = await withTx(this.deps.db, async (tx) => {
        const { queue, member } = await this.target(tx, number, ext);
        const state = next(member, await repo.find(tx, queue.row.id, ext, true));
        await repo.save(tx, queue.row.id, ext, state);
        return { member, row: await repo.find(tx, queue.row.id, ext) };
      });
      this.deps.log.info({ queue: number, extension: ext, action, by }, 'queue agent changed');
      const target: MemberTarget = {
        queue: number,
        member,
        present: !member.dynamic || Boolean(row?.logged_in),
        paused: Boolean(row?.paused),
        reason: row?.pause_reason ?? null,
      };
      const applied = await this.applyLive(target, action).then(
        () => true,
        (err: unknown) => {
          this.deps.log.warn(
            { err: (err as Error).message, queue: number, extension: ext },
            'queue agent change not live yet; the reconciler will apply it',
          );
          return false;
        },
      );
      return toSession(number, member, row, applied);
    });
  }

  // Makes one member in Asterisk match the target, from what the change was.
  private async applyLive(t: MemberTarget, action: string): Promise<void> {
    const ext = t.member.extension;
    try {
      if (action === 'logout') {
        await queueCommands.remove(this.deps.control, t.queue, ext);
        return;
      }
      if (action === 'login')
        await queueCommands.add(this.deps.control, t.queue, ext, t.member.penalty, t.member.name);
      await this.setPaused(t);
    } finally {
      forgetShown(this.deps.control, t.queue);
    }
  }

  async setPaused(t: MemberTarget): Promise<void> {
    const ext = t.member.extension;
    if (t.paused) await queueCommands.pause(this.deps.control, t.queue, ext, t.reason ?? 'paused');
    else await queueCommands.unpause(this.deps.control, t.queue, ext);
  }
}

function toSession(
  number: string,
  member: QueueMemberState,
  row: repo.SessionRow | null,
  liveApplied: boolean,
): AgentSession {
  return {
    queue: number,
    extension: member.extension,
    dynamic: member.dynamic,
    logged_in: member.dynamic ? Boolean(row?.logged_in) : true,
    paused: Boolean(row?.paused) && (!member.dynamic || Boolean(row?.logged_in)),
    pause_reason: row?.paused ? row.pause_reason : null,
    changed_at: row ? new Date(row.changed_at).toISOString() : null,
    live_applied: liveApplied,
  };
}
