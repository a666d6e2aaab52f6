import { PIN_MIN_DIGITS, pinWeakness } from './pin-rule';
import { generatePin } from './service';

// The voicemail PIN rule on its own: what a guesser tries first is refused, the rest accepted.

describe('voicemail PIN rule', () => {
  it.each([
    ['1234', 'must be 6 to 10 digits'],
    ['12345678901', 'must be 6 to 10 digits'],
    ['12a456', 'must be 6 to 10 digits'],
    ['٣٤٥٦٧٨', 'must be 6 to 10 digits'],
    ['000000', 'one digit repeated'],
    ['9999999999', 'one digit repeated'],
    ['123456', 'run of digits'],
    ['3456789', 'run of digits'],
    ['890123', 'run of digits'],
    ['654321', 'run of digits'],
    ['210987', 'run of digits'],
    ['121212', 'pattern repeated'],
    ['123123', 'pattern repeated'],
    ['11221122', 'pattern repeated'],
  ])('refuses %s (%s)', (pin, why) => {
    expect(pinWeakness(pin)).toContain(why);
  });

  it('refuses a PIN containing the box number, or a part of a long box number', () => {
    expect(pinWeakness('100173', '1001')).toContain('mailbox number');
    expect(pinWeakness('731001', '1001')).toContain('mailbox number');
    expect(pinWeakness('5551234', '3225551234')).toContain('mailbox number');
    // The same PINs are fine for another box.
    expect(pinWeakness('100173', '2002')).toBeNull();
    expect(pinWeakness('5551234', '2002')).toBeNull();
  });

  it.each(['730215', '482913', '1357924', '9081726354'])('accepts %s', (pin) => {
    expect(pinWeakness(pin, '1001')).toBeNull();
  });

  it('generated PINs always pass the rule for their box', () => {
    for (let i = 0; i < 2000; i++) {
      const pin = generatePin('1234');
      expect(pin).toHaveLength(PIN_MIN_DIGITS);
      expect(pinWeakness(pin, '1234')).toBeNull();
    }
  });
});
