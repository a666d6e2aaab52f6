import type { Ari } from '../asterisk/ari';
import type { Logger } from '../lib/log';
import type { Registration } from './schema';

const UNKNOWN: Registration = { state: 'unknown', contacts: [] };

// Live state comes from Asterisk, never from the database: one list call serves a whole page.
export async function registrations(
  ari: Ari,
  log: Logger,
  numbers: readonly string[],
  withContacts: boolean,
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
    if (withContacts) {
      await Promise.all(
        numbers
          .filter((n) => result.get(n)?.state === 'online')
          .map(async (n) => {
            const contacts = await ari.contacts(n);
            result.set(n, {
              state: 'online',
              contacts: contacts.map((c) => ({
                uri: c.uri,
                user_agent: c.userAgent,
                via_address: c.viaAddress,
              })),
            });
          }),
      );
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'registration state unavailable');
  }
  return result;
}
