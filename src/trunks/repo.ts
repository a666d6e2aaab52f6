import type { Knex } from 'knex';
import { sealNullable, unsealNullable } from '../lib/sealed';
import type { TrunkInput } from './schema';
import type { TrunkEndpoint, TrunkState } from './state';

export interface TrunkRow extends TrunkEndpoint {
  id: number;
  from_user: string | null;
  from_domain: string | null;
  registration_expiry: number;
  retry_interval: number;
  peer_addresses: string;
  codecs: string;
  max_channels: number;
  caller_id_presentation: 'allowed' | 'withheld';
  dtmf_mode: 'rfc4733' | 'inband' | 'info' | 'auto';
  qualify: number | boolean;
  number_format: 'as_dialled' | 'e164_plus';
  created_at: Date;
  updated_at: Date;
}

// The password arrives in clear and is stored sealed (src/lib/sealed.ts); toState opens it for
// the config renderer, the only reader that needs it.
export function toRow(input: Omit<TrunkInput, 'name'>) {
  return {
    kind: input.kind,
    host: input.host,
    port: input.port,
    transport: input.transport,
    username: input.username ?? null,
    password: sealNullable(input.password ?? null),
    from_user: input.from_user ?? null,
    from_domain: input.from_domain ?? null,
    registration_expiry: input.registration_expiry,
    retry_interval: input.retry_interval,
    peer_addresses: JSON.stringify(input.peer_addresses),
    codecs: input.codecs.join(','),
    max_channels: input.max_channels,
    caller_id_presentation: input.caller_id_presentation,
    dtmf_mode: input.dtmf_mode,
    qualify: input.qualify,
    number_format: input.number_format,
  };
}

// The fields the API and the desired state both show as stored (not the password).
function endpoint(r: TrunkRow) {
  return {
    name: r.name,
    kind: r.kind,
    host: r.host,
    port: r.port,
    transport: r.transport,
    username: r.username,
  };
}

// The password is write-only: never part of what the API returns.
export function toApi(r: TrunkRow) {
  return {
    id: r.id,
    ...endpoint(r),
    has_password: r.password !== null,
    from_user: r.from_user,
    from_domain: r.from_domain,
    registration_expiry: r.registration_expiry,
    retry_interval: r.retry_interval,
    peer_addresses: JSON.parse(r.peer_addresses) as string[],
    codecs: r.codecs.split(','),
    max_channels: r.max_channels,
    caller_id_presentation: r.caller_id_presentation,
    dtmf_mode: r.dtmf_mode,
    qualify: Boolean(r.qualify),
    number_format: r.number_format,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

export function toState(r: TrunkRow): TrunkState {
  return {
    ...endpoint(r),
    password: unsealNullable(r.password),
    fromUser: r.from_user,
    fromDomain: r.from_domain,
    registrationExpiry: r.registration_expiry,
    retryInterval: r.retry_interval,
    peerAddresses: JSON.parse(r.peer_addresses) as string[],
    codecs: r.codecs.split(','),
    maxChannels: r.max_channels,
    callerIdPresentation: r.caller_id_presentation,
    dtmfMode: r.dtmf_mode,
    qualify: Boolean(r.qualify),
    numberFormat: r.number_format,
  };
}

export async function list(db: Knex): Promise<TrunkRow[]> {
  return db<TrunkRow>('trunks').orderBy('name');
}

export async function find(db: Knex, id: number): Promise<TrunkRow | undefined> {
  return db<TrunkRow>('trunks').where({ id }).first();
}
