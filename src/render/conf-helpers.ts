// The only code that turns a value into Asterisk config text. Each helper refuses anything that
// could change the structure of a config file or a dialplan line, whatever validated it before.

import { DIAL_PATTERN } from '../lib/asterisk-syntax';

export class RenderError extends Error {}

// newline/CR, comment `;`, section brackets, `#include`/`#exec`, `${...}` expansion, NUL.
const STRUCTURAL = /[\r\n;[\]#\0]|\$\{|\$\[/;
// Inside an application argument list, commas, pipes and parentheses separate or end arguments.
const ARG_BREAKING = /[,|()"'\\]/;
const SECTION = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,78}$/;
const RESERVED_SECTIONS = new Set(['general', 'global', 'globals', 'system']);

function asText(value: unknown, helper: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw new RenderError(`${helper}: expected a string, got ${typeof value}`);
  return value;
}

// Usage: {{confValue endpoint.context}}
export function confValue(value: unknown): string {
  const text = asText(value, 'confValue');
  if (STRUCTURAL.test(text)) throw new RenderError(`refusing config value ${JSON.stringify(text)}`);
  if (text.length > 1024) throw new RenderError('refusing config value longer than 1024 characters');
  return text;
}

// Usage: {{confSection endpoint.id}}
export function confSection(value: unknown): string {
  const text = asText(value, 'confSection');
  if (!SECTION.test(text) || RESERVED_SECTIONS.has(text.toLowerCase())) {
    throw new RenderError(`refusing section name ${JSON.stringify(text)}`);
  }
  return text;
}

// Usage: {{confArg extension.number}} — a dialplan application argument.
export function confArg(value: unknown): string {
  const text = confValue(value);
  if (ARG_BREAKING.test(text)) throw new RenderError(`refusing dialplan argument ${JSON.stringify(text)}`);
  return text;
}

// Usage: {{confInt aor.maxContacts}}
export function confInt(value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new RenderError(`refusing non-integer ${JSON.stringify(value)}`);
  }
  return String(value);
}

// Usage: {{confList endpoint.codecs}} — comma-joined, each item a plain token.
export function confList(value: unknown): string {
  if (!Array.isArray(value) || value.length === 0)
    throw new RenderError('confList: expected a non-empty array');
  return value.map((item) => confToken(item)).join(',');
}

// Usage: {{confToken codec}} — letters, digits, '_', '-', '.', '/' only.
export function confToken(value: unknown): string {
  const text = asText(value, 'confToken');
  if (!/^[A-Za-z0-9_./-]{1,80}$/.test(text)) throw new RenderError(`refusing token ${JSON.stringify(text)}`);
  return text;
}

// Usage: {{confCallerId name number}} — `"Name" <number>`; quotes and angle brackets cannot nest.
export function confCallerId(name: unknown, number: unknown): string {
  const n = confValue(name);
  if (/["<>\\]/.test(n)) throw new RenderError(`refusing caller ID name ${JSON.stringify(n)}`);
  const num = confValue(number);
  if (!/^\+?[0-9A-Za-z*#]{1,40}$/.test(num) || num.includes('#'))
    throw new RenderError(`refusing caller ID number ${JSON.stringify(num)}`);
  return `"${n}" <${num}>`;
}

// Usage: {{confBool endpoint.directMedia}}
export function confBool(value: unknown): string {
  if (typeof value !== 'boolean') throw new RenderError(`confBool: expected a boolean, got ${typeof value}`);
  return value ? 'yes' : 'no';
}

// Usage: {{confPattern route.pattern}} — a dial pattern, the one place `[` may appear.
export function confPattern(value: unknown): string {
  const text = asText(value, 'confPattern');
  if (!DIAL_PATTERN.test(text)) throw new RenderError(`refusing dial pattern ${JSON.stringify(text)}`);
  return text;
}

export const confHelpers = {
  confPattern,
  confValue,
  confSection,
  confArg,
  confInt,
  confList,
  confToken,
  confCallerId,
  confBool,
} as const;
