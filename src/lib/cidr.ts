import { BlockList, isIP, isIPv6 } from 'node:net';

// "203.0.113.9", "203.0.113.0/24", "2001:db8::/32": an address, or a network in CIDR form.
export function isCidr(s: string): boolean {
  const [addr, bits, more] = s.split('/');
  const v = isIP(addr ?? '');
  if (v === 0 || more !== undefined) return false;
  if (bits === undefined) return true;
  return /^[0-9]{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128);
}

// Addresses and CIDRs (each passing isCidr) as one matcher.
export function cidrMatcher(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const e of entries) {
    const [addr = '', bits] = e.split('/');
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (address) => list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
}
