import { killAllCarrierSipp } from '../carrier/sipp';
import { deleteAll, type TestApp } from './app';
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

// After all tests of a suite placing real calls: stops the observer and, if the app started,
// runs `cleanUp` (which may undo settings first) and deletes the paths it returns, in order,
// then applies; the app is closed whatever failed on the way.
export async function endCallSuite(
  app: TestApp | undefined,
  observer: CallObserver | undefined,
  cleanUp: (app: TestApp) => readonly string[] | Promise<readonly string[]>,
): Promise<void> {
  killAllSipp();
  try {
    await observer?.stop();
    if (app) await deleteAll(app, await cleanUp(app));
  } finally {
    await app?.close();
  }
}
