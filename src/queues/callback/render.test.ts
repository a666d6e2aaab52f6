import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DesiredState } from '../../render/state';
import type { QueueState } from '../state';
import { renderQueueCallbackDialplan } from './render';

const base = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'test', 'golden', 'empty', 'state.json'), 'utf8'),
) as DesiredState;

function queue(number: string, callback: Partial<QueueState['callback']>): QueueState {
  return {
    number,
    name: `Q ${number}`,
    strategy: 'ringall',
    members: [],
    ringSeconds: 15,
    retrySeconds: 5,
    wrapUpSeconds: 0,
    maxWaitSeconds: 0,
    maxCallers: 0,
    joinWhenEmpty: true,
    leaveWhenEmpty: false,
    announcePosition: false,
    announceHoldTime: false,
    periodicAnnounceGreetingId: null,
    periodicAnnounceSeconds: 60,
    mohClass: 'default',
    vipCallerIds: [],
    vipPriority: 10,
    failoverDestination: { type: 'hangup', target: '' },
    callback: { enabled: true, key: '5', maxAttempts: 3, retrySeconds: 60, ...callback },
  } as QueueState;
}

describe('queue callback dialplan', () => {
  it('gives each queue with callback on an exit context whose key hands the call to Stasis, and none to the others', () => {
    const text = renderQueueCallbackDialplan({
      ...base,
      queues: [queue('702', { key: '9' }), queue('701', { enabled: false }), queue('700', {})],
    });
    expect(text).toContain(
      '[sb-queue-exit-700]\nexten => 5,1,Stasis(switchboard,callback,700,${FILTER(0-9,${QUEUEPOSITION})},${FILTER(0-9,${QUEUE_PRIO})})',
    );
    expect(text).toContain('[sb-queue-exit-702]\nexten => 9,1,Stasis(switchboard,callback,702,');
    expect(text).not.toContain('sb-queue-exit-701');
    expect(text.indexOf('sb-queue-exit-700')).toBeLessThan(text.indexOf('sb-queue-exit-702'));
    // The placeholder's queue, position and number arrive as variables and are filtered to digits.
    expect(text).toContain(
      'Queue(sb-queue-${FILTER(0-9,${SB_CB_QUEUE})},,,,,,,,${FILTER(0-9,${SB_CB_POSITION})})',
    );
  });

  it('always renders the wait context, and refuses a key that is not a plain token', () => {
    expect(renderQueueCallbackDialplan(base)).toContain('[sb-queue-callback-wait]');
    expect(() => renderQueueCallbackDialplan({ ...base, queues: [queue('700', { key: '5,1' })] })).toThrow();
  });

  it('dials numbers back through contexts that reach only the routes of the allowed classes, in route order', () => {
    const route = (id: number, position: number, cls: string, patterns: string[]) => ({
      id,
      name: `r${id}`,
      position,
      patterns,
      strip: 0,
      prepend: '',
      callerIdNumber: null,
      class: cls,
      trunks: ['t'],
    });
    const text = renderQueueCallbackDialplan({
      ...base,
      outboundRoutes: [
        route(7, 2, 'national', ['_0[1-8]XXXXXXXX']),
        route(3, 1, 'international', ['_00.']),
        route(9, 3, 'emergency', ['112']),
        route(4, 4, 'local', ['_[2-9]XXXXXX']),
      ],
    });
    const context = (name: string) => text.slice(text.indexOf(`[${name}]`)).split('\n\n')[0];
    expect(context('sb-cb-out-ln')).toBe(
      '[sb-cb-out-ln]\ninclude => sb-cb-refuse-3\ninclude => sb-out-7\ninclude => sb-cb-refuse-9\ninclude => sb-out-4\ninclude => sb-cb-unrouted',
    );
    expect(context('sb-cb-out-n')).toContain(
      'include => sb-out-7\ninclude => sb-cb-refuse-9\ninclude => sb-cb-refuse-4',
    );
    expect(context('sb-cb-out-none')).not.toContain('sb-out-');
    // Refused without answering: no prompt is bridged to an agent as if the number had answered.
    expect(context('sb-cb-refuse-9')).toBe(
      '[sb-cb-refuse-9]\nexten => 112,1,Set(SB_DIGITS=${FILTER(0-9*+,${EXTEN})})\n same => n,Goto(sb-cb-refused,s,1)',
    );
    expect(context('sb-cb-refused')).toContain('Hangup(21)');
    expect(context('sb-cb-refused')).not.toContain('Answer');
  });
});
