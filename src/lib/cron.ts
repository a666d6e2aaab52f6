// node-cron takes a seconds field: every N s for N < 60, every N/60 min for whole minutes.
export function cronEvery(seconds: number): string {
  if (seconds < 60) return `*/${seconds} * * * * *`;
  return `0 */${Math.round(seconds / 60)} * * * *`;
}
