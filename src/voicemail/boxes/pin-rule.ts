// The voicemail PIN rule, in one place for the API, the pages, generated PINs and the migration
// that flags old PINs. Six digits is the floor NIST and the carriers' voicemail-hacking advisories
// settled on for PINs typed on a keypad; the patterns below are the ones a guesser tries first.

export const PIN_MIN_DIGITS = 6;
export const PIN_MAX_DIGITS = 10;

// Why this PIN is refused, or null when it is acceptable. `box` is the mailbox number, which a
// guesser knows: the PIN must neither contain it nor be a part of it.
export function pinWeakness(pin: string, box?: string): string | null {
  if (!new RegExp(`^[0-9]{${PIN_MIN_DIGITS},${PIN_MAX_DIGITS}}$`).test(pin))
    return `must be ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits`;
  if (/^(\d)\1+$/.test(pin)) return 'must not be one digit repeated';
  if (isRun(pin, 1) || isRun(pin, -1)) return 'must not be a run of digits such as 123456 or 654321';
  if (isRepeatedUnit(pin)) return 'must not be a short pattern repeated, such as 121212 or 123123';
  if (box && (pin.includes(box) || box.includes(pin)))
    return 'must not contain the mailbox number or be part of it';
  return null;
}

// 123456, 789012 (wrapping past 9 is still the same run on a keypad), 654321.
function isRun(pin: string, step: 1 | -1): boolean {
  for (let i = 1; i < pin.length; i++) {
    if ((Number(pin[i - 1]) + step + 10) % 10 !== Number(pin[i])) return false;
  }
  return true;
}

// 121212, 123123, 11221122: the PIN is one shorter unit said again and again.
function isRepeatedUnit(pin: string): boolean {
  for (let size = 2; size <= pin.length / 2; size++) {
    if (pin.length % size !== 0) continue;
    if (pin.slice(0, size).repeat(pin.length / size) === pin) return true;
  }
  return false;
}
