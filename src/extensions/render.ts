import { DEFAULT_LANGUAGE } from '../lib/language';
import { confTemplate } from '../render/engine';
import {
  DEFAULT_MEDIA_TIMERS,
  type DesiredState,
  type DialplanSettings,
  type MediaTimers,
  type RenderedFile,
} from '../render/state';
import { cosContext } from '../routes';
import type { ExtensionState } from './state';

export function endpointView(e: ExtensionState, media: MediaTimers = DEFAULT_MEDIA_TIMERS) {
  return {
    media,
    id: e.number,
    username: e.authUsername,
    password: e.sipSecret,
    context: cosContext(e.classes),
    outboundCallerId: e.outboundCallerId,
    language: e.language ?? DEFAULT_LANGUAGE,
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
  const media = state.settings.media ?? DEFAULT_MEDIA_TIMERS;
  const sections = new Map(extensions.map((e) => [e.number, renderExtension(e, media)]));
  return { content: confTemplate('pjsip.conf')({}) + [...sections.values()].join(''), sections };
}

// Memoised by the extension's state object, which the state loader keeps as long as its row is
// unchanged: rendering 10,000 extensions for a change to one of them renders one. A state object
// is never mutated, so the cache maps an input to its own output and purity holds. The media
// timers are part of the input: a chunk rendered with others is rendered again.
const chunkCache = new WeakMap<ExtensionState, { media: MediaTimers; text: string }>();

function renderExtension(e: ExtensionState, media: MediaTimers): string {
  const hit = chunkCache.get(e);
  if (hit && hit.media === media) return hit.text;
  // Handlebars builds its output by concatenation: kept as it is, each chunk would be a tree of
  // ~30 rope nodes over its pieces (10 MB of them at 10,000 extensions). The cache holds one flat copy.
  const text = flat(confTemplate('partials/pjsip-extension')(endpointView(e, media)));
  chunkCache.set(e, { media, text });
  return text;
}

function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function compareNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
