import { createHash } from 'node:crypto';
import type { Ari } from './ari';
import type { AsteriskControl } from './control';

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
      const id = contactId(aor, uri);
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

  // A deleted extension's registrations go with it. Asterisk keeps contacts in astdb apart from
  // the AOR and forgets them with it only when a pushed copy is deleted, not when the AOR leaves
  // the file; a number created again within the expiry would then ring the old owner's phones.
  // The ids are read from astdb (/registrar/contact/<aor>;@<hash>) once the AOR is gone, plus those
  // seen in events: no read before the delete's apply, which would wait behind a running reload.
  async storedContactIds(aor: string, control: AsteriskControl): Promise<string[]> {
    if (!/^[0-9]{1,20}$/.test(aor)) return [];
    // The AOR is digits only (checked above), and the control checks the prefix again.
    const keys = await control.dbKeysWithPrefix('registrar', `contact/${aor};@`);
    const ids = new Set<string>();
    for (const key of keys) {
      const m = /^contact\/([0-9]{1,20};@[0-9a-f]{32})$/.exec(key);
      if (m) ids.add(m[1]!);
    }
    for (const uri of this.byAor.get(aor)?.keys() ?? []) ids.add(contactId(aor, uri));
    return [...ids];
  }

  async purge(aor: string, ids: readonly string[], control: AsteriskControl): Promise<void> {
    for (const id of ids) {
      if (!/^[0-9]{1,20};@[0-9a-f]{32}$/.test(id)) continue;
      // A contact Asterisk already forgot answers 404; the astdb entry is then removed directly.
      if (!(await this.ari.deleteObject('res_pjsip', 'contact', id))) {
        await control.dbDel('registrar', `contact/${id}`);
      }
    }
    this.byAor.delete(aor);
  }
}

function contactId(aor: string, uri: string): string {
  return `${aor};@${createHash('md5').update(uri).digest('hex')}`;
}
