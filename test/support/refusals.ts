import type { ApiResponse, TestApp } from './app';
import { snapshotConfig } from './config-files';

// The fields an API error names (its details' paths).
export const errorPaths = (res: { body: { error: { details: Array<{ path: string }> } } }): string[] =>
  res.body.error.details.map((d) => d.path);

// How many rows a table holds.
export async function rowCount(app: Pick<TestApp, 'sb'>, table: string): Promise<number> {
  const row = (await app.sb.deps.db(table).count({ n: '*' }).first()) as { n: number };
  return Number(row.n);
}

// Runs a request that must be refused, once the applies asked for so far have run, and checks
// that it changed neither a generated config file nor what `probe` reads (a row count, a row…).
// Returns the request's answer for the caller's own checks of the refusal.
export async function changesNothing<T>(
  app: Pick<TestApp, 'settled'>,
  request: () => Promise<T>,
  probe: () => Promise<unknown> = async () => undefined,
): Promise<T> {
  await app.settled();
  const before = snapshotConfig();
  const probed = await probe();
  const res = await request();
  expect(await probe()).toEqual(probed);
  expect(snapshotConfig()).toEqual(before);
  return res;
}

// POSTs `body` to `url`, which must answer `status` and change nothing (see changesNothing);
// returns the answer for the caller's checks of what the refusal says.
export async function refusedPost(
  app: Pick<TestApp, 'settled' | 'api'>,
  url: string,
  body: unknown,
  probe: () => Promise<unknown>,
  status: number,
): Promise<ApiResponse<any>> {
  const res = await changesNothing(app, () => app.api('POST', url, { body }), probe);
  expect(res.status).toBe(status);
  return res;
}
