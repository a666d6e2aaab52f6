import { killAllCarrierSipp } from '../carrier/sipp';
import { hangUpChannels } from './asterisk';
import type { CallObserver } from './call-observer';
import { killAllSipp } from './sip';

// After each test of a suite placing real calls: no sipp left running, no call left in
// Asterisk, no events kept.
export async function endCalls(observer?: CallObserver): Promise<void> {
  killAllSipp();
  killAllCarrierSipp();
  await hangUpChannels().catch(() => undefined);
  observer?.clear();
}
