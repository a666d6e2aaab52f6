import type { TrunkState } from './state';

export function trunksView(trunks: readonly TrunkState[]) {
  return [...trunks]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => ({
      id: `trunk-${t.name}`,
      context: `sb-from-trunk-${t.name}`,
      transport: `transport-${t.transport}`,
      host: t.host,
      port: t.port,
      username: t.username,
      password: t.password,
      fromUser: t.fromUser,
      fromDomain: t.fromDomain,
      codecs: t.codecs,
      dtmfMode: t.dtmfMode,
      qualifyFrequency: t.qualify ? 30 : 0,
      registration: t.kind === 'registration',
      registrationExpiry: t.registrationExpiry,
      retryInterval: t.retryInterval,
      peers: t.peerAddresses,
    }));
}
