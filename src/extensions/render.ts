import type { ExtensionState } from '../render/types';

export const INTERNAL_CONTEXT = 'sb-internal';
const RING_SECONDS = 30;

export function endpointsView(extensions: readonly ExtensionState[]) {
  return extensions.map((e) => ({
    id: e.number,
    username: e.number,
    password: e.sipSecret,
    context: INTERNAL_CONTEXT,
    codecs: e.codecs,
    callerIdName: e.callerIdName ?? e.displayName,
    callerIdNumber: e.callerIdNumber ?? e.number,
    maxContacts: e.maxContacts,
  }));
}

export function dialplanView(extensions: readonly ExtensionState[]) {
  return extensions.map((e) => ({ number: e.number, ringSeconds: RING_SECONDS }));
}
