import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';

// switchboard/musiconhold.conf: one class per set of uploaded music files.
export function renderMohConf(state: DesiredState): string {
  const classes = [...state.mohClasses]
    .sort((a, b) => a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => ({ ...c, files: [...c.files].sort() }));
  return confTemplate('musiconhold.conf')({ classes });
}
