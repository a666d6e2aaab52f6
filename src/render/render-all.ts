import { confTemplate } from './engine';
import type { DesiredState, RenderedFile } from './state';

// What one feature adds to Asterisk's configuration. Every function is pure: same state, same
// bytes; each sorts what it renders so the caller's order cannot change the output.
export interface RenderContribution {
  // Fields merged into the view of extensions.conf's core template (templates/asterisk).
  dialplanView?: (state: DesiredState) => Record<string, unknown>;
  // Contexts appended to extensions.conf after the core dialplan, in the registry's order.
  dialplan?: (state: DesiredState) => string;
  // Whole files the feature owns.
  files?: ReadonlyArray<{ name: string; render(state: DesiredState): Omit<RenderedFile, 'name'> }>;
}

// Pure: the features' contributions composed into the files the apply writes.
export function renderConfig(
  state: DesiredState,
  contributions: readonly RenderContribution[],
): RenderedFile[] {
  let view: Record<string, unknown> = {};
  for (const c of contributions) if (c.dialplanView) view = { ...view, ...c.dialplanView(state) };
  const files: RenderedFile[] = [
    {
      name: 'extensions.conf',
      content:
        confTemplate('extensions.conf')(view) +
        contributions.map((c) => (c.dialplan ? c.dialplan(state) : '')).join(''),
    },
  ];
  for (const c of contributions) {
    for (const f of c.files ?? []) files.push({ name: f.name, ...f.render(state) });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}
