import type { QueueState } from '../state';
import { renderAgentCodes } from './render';

const settings = { ariApp: 'switchboard' } as Parameters<typeof renderAgentCodes>[0]['settings'];
const queue = {
  number: '700',
  members: [{ extension: '2001', name: 'A', penalty: 0, dynamic: true }],
} as QueueState;

describe('renderAgentCodes', () => {
  it('always renders the context; the codes only while some queue has members', () => {
    const codes = { 'agent-toggle': '*45', 'agent-pause': '*46' };
    const none = renderAgentCodes({ settings, featureCodes: codes, queues: [] });
    expect(none).toContain('[sb-agent-codes]');
    expect(none).not.toContain('exten =>');
    const out = renderAgentCodes({ settings, featureCodes: codes, queues: [queue] });
    expect(out).toContain(
      'exten => *45,1,Stasis(switchboard,agent,toggle,${FILTER(0-9,${CHANNEL(endpoint)})})',
    );
    expect(out).toContain(
      'exten => _*45X!,1,Stasis(switchboard,agent,toggle,${FILTER(0-9,${CHANNEL(endpoint)})},${FILTER(0-9,${EXTEN:3})})',
    );
    expect(out).toContain(
      'exten => *46,1,Stasis(switchboard,agent,pause,${FILTER(0-9,${CHANNEL(endpoint)})})',
    );
  });

  it('leaves out a disabled code, and a code that could not stand in a dialplan pattern', () => {
    const out = renderAgentCodes({ settings, featureCodes: { 'agent-toggle': '*4;5' }, queues: [queue] });
    expect(out).toContain('[sb-agent-codes]');
    expect(out).not.toContain('exten =>');
    const other = renderAgentCodes({ settings, featureCodes: { 'agent-toggle': '#12' }, queues: [queue] });
    expect(other).not.toContain('exten =>');
  });
});
