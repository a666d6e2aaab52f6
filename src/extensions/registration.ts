import type { Ari } from '../asterisk/ari';
import type { ContactDirectory } from '../asterisk/contacts';
import type { Logger } from '../lib/log';
import type { Registration } from './schema';

const UNKNOWN: Registration = { state: 'unknown', contacts: [] };

// Live state comes from Asterisk, never from the database: one list call serves a whole page.
export async function registrations(
  ari: Ari,
  log: Logger,
  numbers: readonly string[],
  contacts: ContactDirectory | null,
): Promise<Map<string, Registration>> {
  const result = new Map<string, Registration>(numbers.map((n) => [n, UNKNOWN]));
  if (numbers.length === 0) return result;
  try {
    const wanted = new Set(numbers);
    const endpoints = await ari.listEndpoints('PJSIP');
    for (const ep of endpoints) {
      if (!wanted.has(ep.resource)) continue;
      const state = ep.state === 'online' ? 'online' : ep.state === 'offline' ? 'offline' : 'unknown';
      result.set(ep.resource, { state, contacts: [] });
    }
    if (contacts) {
      await Promise.all(
        numbers.map(async (n) => {
          const reg = result.get(n) ?? UNKNOWN;
          result.set(n, { state: reg.state, contacts: await contacts.details(n) });
        }),
      );
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'registration state unavailable');
  }
  return result;
}
