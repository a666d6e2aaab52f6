import type { Knex } from 'knex';
import type { Logger } from '../lib/log';
import { localParts, zonedTime } from '../lib/timezone';
import { runReport } from '../reports';
import type { QueueToday } from './types';

const BUCKET_MS = 15 * 60_000;
// Rollups advance once a minute: asking the report engine more often only repeats the answer.
const CACHE_MS = 30_000;

// The UTC instant of 00:00 today in an IANA time zone (the zone's offset at that moment, so a
// DST change during the day does not move midnight).
export function startOfLocalDay(now: Date, timezone: string): Date {
  const { year, month, day } = localParts(now, timezone);
  return zonedTime(year, month, day, 0, 0, timezone);
}

const EMPTY: QueueToday = { answered: null, abandoned: null, service_level: null };

// Today's answered/abandoned/service level per queue, from the report engine (rollups only).
export class TodayFigures {
  private cached: { at: number; from: number; value: Map<string, QueueToday> } | null = null;
  private pending: Promise<Map<string, QueueToday>> | null = null;

  constructor(
    private readonly db: Knex,
    private readonly timezone: string,
    private readonly log: Logger,
  ) {}

  async forQueues(now: Date): Promise<{ from: Date; byQueue: Map<string, QueueToday> }> {
    const from = startOfLocalDay(now, this.timezone);
    const c = this.cached;
    if (c && c.from === from.getTime() && now.getTime() - c.at < CACHE_MS) return { from, byQueue: c.value };
    this.pending ??= this.load(from, now).finally(() => {
      this.pending = null;
    });
    return { from, byQueue: await this.pending };
  }

  private async load(from: Date, now: Date): Promise<Map<string, QueueToday>> {
    const byQueue = new Map<string, QueueToday>();
    try {
      const result = await runReport(
        this.db,
        {
          from,
          to: new Date(Math.ceil((now.getTime() + 1) / BUCKET_MS) * BUCKET_MS),
          groupBy: 'queue',
          kpis: ['answered', 'abandoned', 'service_level'],
          timezone: this.timezone,
        },
        { timezone: this.timezone },
      );
      for (const row of result.rows) {
        byQueue.set(row.key, {
          answered: row.values.answered ?? null,
          abandoned: row.values.abandoned ?? null,
          service_level: row.values.service_level ?? null,
        });
      }
    } catch (err) {
      // The live part of the wallboard stands without today's figures.
      this.log.warn({ err: (err as Error).message }, 'wallboard: today figures unavailable');
    }
    this.cached = { at: now.getTime(), from: from.getTime(), value: byQueue };
    return byQueue;
  }
}

export function todayFor(byQueue: Map<string, QueueToday>, queue: string): QueueToday {
  return byQueue.get(queue) ?? EMPTY;
}
