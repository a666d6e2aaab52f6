import { confTemplate } from '../render/engine';
import type { DesiredState, RenderedFile } from '../render/state';

// pjsip_acl.conf: one global PJSIP ACL denying every banned address. Empty without bans, as the
// sandbox script creates it, so a PBX that never banned anyone never reloads for it.
export function aclFile(state: DesiredState): Omit<RenderedFile, 'name'> {
  const addresses = [...new Set(state.sipBans)].sort();
  return { content: addresses.length === 0 ? '' : confTemplate('pjsip_acl.conf')({ addresses }) };
}
