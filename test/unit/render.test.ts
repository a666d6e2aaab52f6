import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffObjects, pjsipObjects } from '../../src/apply/pjsip-objects';
import { renderAll } from '../../src/features';
import { RenderError } from '../../src/render/conf-helpers';
import type { DesiredState } from '../../src/render/state';
import { desiredState, extensionState } from '../support/desired-state';

const GOLDEN = join(__dirname, '..', 'golden');

describe('renderAll golden files (exact bytes)', () => {
  it.each(readdirSync(GOLDEN))('case %s renders byte-identical to its expected files', (name) => {
    const state = JSON.parse(readFileSync(join(GOLDEN, name, 'state.json'), 'utf8')) as DesiredState;
    const files = renderAll(state);
    const expectedDir = join(GOLDEN, name, 'expected');
    expect(files.map((f) => f.name).sort()).toEqual(readdirSync(expectedDir).sort());
    for (const file of files) {
      if (process.env['UPDATE_GOLDEN'] === '1')
        require('node:fs').writeFileSync(join(expectedDir, file.name), file.content);
      expect(file.content).toBe(readFileSync(join(expectedDir, file.name), 'utf8'));
    }
  });

  it('is deterministic whatever the input order', () => {
    const state = JSON.parse(
      readFileSync(join(GOLDEN, 'two-extensions', 'state.json'), 'utf8'),
    ) as DesiredState;
    const reversed = { ...state, extensions: [...state.extensions].reverse() };
    expect(renderAll(reversed)).toEqual(renderAll(state));
  });

  it('refuses to render a value that slipped past validation', () => {
    const state = desiredState({
      extensions: [
        extensionState({ number: '1001', displayName: 'Evil\n[x]', sipSecret: 'abcdefghijklmnop' }),
      ],
    });
    expect(() => renderAll(state)).toThrow(RenderError);
  });
});

describe('PJSIP objects read back from the rendered file, as ARI pushes them', () => {
  const state = JSON.parse(
    readFileSync(join(GOLDEN, 'two-extensions', 'state.json'), 'utf8'),
  ) as DesiredState;
  const pjsip = renderAll(state).find((f) => f.name === 'pjsip.conf')!.content;

  it('finds an auth, an aor and an endpoint per extension', () => {
    const objects = pjsipObjects(pjsip);
    expect(objects.map((o) => `${o.type}/${o.id}`)).toEqual([
      'auth/1001',
      'aor/1001',
      'endpoint/1001',
      'auth/1002',
      'aor/1002',
      'endpoint/1002',
    ]);
    const endpoint = objects.find((o) => o.type === 'endpoint' && o.id === '1001')!;
    expect(endpoint.fields).toContainEqual(['auth', '1001']);
    expect(endpoint.fields).toContainEqual(['aors', '1001']);
  });

  it('a changed secret updates only that auth object; a removed extension deletes endpoint first', () => {
    const before = pjsipObjects(pjsip);
    const changed = {
      ...state,
      extensions: state.extensions.map((e) =>
        e.number === '1002' ? { ...e, sipSecret: 'aNewSecretOf20Chars!!' } : e,
      ),
    };
    const after = pjsipObjects(renderAll(changed).find((f) => f.name === 'pjsip.conf')!.content);
    const diff = diffObjects(before, after);
    expect(diff.upserts.map((o) => `${o.type}/${o.id}`)).toEqual(['auth/1002']);
    expect(diff.deletes).toEqual([]);
    expect(diff.lostFields).toEqual([]);

    const removed = diffObjects(
      before,
      before.filter((o) => o.id !== '1001'),
    );
    expect(removed.deletes.map((o) => `${o.type}/${o.id}`)).toEqual([
      'endpoint/1001',
      'aor/1001',
      'auth/1001',
    ]);
  });
});
