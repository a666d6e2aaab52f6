import { buildFlowGraph, renderFlowHtml } from '../../src/callflow/diagram';
import { describeFlowDestination, type TraceStep, traceCall, traceOutcome } from '../../src/callflow/trace';
import type { IvrState } from '../../src/ivrs/state';
import type { QueueState } from '../../src/queues/state';
import type { DesiredState } from '../../src/render/state';
import type { RingGroupState } from '../../src/ring-groups/state';
import type { TimeConditionState } from '../../src/time-conditions/state';
import { desiredState, extensionState } from '../support/desired-state';

// The trace on hand-built states: every destination kind, the blocklist, first-match order,
// emergency mode and time conditions (holiday, override, schedule).

const ext = (number: string, displayName: string) => extensionState({ number, displayName });

const MENU: IvrState = {
  id: 1,
  name: 'Main menu',
  promptGreetingId: 10,
  options: [
    { digit: '1', destination: { type: 'extension', target: '1001' } },
    { digit: '2', destination: { type: 'extension', target: '1002' } },
    { digit: '3', destination: { type: 'ivr', target: '2' } },
    { digit: '4', destination: { type: 'announcement', target: '5' } },
    { digit: '5', destination: { type: 'queue', target: '600' } },
    { digit: '6', destination: { type: 'external', target: '0471234567' } },
    { digit: '#', destination: { type: 'hangup', target: '' } },
  ],
  directDial: false,
  repeatDigit: '*',
  timeoutSeconds: 5,
  maxRetries: 2,
  retryGreetingId: 11,
  invalidDestination: { type: 'extension', target: '1001' },
};

const OFFICE: TimeConditionState = {
  id: 3,
  name: 'Office hours',
  timezone: 'Europe/Brussels',
  weekly: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({
    day: day as 'mon',
    start: '09:00',
    end: '17:00',
  })),
  holidays: [{ name: 'Christmas', start: '2026-12-25', end: '2026-12-25', yearly: true }],
  override: 'auto',
  openDestination: { type: 'ivr', target: '1' },
  closedDestination: { type: 'announcement', target: '5' },
};

function state(over: Partial<DesiredState> = {}): DesiredState {
  return desiredState({
    settings: { extensionRange: { min: 1000, max: 1999 }, ringSeconds: 25 },
    extensions: [ext('1001', 'Reception'), ext('1002', 'Sales desk'), ext('1500', 'Support')],
    trunks: [],
    outboundRoutes: [
      {
        id: 1,
        name: 'Premium',
        position: 1,
        patterns: ['_0900.'],
        strip: 0,
        prepend: '',
        callerIdNumber: null,
        class: 'premium',
        trunks: ['t1'],
      },
      {
        id: 2,
        name: 'National',
        position: 2,
        patterns: ['_0Z.'],
        strip: 1,
        prepend: '+32',
        callerIdNumber: null,
        class: 'national',
        trunks: ['t1', 't2'],
      },
    ],
    inboundRoutes: [
      {
        id: 7,
        name: 'VIP',
        position: 1,
        did: '_3225550XXX',
        callerId: '_0475.',
        destination: { type: 'extension', target: '1002' },
        callerIdNamePrefix: 'VIP:',
      },
      {
        id: 8,
        name: 'Main',
        position: 2,
        did: '_3225550XXX',
        callerId: null,
        destination: { type: 'time-condition', target: '3' },
        callerIdNamePrefix: '',
      },
      {
        id: 9,
        name: 'Shadowed',
        position: 3,
        did: '3225550100',
        callerId: null,
        destination: { type: 'hangup', target: '' },
        callerIdNamePrefix: '',
      },
      {
        id: 10,
        name: 'Menu line',
        position: 4,
        did: '3225559000',
        callerId: null,
        destination: { type: 'ivr', target: '1' },
        callerIdNamePrefix: '',
      },
      {
        id: 11,
        name: 'Dead end',
        position: 5,
        did: '3225559001',
        callerId: null,
        destination: { type: 'extension', target: '1999' },
        callerIdNamePrefix: '',
      },
      {
        id: 12,
        name: 'Out of range',
        position: 6,
        did: '3225559002',
        callerId: null,
        destination: { type: 'extension', target: '2500' },
        callerIdNamePrefix: '',
      },
      {
        id: 13,
        name: 'Forward',
        position: 7,
        did: '3225559003',
        callerId: null,
        destination: { type: 'external', target: '0900123456' },
        callerIdNamePrefix: '',
      },
    ],
    blockedCallers: [
      { pattern: '_0900.', action: 'busy' },
      { pattern: '0499999999', action: 'hangup' },
    ],
    greetings: [
      { id: 10, name: 'Welcome', sound: 'switchboard/greeting-10', languages: ['en'] },
      { id: 11, name: 'Sorry', sound: 'switchboard/greeting-11', languages: ['en'] },
      { id: 12, name: 'Closed', sound: 'switchboard/greeting-12', languages: ['en'] },
      { id: 13, name: 'Storm', sound: 'switchboard/greeting-13', languages: ['en'] },
    ],
    ivrs: [
      MENU,
      {
        ...MENU,
        id: 2,
        name: 'Sales menu',
        options: [
          { digit: '1', destination: { type: 'extension', target: '1002' } },
          { digit: '9', destination: { type: 'ivr', target: '1' } },
        ],
        directDial: true,
        repeatDigit: null,
        retryGreetingId: null,
        maxRetries: 1,
        invalidDestination: { type: 'hangup', target: '' },
      },
    ],
    announcements: [
      { id: 5, name: 'We are closed', greetingId: 12, destination: { type: 'hangup', target: '' } },
    ],
    timeConditions: [OFFICE],
    ...over,
  });
}

// Tuesday 2026-11-24 10:00 in Brussels (UTC+1) is open; 20:00 is closed; Christmas is a Friday.
const OPEN = new Date('2026-11-24T09:00:00Z');
const EVENING = new Date('2026-11-24T19:00:00Z');
const CHRISTMAS = new Date('2026-12-25T10:00:00Z');

const kinds = (steps: TraceStep[]) => steps.map((s) => s.kind);
const trace = (s: DesiredState, did: string, callerId: string | null, at = OPEN, digits?: string) =>
  traceCall(s, { did, callerId, at, digits });

describe('inbound routes: first match wins', () => {
  it('a caller matching the caller-ID route takes it even though a later route matches the DID too', () => {
    const steps = trace(state(), '3225550100', '0475123456');
    expect(steps[1]).toMatchObject({ kind: 'blocklist' });
    expect(steps[2]).toMatchObject({ kind: 'route', ref: { type: 'inbound-route', id: '7' } });
    expect(steps[2]!.text).toContain("inbound route 'VIP' matched _3225550XXX and caller ID pattern _0475.");
    expect(traceOutcome(steps)).toMatchObject({
      kind: 'rings',
      ref: { type: 'extension', id: '1002' },
      end: true,
    });
    expect(traceOutcome(steps).text).toBe(
      'rings extension 1002 (Sales desk) for 25 s; unanswered, the call ends',
    );
  });

  it('another caller falls through to the next route; the later exact-DID route is shadowed', () => {
    const steps = trace(state(), '3225550100', '022222222');
    const route = steps.find((s) => s.kind === 'route');
    expect(route?.ref).toEqual({ type: 'inbound-route', id: '8' });
    expect(route?.text).toContain('after 1 earlier route did not match');
  });

  it('a DID no route matches hears "not in service"', () => {
    const steps = trace(state(), '3299999999', '022222222');
    expect(traceOutcome(steps)).toMatchObject({ kind: 'no-route', sound: 'ss-noservice' });
    expect(traceOutcome(steps).text).toContain('7 checked in order');
  });

  it('a one-digit DID has no extension in the trunk context and is refused', () => {
    expect(traceOutcome(trace(state(), '5', '022222222')).kind).toBe('rejected');
  });
});

describe('blocklist', () => {
  it('a blocked pattern gets busy, an exact number is hung up', () => {
    const busy = traceOutcome(trace(state(), '3225550100', '0900123456'));
    expect(busy).toMatchObject({ kind: 'blocked' });
    expect(busy.text).toContain('_0900.');
    expect(busy.text).toContain('busy');
    expect(traceOutcome(trace(state(), '3225550100', '0499999999')).text).toContain('hung up');
  });

  it('withheld callers are anonymous: routed normally unless "anonymous" is blocked', () => {
    const open = trace(state(), '3225550100', null);
    expect(kinds(open).slice(0, 3)).toEqual(['arrive', 'anonymous', 'route']);
    // The caller-ID route cannot match an empty caller ID.
    expect(open[2]!.ref?.id).toBe('8');
    const blocked = state({ blockedCallers: [{ pattern: 'anonymous', action: 'hangup' }] });
    expect(traceOutcome(trace(blocked, '3225550100', null))).toMatchObject({ kind: 'blocked' });
    // Only non-digits: FILTER leaves nothing, so it is anonymous too.
    expect(traceOutcome(trace(blocked, '3225550100', 'Restricted')).kind).toBe('blocked');
  });
});

describe('time conditions', () => {
  it('open during the weekly schedule: the menu', () => {
    const steps = trace(state(), '3225550100', '022222222', OPEN);
    const tc = steps.find((s) => s.kind === 'time-condition');
    expect(tc?.text).toMatch(/^time condition 'Office hours' open: within tue 09:00-17:00/);
    expect(traceOutcome(steps)).toMatchObject({ kind: 'choices', ref: { type: 'ivr', id: '1' } });
  });

  it('closed in the evening: the announcement plays, then hang up', () => {
    const steps = trace(state(), '3225550100', '022222222', EVENING);
    expect(steps.find((s) => s.kind === 'time-condition')?.text).toContain(
      'closed: outside the weekly schedule',
    );
    expect(kinds(steps).slice(-3)).toEqual(['announcement', 'playback', 'hangup']);
    expect(steps.find((s) => s.kind === 'playback')?.sound).toBe('switchboard/greeting-12');
  });

  it('closed on a holiday even within the weekly hours', () => {
    const steps = trace(state(), '3225550100', '022222222', CHRISTMAS);
    expect(steps.find((s) => s.kind === 'time-condition')?.text).toContain('holiday "Christmas"');
    expect(traceOutcome(steps).kind).toBe('hangup');
  });

  it('the override wins over the schedule both ways', () => {
    const forcedClosed = state({ timeConditions: [{ ...OFFICE, override: 'closed' }] });
    expect(
      trace(forcedClosed, '3225550100', '022222222', OPEN).find((s) => s.kind === 'time-condition')?.text,
    ).toContain('forced closed by the manual override');
    const forcedOpen = state({ timeConditions: [{ ...OFFICE, override: 'open' }] });
    expect(traceOutcome(trace(forcedOpen, '3225550100', '022222222', CHRISTMAS)).kind).toBe('choices');
  });
});

describe('IVR menus', () => {
  const menu = (digits?: string) => trace(state(), '3225559000', '022222222', OPEN, digits);

  it('without digits the trace stops at the menu and lists its choices', () => {
    const steps = menu();
    const ivr = steps.find((s) => s.kind === 'ivr');
    expect(ivr?.text).toBe("IVR 'Main menu': prompt greeting 'Welcome' plays; waiting 5 s for a key");
    expect(ivr?.sound).toBe('switchboard/greeting-10');
    const end = traceOutcome(steps);
    expect(end.kind).toBe('choices');
    expect(end.choices?.map((c) => c.key)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '#',
      '*',
      'no key / wrong key',
    ]);
    expect(end.choices?.[1]).toEqual({ key: '2', label: 'extension 1002 (Sales desk)' });
  });

  it('pressed 2 → extension 1002', () => {
    const steps = menu('2');
    expect(steps.find((s) => s.kind === 'key')?.text).toBe('pressed 2 → extension 1002 (Sales desk)');
    expect(traceOutcome(steps)).toMatchObject({ kind: 'rings', ref: { id: '1002' } });
  });

  it('a nested menu: 3 then direct dial of 1500 at the sales menu', () => {
    const steps = menu('3 1500');
    expect(steps.filter((s) => s.kind === 'ivr').map((s) => s.ref?.id)).toEqual(['1', '2']);
    expect(steps.find((s) => s.kind === 'direct-dial')?.text).toBe('dialled 1500 → extension 1500');
    expect(traceOutcome(steps)).toMatchObject({ kind: 'rings', ref: { id: '1500' } });
  });

  it('keys typed without a pause carry on to the next menu when the first needs only one', () => {
    expect(traceOutcome(menu('31')).ref?.id).toBe('1002');
  });

  it('direct dial of a number with no extension is a wrong key', () => {
    const steps = menu('3 1234');
    expect(steps.find((s) => s.kind === 'invalid')?.text).toBe('dialled 1234: there is no such extension');
  });

  it('timeouts and wrong keys retry, then go to the final destination', () => {
    const steps = menu('t 7');
    const tail = kinds(steps).slice(kinds(steps).indexOf('ivr') + 1);
    expect(tail).toEqual(['timeout', 'retry', 'invalid', 'retry', 'timeout', 'retries-exhausted', 'rings']);
    expect(steps.find((s) => s.kind === 'retry')).toMatchObject({ sound: 'switchboard/greeting-11' });
    expect(steps.find((s) => s.kind === 'retries-exhausted')?.text).toBe(
      '3 failed tries (retries allowed: 2) → extension 1001 (Reception)',
    );
  });

  it('the repeat key replays the prompt without using a try', () => {
    const steps = menu('* * 2');
    expect(kinds(steps).filter((k) => k === 'repeat')).toHaveLength(2);
    expect(traceOutcome(steps).ref?.id).toBe('1002');
  });

  it('announcement, queue (none configured), external (premium refused) and hangup options', () => {
    expect(kinds(menu('4')).slice(-3)).toEqual(['announcement', 'playback', 'hangup']);
    expect(traceOutcome(menu('5'))).toMatchObject({ kind: 'missing', ref: { type: 'queue', id: '600' } });
    expect(traceOutcome(menu('5')).text).toBe('queue 600 does not exist: the call ends');
    expect(traceOutcome(menu('6'))).toMatchObject({
      kind: 'dials-external',
      ref: { type: 'external', id: '+32471234567' },
    });
    expect(traceOutcome(menu('6')).text).toBe(
      "dials +32471234567 through outbound route 'National' (trunks t1 → t2)",
    );
    expect(traceOutcome(menu('#')).kind).toBe('hangup');
  });

  it('menus that send each other back and forth on silence stop as a loop', () => {
    const s = state();
    s.ivrs = s.ivrs.map((i) =>
      i.id === 1
        ? { ...i, invalidDestination: { type: 'ivr', target: '2' } }
        : { ...i, invalidDestination: { type: 'ivr', target: '1' } },
    );
    const steps = traceCall(s, { did: '3225559000', callerId: '022222222', at: OPEN, digits: '' });
    expect(traceOutcome(steps).kind).toBe('loop');
    expect(steps.length).toBeLessThan(40);
  });

  it('an option back to the parent menu is followed as long as the caller keeps pressing keys', () => {
    const steps = menu('3 9 3 9 2');
    expect(steps.filter((s) => s.kind === 'ivr')).toHaveLength(5);
    expect(traceOutcome(steps).ref?.id).toBe('1002');
  });
});

describe('extensions and external numbers', () => {
  it('an extension that does not exist or is out of range is not in service', () => {
    expect(traceOutcome(trace(state(), '3225559001', '022222222')).text).toBe(
      'extension 1999 does not exist: "number not in service" plays',
    );
    expect(traceOutcome(trace(state(), '3225559002', '022222222')).text).toContain(
      'outside the extension range 1000–1999',
    );
  });

  it('an external number matching a premium route first is refused', () => {
    expect(traceOutcome(trace(state(), '3225559003', '022222222')).kind).toBe('refused');
  });

  it('a destination whose object is gone ends the call', () => {
    const s = state({ ivrs: [] });
    expect(traceOutcome(trace(s, '3225559000', '022222222'))).toMatchObject({
      kind: 'missing',
      ref: { type: 'ivr', id: '1' },
    });
  });
});

describe('emergency mode', () => {
  const on = (over: Partial<DesiredState['emergency']> = {}) =>
    state({
      emergency: {
        active: true,
        allRoutes: true,
        routeIds: [],
        greetingId: 13,
        destination: { type: 'extension', target: '1500' },
        ...over,
      },
    });

  it('reroutes every route: the emergency greeting plays, then the emergency destination', () => {
    const steps = trace(on(), '3225550100', '022222222');
    expect(kinds(steps).slice(-3)).toEqual(['emergency', 'playback', 'rings']);
    expect(steps.find((s) => s.kind === 'emergency')?.text).toContain(
      "time condition 'Office hours' is bypassed",
    );
    expect(steps.find((s) => s.kind === 'playback')).toMatchObject({
      sound: 'switchboard/greeting-13',
      ref: { type: 'greeting', id: '13' },
    });
    expect(traceOutcome(steps).ref?.id).toBe('1500');
  });

  it('only the chosen routes when it is not for all', () => {
    const chosen = on({ allRoutes: false, routeIds: [10] });
    expect(traceOutcome(trace(chosen, '3225559000', '022222222')).ref?.id).toBe('1500');
    expect(kinds(trace(chosen, '3225550100', '022222222'))).not.toContain('emergency');
  });

  it('the blocklist still applies before emergency routing', () => {
    expect(traceOutcome(trace(on(), '3225550100', '0900123456')).kind).toBe('blocked');
  });
});

// ---- call distribution: queues, ring groups, follow-me, voicemail

const SUPPORT_QUEUE: QueueState = {
  number: '600',
  name: 'Support',
  strategy: 'rrmemory',
  members: [
    { extension: '1001', name: 'Reception', penalty: 0, dynamic: false },
    { extension: '1500', name: 'Support', penalty: 0, dynamic: false },
    { extension: '1002', name: 'Sales desk', penalty: 1, dynamic: true },
  ],
  ringSeconds: 15,
  retrySeconds: 5,
  wrapUpSeconds: 0,
  maxWaitSeconds: 120,
  maxCallers: 0,
  joinWhenEmpty: true,
  leaveWhenEmpty: false,
  announcePosition: false,
  announceHoldTime: false,
  periodicAnnounceGreetingId: null,
  periodicAnnounceSeconds: 60,
  mohClass: 'default',
  vipCallerIds: ['0475111111'],
  vipPriority: 5,
  failoverDestination: { type: 'voicemail', target: '1500' },
  callback: {
    enabled: false,
    key: '1',
    maxAttempts: 3,
    retrySeconds: 60,
    allowedClasses: ['local', 'national'],
    allowTypedNumbers: false,
    maxPending: 20,
    maxPerNumberPerDay: 3,
    maxPerCallerPerDay: 5,
  },
};

const SALES_GROUP: RingGroupState = {
  number: '700',
  name: 'Sales team',
  strategy: 'hunt',
  ringSeconds: 20,
  callerIdPrefix: 'Sales:',
  members: [
    { kind: 'extension', target: '1002', confirm: false },
    { kind: 'external', target: '0471234567', confirm: true },
  ],
  failoverDestination: { type: 'announcement', target: '5' },
};

// An inbound route 'Helpdesk' (DID 3225558000) to `dest`, queue priority `prio`.
function distribution(dest: { type: string; target: string }, over: Partial<DesiredState> = {}, prio = 0) {
  const s = state({
    queues: [SUPPORT_QUEUE],
    ringGroups: [SALES_GROUP],
    voicemailBoxes: [{ number: '1500', name: 'Support', pinSet: true, skipPinFromOwnPhone: false }],
    ...over,
  });
  s.inboundRoutes = [
    ...s.inboundRoutes,
    {
      id: 20,
      name: 'Helpdesk',
      position: 20,
      did: '3225558000',
      callerId: null,
      destination: dest,
      callerIdNamePrefix: '',
      queuePriority: prio,
    },
  ];
  return s;
}
const HELPDESK = '3225558000';

describe('queues', () => {
  it('inbound route → queue: name, number, strategy, members, max wait and failover', () => {
    const steps = trace(distribution({ type: 'queue', target: '600' }), HELPDESK, '022222222');
    expect(kinds(steps)).toEqual(['arrive', 'blocklist', 'route', 'queue']);
    const end = traceOutcome(steps);
    expect(end).toMatchObject({ kind: 'queue', ref: { type: 'queue', id: '600' }, end: true });
    expect(end.text).toBe(
      "waits in queue 'Support' (600), strategy rrmemory, 2 static members: Reception (1001), Support (1500); " +
        '1 dynamic agent (when logged in): Sales desk (1002), each agent rung 15 s; ' +
        'after 120 s without an agent → voicemail box 1500 (Support)',
    );
  });

  it('caller priority: the VIP list for a listed caller, the inbound route otherwise', () => {
    const vip = traceOutcome(trace(distribution({ type: 'queue', target: '600' }), HELPDESK, '0475111111'));
    expect(vip.text).toContain("caller priority 5 (0475111111 is on the queue's VIP list)");
    const other = traceOutcome(trace(distribution({ type: 'queue', target: '600' }), HELPDESK, '022222222'));
    expect(other.text).not.toContain('priority');
    const routed = distribution({ type: 'queue', target: '600' }, {}, 8);
    // The route's priority is higher than the VIP priority: it wins even for a VIP.
    expect(traceOutcome(trace(routed, HELPDESK, '0475111111')).text).toContain(
      "caller priority 8 (set by inbound route 'Helpdesk')",
    );
    expect(traceOutcome(trace(routed, HELPDESK, '022222222')).text).toContain('caller priority 8');
  });

  it('an empty queue callers may not join goes straight on to the failover destination', () => {
    const empty = { ...SUPPORT_QUEUE, members: [], joinWhenEmpty: false };
    const steps = trace(
      distribution({ type: 'queue', target: '600' }, { queues: [empty] }),
      HELPDESK,
      '022222222',
    );
    expect(kinds(steps).slice(-2)).toEqual(['queue-failover', 'voicemail']);
    expect(steps.at(-2)!.text).toContain('it has no members and callers do not join an empty queue');
    expect(steps.at(-2)!.text).toContain('→ voicemail box 1500 (Support)');
    expect(traceOutcome(steps)).toMatchObject({
      kind: 'voicemail',
      ref: { type: 'voicemail', id: '1500' },
      text: 'voicemail box 1500 (Support) takes a message',
    });
    // Allowed to join an empty queue, the caller waits for the max wait instead.
    const joinable = { ...empty, joinWhenEmpty: true };
    const wait = traceOutcome(
      trace(distribution({ type: 'queue', target: '600' }, { queues: [joinable] }), HELPDESK, '022222222'),
    );
    expect(wait.kind).toBe('queue');
    expect(wait.text).toContain('no members');
  });

  it('join-when-empty off with members, a full queue, callback and no wait limit are all said', () => {
    const q = {
      ...SUPPORT_QUEUE,
      joinWhenEmpty: false,
      maxCallers: 4,
      maxWaitSeconds: 0,
      callback: { ...SUPPORT_QUEUE.callback, enabled: true },
    };
    const text = traceOutcome(
      trace(distribution({ type: 'queue', target: '600' }, { queues: [q] }), HELPDESK, '022222222'),
    ).text;
    expect(text).toContain('with no agent available at that moment → voicemail box 1500 (Support) at once');
    expect(text).toContain('with 4 callers already waiting →');
    expect(text).toContain('pressing 1 leaves the queue for a callback offer');
    expect(text).toContain('no wait limit');
  });

  it('a queue whose failover is itself stops as a loop', () => {
    const q = {
      ...SUPPORT_QUEUE,
      members: [],
      leaveWhenEmpty: true,
      failoverDestination: { type: 'queue', target: '600' },
    };
    const steps = trace(
      distribution({ type: 'queue', target: '600' }, { queues: [q] }),
      HELPDESK,
      '022222222',
    );
    expect(kinds(steps).slice(-2)).toEqual(['queue-failover', 'loop']);
  });
});

describe('ring groups', () => {
  it('lists the members in strategy order with the ring time, then the failover', () => {
    const end = traceOutcome(
      trace(distribution({ type: 'ring-group', target: '700' }), HELPDESK, '022222222'),
    );
    expect(end).toMatchObject({ kind: 'ring-group', ref: { type: 'ring-group', id: '700' } });
    expect(end.text).toBe(
      "ring group 'Sales team' (700) rings its 2 members one after the other, 20 s each (hunt): " +
        'extension 1002 (Sales desk) → external number 0471234567 (must press 1 to accept); ' +
        'the caller name gets the prefix "Sales:"; nobody answers within 40 s → announcement \'We are closed\'',
    );
    const all = { ...SALES_GROUP, strategy: 'ringall' as const };
    expect(
      traceOutcome(
        trace(distribution({ type: 'ring-group', target: '700' }, { ringGroups: [all] }), HELPDESK, '1'),
      ).text,
    ).toContain('rings all 2 members at once for 20 s (ring all)');
  });

  it('describes queues and ring groups by name', () => {
    const s = distribution({ type: 'hangup', target: '' });
    expect(describeFlowDestination(s, { type: 'queue', target: '600' })).toBe("queue 'Support' (600)");
    expect(describeFlowDestination(s, { type: 'ring-group', target: '700' })).toBe(
      "ring group 'Sales team' (700)",
    );
    expect(describeFlowDestination(s, { type: 'ring-group', target: '701' })).toBe('ring group 701');
  });
});

describe('extension ringing: follow-me and voicemail', () => {
  const followMe = {
    extension: '1002',
    steps: [
      { kind: 'extension' as const, target: '1002', ringSeconds: 15, confirm: false },
      { kind: 'external' as const, target: '0475999999', ringSeconds: 25, confirm: true },
    ],
    finalDestination: { type: 'voicemail', target: '1500' },
  };

  it('an extension with follow-me rings its steps in turn, then the final destination', () => {
    const end = traceOutcome(
      trace(
        distribution({ type: 'extension', target: '1002' }, { followMe: [followMe] }),
        HELPDESK,
        '022222222',
      ),
    );
    expect(end).toMatchObject({ kind: 'follow-me', ref: { type: 'extension', id: '1002' } });
    expect(end.text).toBe(
      'extension 1002 (Sales desk) has follow-me: rings in turn 1. extension 1002 (Sales desk) for 15 s, ' +
        '2. external number 0475999999 (must press 1 to accept) for 25 s; nobody answers → voicemail box 1500 (Support)',
    );
  });

  it('follow-me without steps has no dialplan entry: the phone rings; a voicemail box takes unanswered calls', () => {
    const none = { ...followMe, steps: [] };
    expect(
      traceOutcome(
        trace(distribution({ type: 'extension', target: '1002' }, { followMe: [none] }), HELPDESK, '1'),
      ).kind,
    ).toBe('rings');
    expect(traceOutcome(trace(distribution({ type: 'extension', target: '1500' }), HELPDESK, '1')).text).toBe(
      'rings extension 1500 (Support) for 25 s; unanswered or busy, voicemail box 1500 takes a message',
    );
  });
});

describe('diagram: queues, ring groups and follow-me', () => {
  const graphOf = (s: DesiredState) => {
    const g = buildFlowGraph(s, { type: 'inbound-route', id: 20 });
    if (!g) throw new Error('no graph');
    return g;
  };

  it('a queue node with its details and an edge to the failover', () => {
    const g = graphOf(distribution({ type: 'queue', target: '600' }));
    const q = g.nodes.find((n) => n.id === 'queue:600');
    expect(q).toMatchObject({
      kind: 'queue',
      title: "Queue 'Support' (600)",
      ref: { type: 'queue', id: '600' },
    });
    expect(q?.details).toEqual([
      'strategy rrmemory',
      '2 static members: Reception (1001), Support (1500); 1 dynamic agent (when logged in): Sales desk (1002)',
      'rings each agent 15 s',
      'max wait 120 s',
      '1 VIP caller: priority 5',
    ]);
    expect(q?.warning).toBeUndefined();
    expect(g.edges).toContainEqual({
      from: 'queue:600',
      to: 'voicemail:1500',
      label: 'no agent within 120 s',
    });
    expect(g.nodes.find((n) => n.id === 'voicemail:1500')).toMatchObject({
      kind: 'voicemail',
      details: ['Support'],
    });
    expect(g.nodes.some((n) => n.kind === 'unavailable')).toBe(false);
  });

  it('an empty queue no caller can join warns and always fails over', () => {
    const empty = { ...SUPPORT_QUEUE, members: [], joinWhenEmpty: false };
    const g = graphOf(distribution({ type: 'queue', target: '600' }, { queues: [empty] }));
    expect(g.nodes.find((n) => n.id === 'queue:600')?.warning).toContain('every call goes to the failover');
    expect(g.edges).toContainEqual({
      from: 'queue:600',
      to: 'voicemail:1500',
      label: 'always (nobody to answer)',
    });
  });

  it('a ring group node with its members and a failover edge, drawn in the HTML', () => {
    const g = graphOf(distribution({ type: 'ring-group', target: '700' }));
    expect(g.nodes.find((n) => n.id === 'ring-group:700')).toMatchObject({
      kind: 'ring-group',
      title: "Ring group 'Sales team' (700)",
    });
    expect(g.edges).toContainEqual({
      from: 'ring-group:700',
      to: 'announcement:5',
      label: 'nobody answers within 40 s',
    });
    expect(g.edges).toContainEqual({ from: 'announcement:5', to: 'hangup:', label: 'then' });
    const html = renderFlowHtml(g);
    expect(html).toContain('class="cf-node cf-ring-group"');
    expect(html).toContain('nobody answers within 40 s');
  });

  it('follow-me: the extension lists its steps and leads to the final destination', () => {
    const fm = {
      extension: '1002',
      steps: [{ kind: 'external' as const, target: '0475999999', ringSeconds: 25, confirm: false }],
      finalDestination: { type: 'ring-group', target: '700' },
    };
    const g = graphOf(distribution({ type: 'extension', target: '1002' }, { followMe: [fm] }));
    expect(g.nodes.find((n) => n.id === 'extension:1002')?.details).toEqual([
      'Sales desk',
      'follow-me: rings 1. external number 0475999999 for 25 s',
    ]);
    expect(g.edges).toContainEqual({
      from: 'extension:1002',
      to: 'ring-group:700',
      label: 'nobody answers (follow-me)',
    });
  });

  it('a destination type the system does not have stays unavailable', () => {
    const g = graphOf(distribution({ type: 'conference', target: '1' }));
    expect(g.nodes.find((n) => n.id === 'conference:1')).toMatchObject({ kind: 'unavailable' });
    expect(traceOutcome(trace(distribution({ type: 'conference', target: '1' }), HELPDESK, '1')).kind).toBe(
      'unavailable',
    );
  });
});

describe("the caller's language", () => {
  // The menu line in French; key 8 switches to German (no variant) and replays the menu.
  const french = () => {
    const base = state();
    return state({
      inboundRoutes: base.inboundRoutes.map((r) => (r.id === 10 ? { ...r, language: 'fr' } : r)),
      greetings: base.greetings.map((g) => (g.id === 10 ? { ...g, languages: ['en', 'fr'] } : g)),
      ivrs: base.ivrs.map((i) =>
        i.id === 1
          ? {
              ...i,
              options: [
                ...i.options,
                { digit: '8', destination: { type: 'ivr', target: '1' }, language: 'de' },
              ],
            }
          : i,
      ),
    });
  };

  it('a route with a language says so, and the prompt plays in it', () => {
    const steps = trace(french(), '3225559000', '0470000000', OPEN, '');
    expect(steps.find((s) => s.kind === 'route')?.text).toBe(
      "inbound route 'Menu line' matched 3225559000 (after 3 earlier routes did not match); sets the caller's language to fr",
    );
    expect(steps.find((s) => s.kind === 'ivr')?.text).toContain("prompt greeting 'Welcome' plays in fr;");
  });

  it('an option with a language sets it before its destination; a language without a variant hears the default', () => {
    const steps = trace(french(), '3225559000', '0470000000', OPEN, '8');
    expect(steps.find((s) => s.kind === 'key')?.text).toBe(
      "pressed 8 → sets the caller's language to de, then IVR 'Main menu'",
    );
    expect(steps.filter((s) => s.kind === 'ivr')[1]?.text).toContain(
      "prompt greeting 'Welcome' plays in its default language (no de variant);",
    );
  });

  it('the diagram shows the route language and the key that sets one', () => {
    const g = buildFlowGraph(french(), { type: 'inbound-route', id: 10 });
    expect(g?.nodes.find((n) => n.id === 'inbound-route:10')?.details).toContain("caller's language fr");
    expect(g?.edges).toContainEqual({ from: 'ivr:1', to: 'ivr:1', label: 'press 8 (language de)' });
  });

  it('a route without a language says nothing about it', () => {
    const steps = trace(state(), '3225559000', '0470000000', OPEN, '');
    expect(steps.find((s) => s.kind === 'route')?.text).toBe(
      "inbound route 'Menu line' matched 3225559000 (after 3 earlier routes did not match)",
    );
    expect(steps.find((s) => s.kind === 'ivr')?.text).toContain("prompt greeting 'Welcome' plays;");
  });
});
