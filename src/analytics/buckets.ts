// 15-minute UTC buckets: the grain of every rollup.
export const BUCKET_MS = 15 * 60 * 1000;
export const DAY_MS = 86_400_000;

export const bucketOf = (t: Date | number): Date => {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(Math.floor(ms / BUCKET_MS) * BUCKET_MS);
};

// The bucket of a DATETIME column in SQL, independent of the session time zone (UNIX_TIMESTAMP
// and FROM_UNIXTIME would go through it, and through its DST gaps).
export const sqlBucket = (column: string): string =>
  `TIMESTAMPADD(MINUTE, FLOOR(TIMESTAMPDIFF(MINUTE, TIMESTAMP'2000-01-01 00:00:00', ${column}) / 15) * 15, TIMESTAMP'2000-01-01 00:00:00')`;

// Sorted bucket starts → [from, to) ranges of contiguous buckets, each at most maxBuckets long
// and never crossing a multiple of breakMs, so one DELETE+INSERT covers a run of buckets with
// a range scan.
export function bucketRanges(
  buckets: Date[],
  maxBuckets: number,
  breakMs = Number.POSITIVE_INFINITY,
): Array<[Date, Date]> {
  const sorted = [...new Set(buckets.map((b) => b.getTime()))].sort((a, b) => a - b);
  const ranges: Array<[Date, Date]> = [];
  let start: number | undefined;
  let end = 0;
  for (const b of sorted) {
    if (start !== undefined && b === end && (end - start) / BUCKET_MS < maxBuckets && b % breakMs !== 0) {
      end = b + BUCKET_MS;
      continue;
    }
    if (start !== undefined) ranges.push([new Date(start), new Date(end)]);
    start = b;
    end = b + BUCKET_MS;
  }
  if (start !== undefined) ranges.push([new Date(start), new Date(end)]);
  return ranges;
}
