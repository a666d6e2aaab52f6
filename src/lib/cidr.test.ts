import { cidrMatcher, isCidr } from './cidr';

describe('addresses and networks', () => {
  it.each(['203.0.113.9', '203.0.113.0/24', '0.0.0.0/0', '2001:db8::7', '2001:db8::/32', '::1/128'])(
    'takes %s',
    (s) => expect(isCidr(s)).toBe(true),
  );

  it.each([
    '',
    'example.com',
    '203.0.113.0/33',
    '2001:db8::/129',
    '10.0.0.1/8/8',
    '10.0.0.1/',
    '10.0.0.1/x',
    '10.0.0.1;',
  ])('refuses %j', (s) => expect(isCidr(s)).toBe(false));

  it('matches an address exactly and a network by prefix, across both families', () => {
    const allowed = cidrMatcher(['127.0.0.1', '198.51.100.0/24', '2001:db8::/32']);
    expect(['127.0.0.1', '198.51.100.77', '2001:db8::5'].map(allowed)).toEqual([true, true, true]);
    expect(['127.0.0.5', '198.51.101.1', '2001:db9::5'].map(allowed)).toEqual([false, false, false]);
    expect(cidrMatcher([])('127.0.0.1')).toBe(false);
  });
});
