import { z } from 'zod';
import { CODECS } from '../extensions';
import { HOSTNAME, IPV4_OR_CIDR } from '../lib/asterisk-syntax';

const Token = /^[A-Za-z0-9_.+-]+$/;
const SECRET = /^[A-Za-z0-9_.!@%^*+=:?~-]+$/;

const fields = {
  kind: z.enum(['registration', 'ip']),
  host: z.string().max(253).regex(HOSTNAME, 'must be a hostname or an IPv4 address'),
  port: z.number().int().min(1, 'must be 1-65535').max(65535, 'must be 1-65535').default(5060),
  transport: z.enum(['udp', 'tcp']).default('udp'),
  username: z.string().min(1).max(80).regex(Token, 'letters, digits and _ . + - only').nullable().optional(),
  password: z
    .string()
    .min(4)
    .max(128)
    .regex(SECRET, 'letters, digits and _ . ! @ % ^ * + = : ? ~ - only')
    .nullable()
    .optional(),
  from_user: z.string().min(1).max(80).regex(Token, 'letters, digits and _ . + - only').nullable().optional(),
  from_domain: z
    .string()
    .max(253)
    .regex(HOSTNAME, 'must be a hostname or an IPv4 address')
    .nullable()
    .optional(),
  registration_expiry: z.number().int().min(60).max(86_400).default(3600),
  retry_interval: z.number().int().min(10).max(3600).default(60),
  peer_addresses: z
    .array(z.string().regex(IPV4_OR_CIDR, 'must be an IPv4 address or CIDR network'))
    .max(20)
    .default([]),
  codecs: z
    .array(z.enum(CODECS, { error: () => `must be one of ${CODECS.join(', ')}` }))
    .min(1)
    .max(CODECS.length)
    .default(['ulaw', 'alaw']),
  max_channels: z.number().int().min(0).max(10_000).default(0),
  caller_id_presentation: z.enum(['allowed', 'withheld']).default('allowed'),
  dtmf_mode: z.enum(['rfc4733', 'inband', 'info', 'auto']).default('rfc4733'),
  qualify: z.boolean().default(true),
  number_format: z.enum(['as_dialled', 'e164_plus']).default('as_dialled'),
};

const TrunkBody = z.strictObject({
  name: z
    .string()
    .min(2)
    .max(40)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and - only'),
  ...fields,
});

function registrationNeedsCredentials(
  t: { kind: string; username?: string | null | undefined; password?: string | null | undefined },
  ctx: z.RefinementCtx,
) {
  if (t.kind === 'registration') {
    if (!t.username)
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'required for a registration trunk' });
    if (!t.password)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'required for a registration trunk' });
  }
}

function ipNeedsPeers(t: { kind: string; peer_addresses: string[] }, ctx: z.RefinementCtx) {
  if (t.kind === 'ip' && t.peer_addresses.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['peer_addresses'],
      message: 'an IP trunk needs at least one peer address',
    });
  }
}

export const CreateTrunk = TrunkBody.superRefine(registrationNeedsCredentials).superRefine(ipNeedsPeers);
// On update a missing password keeps the stored one: the service checks one exists.
export const UpdateTrunk = TrunkBody.omit({ name: true })
  .superRefine((t, ctx) => registrationNeedsCredentials({ ...t, password: t.password ?? 'stored' }, ctx))
  .superRefine(ipNeedsPeers);
export type TrunkInput = z.infer<typeof CreateTrunk>;
export type TrunkUpdate = z.infer<typeof UpdateTrunk>;

export interface TrunkStatus {
  registration: 'registered' | 'rejected' | 'unregistered' | 'not_applicable' | 'unknown';
  reason: string | null;
  reachability: 'reachable' | 'unreachable' | 'unknown';
}
