import type { OutboundRouteState } from '../../routes';
import { hardRefusal } from '../../routes';
import { UpdateQueue } from '../schema';
import { reachFor } from './reach';
import { callbackOutContext } from './render';

// The classifier that decides, before anything is stored or dialled, whether a queue may call a
// number back: the same outbound routes in the same order as the dialplan, Asterisk's own pattern
// matching, and refusals no route or admin setting can lift.

function route(id: number, position: number, cls: string, patterns: string[]): OutboundRouteState {
  return {
    id,
    name: `r${id}`,
    position,
    patterns,
    strip: 0,
    prepend: '',
    callerIdNumber: null,
    class: cls,
    trunks: ['t'],
  };
}

const ROUTES = [
  route(1, 1, 'emergency', ['112', '911', '999']),
  route(2, 2, 'premium', ['_09XXXXXXXX', '_118XXX']),
  route(3, 3, 'international', ['_00.']),
  route(4, 4, 'national', ['_0[1-8]XXXXXXXX']),
  route(5, 5, 'local', ['_[2-9]XXXXXX']),
  // A catch-all after them: a refused route must not let a number fall through to it.
  route(6, 6, 'national', ['_X.']),
];
const BOTH = ['local', 'national'];

describe('callback number classification', () => {
  it('refuses international prefixes, emergency numbers and short codes whatever the routes say', () => {
    for (const n of ['0044207946000', '+442079460000', '011442079460000', '00', '+1']) {
      expect([n, hardRefusal(n)]).toEqual([n, { kind: 'refused', reason: 'international' }]);
    }
    for (const n of ['112', '911', '999', '000', '110']) {
      expect([n, hardRefusal(n)]).toEqual([n, { kind: 'refused', reason: 'emergency' }]);
    }
    for (const n of ['116000', '118218', '3030', '19']) {
      expect([n, hardRefusal(n)]).toEqual([n, { kind: 'refused', reason: 'short-code' }]);
    }
    expect(hardRefusal('0470000003')).toBeNull();
    expect(hardRefusal('2345678')).toBeNull();
  });

  it('lets through only numbers whose first matching route is of an allowed class, in the callback context', () => {
    expect(reachFor('0470000003', false, ROUTES, BOTH)).toEqual({ ok: true, context: 'sb-cb-out-ln' });
    expect(reachFor('2345678', false, ROUTES, ['local'])).toEqual({ ok: true, context: 'sb-cb-out-l' });
    expect(reachFor('0470000003', false, ROUTES, ['local'])).toMatchObject({ ok: false });
    // Premium matches route 2 first; the national catch-all after it never gets the number.
    expect(reachFor('0900123456', false, ROUTES, BOTH)).toEqual({
      ok: false,
      reason: 'a premium number, which this queue does not call back',
    });
    expect(reachFor('0044207946000', false, ROUTES, BOTH)).toEqual({
      ok: false,
      reason: 'international number',
    });
    expect(reachFor('112', false, ROUTES, BOTH)).toEqual({ ok: false, reason: 'emergency number' });
    expect(reachFor('0470000003', false, [], BOTH)).toEqual({
      ok: false,
      reason: 'no outbound route takes it',
    });
    // A row that somehow holds a forbidden class does not widen anything.
    expect(reachFor('0900123456', false, ROUTES, [...BOTH, 'premium'])).toMatchObject({ ok: false });
    expect(reachFor('0470000003', false, ROUTES, [])).toMatchObject({ ok: false });
    for (const n of ['', '12', '04700000031234567890123', '0470*00003', '047000000#', '+44 20']) {
      expect([n, reachFor(n, false, ROUTES, BOTH)]).toEqual([n, { ok: false, reason: 'not a phone number' }]);
    }
  });

  it('calls extensions back directly, whatever the classes', () => {
    expect(reachFor('2101', true, ROUTES, [])).toEqual({ ok: true, context: 'sb-dest-extension' });
  });

  it('names one context per allowed set, ignoring classes a callback may never dial', () => {
    expect(callbackOutContext(['national', 'local'])).toBe('sb-cb-out-ln');
    expect(callbackOutContext(['national', 'premium', 'international', 'emergency'])).toBe('sb-cb-out-n');
    expect(callbackOutContext([])).toBe('sb-cb-out-none');
  });
});

describe('queue callback settings', () => {
  const queue = (callback: Record<string, unknown>) => ({
    name: 'Sales',
    failover_destination: { type: 'hangup', target: '' },
    callback: { enabled: true, ...callback },
  });

  it('defaults to local and national, the caller ID only, and caps', () => {
    const parsed = UpdateQueue.parse(queue({}));
    expect(parsed.callback).toMatchObject({
      allowed_classes: ['local', 'national'],
      allow_typed_numbers: false,
      max_pending: 20,
      max_per_number_per_day: 3,
      max_per_caller_per_day: 5,
    });
  });

  it('refuses premium, international and emergency as callback classes, and caps out of range', () => {
    for (const cls of ['premium', 'international', 'emergency', 'internal', 'LOCAL']) {
      const r = UpdateQueue.safeParse(queue({ allowed_classes: ['local', cls] }));
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]).toMatchObject({
        path: ['callback', 'allowed_classes', 1],
        message: expect.stringContaining('never international, premium or emergency'),
      });
    }
    expect(UpdateQueue.safeParse(queue({ allowed_classes: ['local', 'local'] })).success).toBe(false);
    for (const [key, value] of [
      ['max_pending', 0],
      ['max_pending', 1001],
      ['max_per_number_per_day', 0],
      ['max_per_caller_per_day', 1.5],
      ['allow_typed_numbers', 'yes'],
    ] as const) {
      expect([key, value, UpdateQueue.safeParse(queue({ [key]: value })).success]).toEqual([
        key,
        value,
        false,
      ]);
    }
    expect(UpdateQueue.parse(queue({ allowed_classes: [] })).callback.allowed_classes).toEqual([]);
  });
});
