import {
  callerIdMatches,
  canMatchMore,
  compareExtensions,
  extensionMatches,
  findInContext,
  sortContext,
} from '../../src/callflow/pattern';
import { DIAL_PATTERN } from '../../src/lib/asterisk-syntax';

// Asterisk's matching rules (main/pbx.c) as the trace uses them; src/callflow/pattern-asterisk.test.ts
// checks the same cases against a running Asterisk.

describe('extensionMatches: literal extensions', () => {
  it.each([
    ['3225550100', '3225550100', true],
    ['3225550100', '322555010', false],
    ['3225550100', '32255501000', false],
    ['+3225550100', '+3225550100', true],
    ['+3225550100', '3225550100', false],
    ['*72', '*72', true],
    ['#', '#', true],
    ['1', '1', true],
    ['1', '2', false],
  ])('%s vs %s → %s', (pattern, data, expected) => {
    expect(extensionMatches(pattern, data)).toBe(expected);
  });
});

describe('extensionMatches: patterns', () => {
  it.each([
    // X any digit, Z 1-9, N 2-9
    ['_X', '0', true],
    ['_X', '9', true],
    ['_X', '*', false],
    ['_X', '12', false],
    ['_Z', '0', false],
    ['_Z', '1', true],
    ['_N', '1', false],
    ['_N', '2', true],
    ['_NXXNXXXXXX', '2125551234', true],
    ['_NXXNXXXXXX', '2121551234', false],
    ['_nxx', '299', true], // letters are case-insensitive
    ['_zx', '10', true],
    // sets and ranges
    ['_[13-5]X', '10', true],
    ['_[13-5]X', '40', true],
    ['_[13-5]X', '20', false],
    ['_[13-5]X', '60', false],
    ['_0[1-9]XXXXXXX', '021234567', true],
    ['_0[1-9]XXXXXXX', '001234567', false],
    // . one or more of anything, ! zero or more
    ['_00.', '00', false],
    ['_00.', '001', true],
    ['_00.', '0044123456789', true],
    ['_X.', '5', false],
    ['_X.', '55', true],
    ['_X.', '5*#', true],
    ['_X!', '5', true],
    ['_X!', '', false],
    ['_32.', '3225550100', true],
    ['_3225550XXX', '3225550100', true],
    ['_3225550XXX', '3225551100', false],
    ['_3225550XXX', '32255501000', false],
    ['_+X.', '+3225550100', true],
    ['_+X.', '3225550100', false],
    ['_+32.', '+3225550100', true],
    ['_*XX', '*72', true],
    ['_*XX', '#72', false],
    // a literal in a pattern must match exactly
    ['_0900.', '0800123', false],
    ['_0900.', '0900123', true],
  ])('%s vs %s → %s', (pattern, data, expected) => {
    expect(extensionMatches(pattern, data)).toBe(expected);
  });

  it('never matches "s" or an empty number with a digit pattern', () => {
    for (const p of ['_X.', '_X!', '_N.', '_[0-9].', '_+X.']) {
      expect(extensionMatches(p, 's')).toBe(false);
      expect(extensionMatches(p, '')).toBe(false);
    }
    expect(extensionMatches('_+!', '+')).toBe(true);
  });
});

describe('extensionMatches: canmatch and matchmore (what makes Asterisk wait for another digit)', () => {
  it.each([
    ['_1XXX', '1', 'matchmore', true],
    ['_1XXX', '100', 'matchmore', true],
    ['_1XXX', '1000', 'matchmore', false],
    ['_1XXX', '1000', 'canmatch', true],
    ['_1XXX', '10', 'canmatch', true],
    ['_1XXX', '2', 'canmatch', false],
    ['1002', '10', 'matchmore', true],
    ['1002', '1002', 'matchmore', false],
    ['1002', '1003', 'canmatch', false],
    ['2', '2', 'matchmore', false],
    ['_X.', '1', 'matchmore', true],
    ['_X.', '12345', 'matchmore', true],
  ] as const)('%s vs %s (%s) → %s', (pattern, data, mode, expected) => {
    expect(extensionMatches(pattern, data, mode)).toBe(expected);
  });

  it('an early-match pattern (!) stops the wait: Asterisk treats it as final', () => {
    const ctx = [{ exten: '_1!', value: 'a' }];
    expect(canMatchMore(ctx, '1')).toBe(false);
    expect(canMatchMore([{ exten: '_1XX', value: 'b' }], '1')).toBe(true);
  });
});

describe('callerIdMatches', () => {
  it('matches like an extension, and an empty caller ID only an empty pattern', () => {
    expect(callerIdMatches('_32.', '3212345')).toBe(true);
    expect(callerIdMatches('_32.', '3312345')).toBe(false);
    expect(callerIdMatches('0475123456', '0475123456')).toBe(true);
    expect(callerIdMatches('_X.', '')).toBe(false);
    expect(callerIdMatches('', '')).toBe(true);
  });
});

describe('compareExtensions: the order Asterisk keeps a context in (ext_cmp)', () => {
  const sorted = (list: string[]) => [...list].sort(compareExtensions);

  it('puts literal extensions before any pattern', () => {
    expect(sorted(['_X.', '1000', '_1XXX', '999'])).toEqual(['1000', '999', '_1XXX', '_X.']);
  });

  it('puts the more specific character first at the first position that differs', () => {
    // '0' (one char) < [89] (two) < N (8) < Z (9) < X (10) < . < !
    expect(sorted(['_X!', '_X.', '_XX', '_ZX', '_NX', '_[89]X', '_0X'])).toEqual([
      '_0X',
      '_[89]X',
      '_NX',
      '_ZX',
      '_XX',
      '_X.',
      '_X!',
    ]);
    expect(sorted(['_0[89]00X.', '_09XX.', '_0900.'])).toEqual(['_0900.', '_09XX.', '_0[89]00X.']);
  });

  it('orders equal-sized sets by their lowest characters, and [2-9] sorts as N', () => {
    expect(sorted(['_[13]X', '_[12]X'])).toEqual(['_[12]X', '_[13]X']);
    expect(compareExtensions('_[2-9]X', '_NX')).toBe(0);
    expect(compareExtensions('_[0-9]', '_X')).toBe(0);
  });

  it('puts a pattern that ends before one that goes on with a digit after it', () => {
    // the end of a pattern sorts after '.', so _1X. comes before _1X; they never match the same number
    expect(sorted(['_1X', '_1X.'])).toEqual(['_1X.', '_1X']);
    expect(sorted(['_1XX', '_1X'])).toEqual(['_1XX', '_1X']);
  });
});

describe('findInContext: first match in context order', () => {
  const ctx = [
    { exten: '_X!', value: 'anything' },
    { exten: '_09XX.', value: 'premium-ish' },
    { exten: '_0900.', value: '0900' },
    { exten: '0900123', value: 'exact' },
  ];
  it('prefers the exact extension, then the most specific pattern', () => {
    expect(findInContext(ctx, '0900123')?.value).toBe('exact');
    expect(findInContext(ctx, '0900124')?.value).toBe('0900');
    expect(findInContext(ctx, '0910124')?.value).toBe('premium-ish');
    expect(findInContext(ctx, '5')?.value).toBe('anything');
    expect(findInContext(ctx.slice(1), '5')).toBeNull();
  });

  it('tries the caller-ID variant of an extension before the plain one', () => {
    const withCid = [
      { exten: '_X.', value: 'plain' },
      { exten: '_X.', cid: '_0475.', value: 'mobile' },
    ];
    expect(sortContext(withCid).map((e) => e.value)).toEqual(['mobile', 'plain']);
    expect(findInContext(withCid, '100', '0475123456')?.value).toBe('mobile');
    expect(findInContext(withCid, '100', '022345678')?.value).toBe('plain');
    expect(findInContext(withCid, '100', '')?.value).toBe('plain');
  });
});

describe('every pattern the validator allows', () => {
  const allowed = [
    '_X.',
    '_X!',
    '_00.',
    '_0Z.',
    '_0[1-9]XXXXXXX',
    '_[13-5]XX',
    '_+X.',
    '_*XX',
    '_NXXNXXXXXX',
    '3225550100',
    '+3225550100',
    '*72',
  ];
  it.each(allowed)('%s is a valid DIAL_PATTERN and matches a number built from it', (p) => {
    expect(DIAL_PATTERN.test(p)).toBe(true);
    // the pattern's smallest number: each class replaced by its lowest member, . by one digit
    const example = p
      .replace(/^_/, '')
      .replace(/\[(\d)[^\]]*\]/g, '$1')
      .replace(/[Xx]/g, '0')
      .replace(/[Zz]/g, '1')
      .replace(/[Nn]/g, '2')
      .replace(/[.!]$/, '5');
    expect(extensionMatches(p, example)).toBe(true);
    expect(extensionMatches(p, `${example}#`)).toBe(p.endsWith('.') || p.endsWith('!'));
  });
});
