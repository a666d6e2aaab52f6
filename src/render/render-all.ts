import { dialplanView, endpointsView } from '../extensions/render';
import { confTemplate } from './engine';
import type { DesiredState, RenderedFile } from './types';

// Pure: same state, same bytes. Inputs are sorted here so callers cannot change the output order.
export function renderAll(state: DesiredState): RenderedFile[] {
  const extensions = [...state.extensions].sort((a, b) => compareNumbers(a.number, b.number));
  const files: RenderedFile[] = [
    {
      name: 'extensions.conf',
      content: confTemplate('extensions.conf')({ extensions: dialplanView(extensions) }),
    },
    { name: 'pjsip.conf', content: confTemplate('pjsip.conf')({ endpoints: endpointsView(extensions) }) },
  ];
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

function compareNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
