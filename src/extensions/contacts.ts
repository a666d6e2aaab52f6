import { createHash } from 'node:crypto';
import type { Ari } from '../asterisk/ari';

export interface ContactDetails {
  uri: string;
  // Asterisk's qualify view of the contact: Reachable, Unreachable, NonQualified, Unknown.
  status: string;
  user_agent: string;
  via_address: string;
}

interface ContactEvent {
  contact_info?: { uri?: string; aor?: string; contact_status?: string };
}

// Registered contacts per AOR, kept from ARI's ContactStatusChange events: ARI has no call that
// lists an AOR's contacts, and its variable read does not evaluate PJSIP_AOR(). A contact is a
// sorcery object whose id res_pjsip derives from the AOR and the URI, so its details can be read.
export class ContactDirectory {
  private readonly byAor = new Map<string, Map<string, string>>();

  constructor(private readonly ari: Ari) {
    ari.onEvent((name, data) => {
      if (name === 'ContactStatusChange') this.record(data as ContactEvent);
    });
  }

  private record(event: ContactEvent): void {
    const { uri, aor, contact_status: status } = event.contact_info ?? {};
    if (!uri || !aor) return;
    const contacts = this.byAor.get(aor) ?? new Map<string, string>();
    if (status === 'Removed') contacts.delete(uri);
    else contacts.set(uri, status ?? 'Unknown');
    if (contacts.size > 0) this.byAor.set(aor, contacts);
    else this.byAor.delete(aor);
  }

  async details(aor: string): Promise<ContactDetails[]> {
    const found: ContactDetails[] = [];
    for (const [uri, status] of this.byAor.get(aor) ?? []) {
      const id = `${aor};@${createHash('md5').update(uri).digest('hex')}`;
      const fields = await this.ari.getObject('res_pjsip', 'contact', id);
      if (!fields) {
        this.byAor.get(aor)?.delete(uri);
        continue;
      }
      found.push({
        uri,
        status,
        user_agent: fields['user_agent'] ?? '',
        via_address: fields['via_addr'] ?? '',
      });
    }
    return found;
  }
}
