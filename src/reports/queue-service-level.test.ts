import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestApp } from '../../test/support/app';
import { testEnv } from '../../test/support/env';

// The service level a queue promises: stored per queue, given to Asterisk as servicelevel, and
// the threshold the reports count answers within (src/reports/reports.test.ts).
const app = useTestApp();
const queuesConf = () => readFileSync(join(testEnv.asteriskConfigDir, 'queues.conf'), 'utf8');
const section = (number: string) =>
  queuesConf()
    .split(/^\[/m)
    .find((s) => s.startsWith(`sb-queue-${number}]`)) ?? '';
const queue = (number: string, extra: Record<string, unknown> = {}) => ({
  number,
  name: `Queue ${number}`,
  failover_destination: { type: 'hangup', target: '' },
  ...extra,
});

test('a queue defaults to 20 s, keeps the value given, and Asterisk gets it as servicelevel', async () => {
  const plain = await app.api('POST', '/api/v1/queues', { body: queue('610') });
  expect(plain.status).toBe(201);
  expect(plain.body.service_level_seconds).toBe(20);
  const strict = await app.api('POST', '/api/v1/queues', {
    body: queue('611', { service_level_seconds: 45 }),
  });
  expect(strict.status).toBe(201);
  expect((await app.api('GET', '/api/v1/queues/611')).body.service_level_seconds).toBe(45);
  // The debounced apply after the POSTs may have written the file already.
  await app.applied();
  expect(section('610')).toMatch(/^servicelevel = 20$/m);
  expect(section('611')).toMatch(/^servicelevel = 45$/m);
});

test('a service level outside 1-600 s or not a whole number is refused and nothing changes', async () => {
  for (const bad of [0, 601, 2.5, '30', -1, null]) {
    const res = await app.api('PUT', '/api/v1/queues/611', {
      body: queue('611', { service_level_seconds: bad }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['service_level_seconds']);
  }
  expect((await app.api('GET', '/api/v1/queues/611')).body.service_level_seconds).toBe(45);
});
