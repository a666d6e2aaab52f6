import type { Applier, ApplyRequest } from './apply';
import type { Revision } from './revisions.repo';

interface Waiter {
  request: ApplyRequest;
  resolve(rev: Revision): void;
  reject(err: unknown): void;
}

// Coalesces apply requests: everything that arrives while one apply runs (or within the debounce
// window) is served by one following apply. Only one apply runs at a time per Asterisk.
export class ApplyQueue {
  private pending: Waiter[] = [];
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  // Work that must follow an apply (a deleted extension's registrations purged): a caller that
  // waits for the apply to be done waits for these too.
  private readonly followUps = new Set<Promise<unknown>>();

  constructor(
    private readonly applier: Applier,
    private readonly debounceMs: number,
  ) {}

  request(request: ApplyRequest): Promise<Revision> {
    return new Promise<Revision>((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      this.schedule();
    });
  }

  // Runs `work` (which requests its own apply first) and counts it as part of being settled.
  follow(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.followUps.delete(tracked));
    this.followUps.add(tracked);
  }

  // A forced apply as the API and the Apply page run it: it resolves once its apply has run and
  // the work that follows earlier applies has finished, so what Asterisk holds is then final.
  async requestAndFollow(request: ApplyRequest): Promise<Revision> {
    const rev = await this.request(request);
    await Promise.all([...this.followUps]);
    return rev;
  }

  // Used by graceful shutdown: waits for the running apply and anything queued behind it.
  async drain(): Promise<void> {
    while (this.running || this.timer || this.pending.length > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
        this.start();
      }
      await this.running;
    }
    await Promise.all([...this.followUps]);
    this.paused = true;
  }

  // Resolves once every apply requested so far has run (and any requested meanwhile): what a
  // caller that wrote something waits for before it reads what Asterisk now has.
  async settled(): Promise<void> {
    while (this.running || this.timer || this.pending.length > 0 || this.followUps.size > 0) {
      if (this.running) await this.running;
      else if (this.followUps.size > 0 && !this.timer && this.pending.length === 0)
        await Promise.all([...this.followUps]);
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  private schedule(): void {
    if (this.paused || this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, this.debounceMs);
  }

  private start(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.running = this.applier
      .run(batch.map((w) => w.request))
      .then(
        (rev) => {
          for (const w of batch) w.resolve(rev);
        },
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      )
      .finally(() => {
        this.running = null;
        if (this.pending.length > 0) this.schedule();
      });
  }
}
