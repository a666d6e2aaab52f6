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

  it('reads fields back as written: a value may hold "=", a field that differs is a change', () => {
    const text = [
      '; generated',
      '[1001]',
      'type = endpoint',
      'context = sb-cos-default',
      'set_var = SB_OUTBOUND_CID=5551234',
      '',
      '[1001]',
      'type=auth',
      'password =  a b=c ',
      '[other]',
      'type = transport',
      'bind = 0.0.0.0',
    ].join('\n');
    const [endpoint, auth, ...rest] = pjsipObjects(text);
    expect(rest).toEqual([]);
    expect(endpoint!.fields).toEqual([
      ['context', 'sb-cos-default'],
      ['set_var', 'SB_OUTBOUND_CID=5551234'],
    ]);
    expect(auth!.fields).toEqual([['password', 'a b=c']]);
    const changed = pjsipObjects(text.replace('5551234', '5551235'));
    const diff = diffObjects(pjsipObjects(text), changed);
    expect(diff.upserts.map((o) => `${o.type}/${o.id}`)).toEqual(['endpoint/1001']);
    expect(diff.lostFields).toEqual([]);
    const lost = diffObjects(
      pjsipObjects(text),
      pjsipObjects(text.replace('set_var = SB_OUTBOUND_CID=5551234\n', '')),
    );
    expect(lost.lostFields.map((o) => `${o.type}/${o.id}`)).toEqual(['endpoint/1001']);
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
