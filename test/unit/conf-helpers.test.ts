import {
  confArg,
  confCallerId,
  confList,
  confSection,
  confValue,
  RenderError,
} from '../../src/render/conf-helpers';
import { HOSTILE } from '../support/hostile';

describe('config helpers refuse anything that could change config structure', () => {
  it.each(HOSTILE)('confValue refuses %j', (value) => {
    expect(() => confValue(value)).toThrow(RenderError);
  });

  it.each([...HOSTILE, 'a,b', 'a|b', 'a(b', 'a)b', 'a"b'])('confArg refuses %j', (value) => {
    expect(() => confArg(value)).toThrow(RenderError);
  });

  it.each([...HOSTILE, 'general', 'GLOBAL', '', 'a b', 'x'.repeat(80)])('confSection refuses %j', (value) => {
    expect(() => confSection(value)).toThrow(RenderError);
  });

  it('confCallerId refuses quotes and angle brackets in the name', () => {
    expect(() => confCallerId('Al"ice', '1001')).toThrow(RenderError);
    expect(() => confCallerId('Al<ice>', '1001')).toThrow(RenderError);
    expect(confCallerId("Alice O'Neil", '1001')).toBe('"Alice O\'Neil" <1001>');
  });

  it('confList joins plain tokens and refuses an empty list or a bad token', () => {
    expect(confList(['ulaw', 'alaw'])).toBe('ulaw,alaw');
    expect(() => confList([])).toThrow(RenderError);
    expect(() => confList(['ulaw', 'al,aw'])).toThrow(RenderError);
  });

  it('confValue passes ordinary text through unchanged', () => {
    expect(confValue('Zoë Müller-Smith (Sales)')).toBe('Zoë Müller-Smith (Sales)');
  });
});
