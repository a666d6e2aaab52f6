import { killAllCarrierSipp } from '../carrier/sipp';
import type { TestApp } from './app';
import { hangUpChannels } from './asterisk';
import type { CallObserver } from './call-observer';
import { killAllSipp } from './sip';

// The set-up and tear-down that the suites placing real calls share.

// POSTs and fails unless the API answers 201; returns the created object.
export async function apiCreate<T = { id: number }>(app: TestApp, path: string, body: unknown): Promise<T> {
  const res = await app.api('POST', path, { body });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body as T;
}

// Creates the extensions "<label> <number>" and keeps each one's SIP secret in `secrets`.
export async function createExtensions(
  app: TestApp,
  numbers: readonly string[],
  secrets: Map<string, string>,
  label = 'Phone',
): Promise<void> {
  for (const number of numbers) {
    const ext = await apiCreate<{ sip_secret: string }>(app, '/api/v1/extensions', {
      number,
      display_name: `${label} ${number}`,
    });
    secrets.set(number, ext.sip_secret);
  }
}

// An inbound route from a DID to a destination; returns its id.
export async function createInboundRoute(
  app: TestApp,
  name: string,
  did: string,
  destination: { type: string; target: string },
): Promise<number> {
  return (await apiCreate(app, '/api/v1/inbound-routes', { name, did, destination })).id;
}

// After each test: no sipp left running, no call left in Asterisk, no events kept.
export async function endCalls(observer?: CallObserver): Promise<void> {
  killAllSipp();
  killAllCarrierSipp();
  await hangUpChannels().catch(() => undefined);
  observer?.clear();
}

// Deletes through the API (so Asterisk's memory copies go too), in the order given, then
// applies; a failed apply at the end of a suite is not the suite's failure.
export async function deleteAll(app: TestApp, paths: readonly string[]): Promise<void> {
  for (const path of paths) await app.api('DELETE', path);
  await app.applyNow().catch(() => undefined);
}
