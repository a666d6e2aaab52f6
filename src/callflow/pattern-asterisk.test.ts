import { randomBytes } from 'node:crypto';
import { asteriskCli, waitFor } from '../../test/support/asterisk';
import { requireAsterisk, testEnv } from '../../test/support/env';
import { findInContext, sortContext } from './pattern';

// The trace's pattern matching against a real Asterisk: each case becomes a throwaway context
// (added with the CLI's `dialplan add extension`, never written to a file), then a Local channel
// dials each number into it and the extension that ran records its index in a global variable.
// Asterisk's own listing order (`dialplan show`) must equal sortContext's.

jest.setTimeout(180_000);

const CASES: Array<{ patterns: string[]; numbers: string[] }> = [
  {
    patterns: ['_X!', '_0900.', '_09XX.', '_0[89]00X.', '0900123', '_0ZXXXXXXX'],
    numbers: ['0900123', '0900124', '0910124', '0800555', '012345678', '5', '0812345678'],
  },
  {
    patterns: ['_NXX', '_ZXX', '_XXX', '_[2-3]XX', '_2XX', '_X.', '_[13-5]X.'],
    numbers: ['200', '300', '100', '050', '999', '4123', '0000', '19'],
  },
  {
    patterns: ['_3225550XXX', '_32.', '3225550100', '_+X.', '_+32.', '_X!'],
    numbers: ['3225550100', '3225550199', '3225551000', '32', '+3225550100', '+4412345'],
  },
  {
    patterns: ['_1XXX', '_1X', '_1X.', '_[1-2]XXX', '_*XX', '*72'],
    numbers: ['1000', '10', '100', '10000', '2999', '*72', '*73'],
  },
];

const ari = (method: string, path: string, body?: unknown) =>
  fetch(`${testEnv.ariUrl}/ari${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${testEnv.ariUsername}:${testEnv.ariPassword}`).toString('base64')}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

const contexts: string[] = [];

beforeAll(() => {
  requireAsterisk();
});

afterAll(async () => {
  for (const c of contexts) await asteriskCli(`dialplan remove context ${c}`).catch(() => undefined);
});

describe('pattern matching agrees with Asterisk', () => {
  it.each(CASES.map((c, i) => [i, c] as const))(
    'case %i: same order and same winner for every number',
    async (_i, c) => {
      const ctx = `sbpt-${randomBytes(4).toString('hex')}`;
      const park = `${ctx}-park`;
      contexts.push(ctx, park);
      await asteriskCli(`dialplan add extension s,1,Wait(2) into ${park}`);
      for (const [i, p] of c.patterns.entries()) {
        await asteriskCli(`dialplan add extension ${p},1,Set(GLOBAL(\${SBVAR})=${i}) into ${ctx}`);
      }
      const listing = await asteriskCli(`dialplan show ${ctx}`);
      const order = [...listing.matchAll(/^\s*'([^']+)' =>/gm)].map((m) => m[1]);
      const entries = c.patterns.map((p, i) => ({ exten: p, value: i }));
      expect(order).toEqual(sortContext(entries).map((e) => e.exten));

      for (const [n, number] of c.numbers.entries()) {
        const variable = `SBW_${ctx.replace(/-/g, '_')}_${n}`;
        const expected = findInContext(entries, number)?.value ?? null;
        const res = await ari(
          'POST',
          `/channels?endpoint=${encodeURIComponent(`Local/${number}@${ctx}`)}&context=${park}&extension=s&priority=1`,
          { variables: { SBVAR: variable } },
        );
        if (expected === null) {
          // No extension: Asterisk refuses to create the Local channel.
          expect(res.ok).toBe(false);
          continue;
        }
        expect(res.ok).toBe(true);
        const got = await waitFor(`${variable} for ${number}`, async () => {
          const r = await ari('GET', `/asterisk/variable?variable=${variable}`);
          if (!r.ok) return null;
          const v = ((await r.json()) as { value: string }).value;
          return v === '' ? null : v;
        });
        expect({ number, winner: c.patterns[Number(got)] }).toEqual({ number, winner: c.patterns[expected] });
      }
    },
  );
});
