import { dialplanView, endpointView } from '../extensions/render';
import { renderMohConf } from '../moh/render';
import { renderQueuesConf } from '../queues/render';
import { routingView } from '../routes/render';
import { trunksView } from '../trunks/render';
import { renderVoicemailConf } from '../voicemail/boxes/render';
import { DIALPLAN_CHUNKS } from './dialplan-chunks';
import { confTemplate } from './engine';
import type { DesiredState, ExtensionState, RenderedFile } from './types';

// Pure: same state, same bytes. Inputs are sorted here so callers cannot change the output order.
export function renderAll(state: DesiredState): RenderedFile[] {
  const extensions = [...state.extensions].sort((a, b) => compareNumbers(a.number, b.number));
  const sections = new Map(extensions.map((e) => [e.number, renderExtension(e)]));
  const files: RenderedFile[] = [
    {
      name: 'extensions.conf',
      content:
        confTemplate('extensions.conf')({ ...dialplanView(state.settings), ...routingView(state) }) +
        DIALPLAN_CHUNKS.map((chunk) => chunk(state)).join(''),
    },
    {
      name: 'pjsip_trunks.conf',
      content: confTemplate('pjsip_trunks.conf')({ trunks: trunksView(state.trunks) }),
    },
    {
      name: 'pjsip.conf',
      content: confTemplate('pjsip.conf')({}) + [...sections.values()].join(''),
      sections,
    },
    { name: 'voicemail.conf', content: renderVoicemailConf(state) },
    { name: 'queues.conf', content: renderQueuesConf(state) },
    { name: 'musiconhold.conf', content: renderMohConf(state) },
  ];
  return files.sort((a, b) => a.name.localeCompare(b.name));
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
