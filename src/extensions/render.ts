import { confTemplate } from '../render/engine';
import type { DesiredState, DialplanSettings, RenderedFile } from '../render/state';
import { cosContext } from '../routes';
import type { ExtensionState } from './state';

export function endpointView(e: ExtensionState) {
  return {
    id: e.number,
    username: e.authUsername,
    password: e.sipSecret,
    context: cosContext(e.classes),
    outboundCallerId: e.outboundCallerId,
    codecs: e.codecs,
    callerIdName: e.callerIdName ?? e.displayName,
    callerIdNumber: e.callerIdNumber ?? e.number,
    maxContacts: e.maxContacts,
    // MWI: the box of the same number in voicemail context "switchboard" (src/voicemail/boxes).
    mailbox: e.voicemailEnabled ? `${e.number}@switchboard` : null,
  };
}

// One digits-only pattern per number length in the configured range: `_Z` then `X`s.
export function dialplanView(settings: DialplanSettings) {
  const { min, max } = settings.extensionRange;
  const patterns: string[] = [];
  for (let len = String(min).length; len <= String(max).length; len++)
    patterns.push(`_Z${'X'.repeat(len - 1)}`);
  return { patterns, min, max, ringSeconds: settings.ringSeconds };
}

// pjsip.conf: one section per extension, sorted by number, so the apply can diff object by object.
export function pjsipFile(state: DesiredState): Omit<RenderedFile, 'name'> {
  const extensions = [...state.extensions].sort((a, b) => compareNumbers(a.number, b.number));
  const sections = new Map(extensions.map((e) => [e.number, renderExtension(e)]));
  return { content: confTemplate('pjsip.conf')({}) + [...sections.values()].join(''), sections };
}

// Memoised by the extension's state object, which the state loader keeps as long as its row is
// unchanged: rendering 10,000 extensions for a change to one of them renders one. A state object
// is never mutated, so the cache maps an input to its own output and purity holds.
const chunkCache = new WeakMap<ExtensionState, string>();

function renderExtension(e: ExtensionState): string {
  let text = chunkCache.get(e);
  if (text === undefined) {
    text = confTemplate('partials/pjsip-extension')(endpointView(e));
    chunkCache.set(e, text);
  }
  return text;
}

function compareNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
