import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import argon2 from 'argon2';
import { apiCreate, type TestApp, useTestApp } from '../../test/support/app';
import { answerCalls, phoneFor, register, type SippHandle, succeeded } from '../../test/support/sip';
import { startSmtp, type TestSmtp } from '../../test/support/smtp';
import { signIn } from '../../test/support/web';
import { mailboxDir } from '../voicemail/spool';
import { isSecretKey } from './redact';
import { purgeAudit, recordAudit } from './repo';

// Every mutating operation of the API document leaves exactly one audit row, with no secret in
// it. The operations come from /api/v1/openapi.json itself, so a new one without an example
// below fails the first test: nothing can be added that skips the audit unnoticed.

const spool = mkdtempSync(join(tmpdir(), 'sb-audit-spool-'));
let smtp: TestSmtp;
const app: TestApp = useTestApp(
  { ASTERISK_SPOOL_DIR: spool },
  {
    setUp: async (a) => {
      smtp = await startSmtp();
      await setUp(a);
    },
    tearDown: async () => {
      if (answering) await answering.exited;
      await smtp.close();
      rmSync(spool, { recursive: true, force: true });
    },
  },
);

// Secrets the test sets; the responses' secrets (generated PINs, tokens…) join them as they come.
const secrets = new Set<string>([
  'AuditSip-Secret-000111222333',
  'AuditTrunk-Pass-444555666',
  'AuditSmtp-Pass-777888',
  'Audit-User-Password-999',
  'Import-Sip-Secret-12345678',
  '583920',
  '692031',
  '804172',
  '715263',
  'Audit-New-Chief-Pass-2468',
]);
const [SIP, TRUNK_PASS, SMTP_PASS, USER_PASS, IMPORT_SIP, VM_PIN, VM_PIN2, TC_PIN, EM_PIN, ADMIN_NEW_PASS] = [
  ...secrets,
] as [string, string, string, string, string, string, string, string, string, string];

function collectSecrets(value: unknown): void {
  if (Array.isArray(value)) for (const v of value) collectSecrets(v);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      // An auth username names the phone's credentials but is no secret (with SIP_AUTH_USERNAME=number,
      // as in the test app, it is the extension number itself).
      if (k === 'auth_username') continue;
      if (isSecretKey(k) && (typeof v === 'string' || typeof v === 'number') && String(v).length >= 4)
        secrets.add(String(v));
      else collectSecrets(v);
    }
}

const ids: Record<string, number> = {};
let seq = 0;
const uniq = () => ++seq;
const ext = (target: string) => ({ type: 'extension', target });
const WAV = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-audit-wav-'));
  execFileSync('sox', [
    '-n',
    '-r',
    '8000',
    '-c',
    '1',
    '-b',
    '16',
    join(dir, 't.wav'),
    'synth',
    '0.5',
    'sine',
    '440',
  ]);
  const data = readFileSync(join(dir, 't.wav'));
  rmSync(dir, { recursive: true, force: true });
  return data;
})();

async function setUp(a: TestApp): Promise<void> {
  for (const n of ['2101', '2102'])
    await apiCreate(a, '/api/v1/extensions', { number: n, display_name: `Audit ${n}`, sip_secret: SIP });
  ids['greeting'] = (
    await apiCreate(a, '/api/v1/greetings', {
      name: 'Audit prompt',
      default_language: 'en',
      tts_text: 'Hello.',
    })
  ).id;
  ids['trunk'] = (
    await apiCreate(a, '/api/v1/trunks', {
      name: 'audit-base',
      kind: 'registration',
      host: 'carrier.example.com',
      username: 'audit',
      password: TRUNK_PASS,
    })
  ).id;
  await apiCreate(a, '/api/v1/queues', {
    number: '2700',
    name: 'Audit queue',
    members: [{ extension: '2101', dynamic: true }],
    failover_destination: ext('2102'),
  });
  for (const number of ['2101', '2102'])
    await apiCreate(a, '/api/v1/voicemail-boxes', { number, pin: VM_PIN });
  // The phone that answers the greeting calls: no mailbox, so no MWI NOTIFY that sipp does not expect.
  await apiCreate(a, '/api/v1/extensions', {
    number: '2103',
    display_name: 'Audit phone',
    sip_secret: SIP,
    voicemail_enabled: false,
  });
  ids['template'] = (
    await apiCreate(a, '/api/v1/report-templates', { name: 'Audit base', group_by: 'day', kpis: ['offered'] })
  ).id;
  const smtpSet = await a.api('PUT', '/api/v1/smtp', {
    body: { host: '127.0.0.1', port: smtp.port, tls_mode: 'none', from_address: 'pbx@example.com' },
  });
  if (smtpSet.status >= 300) throw new Error(`smtp: ${smtpSet.status} ${smtpSet.text}`);
  const users = await a.api<{ items: Array<{ id: number; username: string }> }>('GET', '/api/v1/users');
  for (const u of users.body.items) ids[`user:${u.username}`] = u.id;
  await a.applied();
}

type Params = Record<string, string>;
interface Example {
  // Makes what the operation acts on (through the API: those writes have rows of their own, made
  // before the count starts) and names the path's parameters.
  prepare?: () => Promise<Params | undefined>;
  body?: (p: Params) => unknown;
  contentType?: string;
  query?: string;
  multipart?: () => FormData;
  // Puts back what the operation changed that later tests rely on (the admin's password).
  undo?: () => Promise<void>;
}

const created = async (path: string, body: unknown, key = 'id'): Promise<string> =>
  String((await apiCreate<Record<string, unknown>>(app, path, body))[key]);
const ivr = (name: string) => ({
  name,
  prompt_greeting_id: ids['greeting'],
  invalid_destination: ext('2101'),
});
const announcement = (name: string) => ({ name, greeting_id: ids['greeting'], destination: ext('2101') });
const tc = (name: string) => ({
  name,
  timezone: 'Europe/Brussels',
  weekly: [{ day: 'mon', start: '09:00', end: '17:00' }],
  open_destination: ext('2101'),
  closed_destination: ext('2102'),
  pin: TC_PIN,
});
const queue = (number: string) => ({ number, name: `Audit ${number}`, failover_destination: ext('2101') });
const ringGroup = (number: string) => ({
  number,
  name: `Audit ${number}`,
  members: [{ kind: 'extension', target: '2101' }],
});
const trunk = (name: string) => ({
  name,
  kind: 'registration',
  host: 'sip.example.com',
  username: 'u1',
  password: TRUNK_PASS,
});
const outbound = (name: string) => ({
  name,
  patterns: ['_9NXXXXXX'],
  class: 'national',
  trunk_ids: [ids['trunk']],
});
const inbound = (name: string) => ({
  name,
  did: `32255590${String(uniq()).padStart(2, '0')}`,
  destination: ext('2101'),
});
const newExtension = async (): Promise<string> => {
  const number = String(2200 + uniq());
  await apiCreate(app, '/api/v1/extensions', { number, display_name: `Audit ${number}`, sip_secret: SIP });
  return number;
};
let vmMsg = 0;
async function layMessage(box: string): Promise<string> {
  const dir = join(mailboxDir(spool, box), 'INBOX');
  mkdirSync(dir, { recursive: true });
  const origtime = 1763900000 + vmMsg;
  const msgId = `${origtime}-${(vmMsg++).toString(16).padStart(8, '0')}`;
  const base = join(dir, 'msg0000');
  const txt = [
    '[message]',
    `origmailbox=${box}`,
    'callerid="Bob" <2102>',
    `origtime=${origtime}`,
    `msg_id=${msgId}`,
    'duration=1',
    '',
  ];
  writeFileSync(`${base}.txt`, txt.join('\n'));
  writeFileSync(`${base}.wav`, WAV);
  return msgId;
}
// Agent operations other than login act on a member that is logged in.
async function agentLoggedIn(): Promise<Params> {
  const res = await app.api('POST', '/api/v1/queues/2700/agents/2101/login');
  if (res.status >= 300 && res.status !== 409) throw new Error(`login: ${res.status} ${res.text}`);
  return { number: '2700', ext: '2101' };
}

// The greeting's record and play operations call extension 2103: a sipp phone registered as
// it answers (once per call; the previous call must have ended first).
let answering: SippHandle | undefined;
async function phoneAnswers(): Promise<Params> {
  if (answering) await succeeded(answering);
  const phone = await phoneFor('2103', SIP);
  await succeeded(register(phone));
  answering = await answerCalls(phone);
  return { id: String(ids['greeting']) };
}

const schedule = () => ({
  template_id: ids['template'],
  frequency: 'daily',
  time_of_day: '07:00',
  timezone: 'UTC',
  recipients: ['boss@example.com'],
});

// One valid request per mutating operation of the API document, keyed as "METHOD /path".
const EXAMPLES: Record<string, Example> = {
  'POST /api/v1/apply/': {},
  'POST /api/v1/ivrs/': { body: () => ivr('Audit IVR new') },
  'PUT /api/v1/ivrs/{id}': {
    prepare: async () => ({ id: await created('/api/v1/ivrs', ivr(`Audit IVR ${uniq()}`)) }),
    body: () => ivr('Audit IVR renamed'),
  },
  'DELETE /api/v1/ivrs/{id}': {
    prepare: async () => ({ id: await created('/api/v1/ivrs', ivr(`Audit IVR ${uniq()}`)) }),
  },
  'POST /api/v1/announcements/': { body: () => announcement('Audit ann new') },
  'PUT /api/v1/announcements/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/announcements', announcement(`Audit ann ${uniq()}`)),
    }),
    body: () => announcement('Audit ann renamed'),
  },
  'DELETE /api/v1/announcements/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/announcements', announcement(`Audit ann ${uniq()}`)),
    }),
  },
  'POST /api/v1/time-conditions/': { body: () => tc('Audit TC new') },
  'PUT /api/v1/time-conditions/{id}': {
    prepare: async () => ({ id: await created('/api/v1/time-conditions', tc(`Audit TC ${uniq()}`)) }),
    body: () => tc('Audit TC renamed'),
  },
  'DELETE /api/v1/time-conditions/{id}': {
    prepare: async () => ({ id: await created('/api/v1/time-conditions', tc(`Audit TC ${uniq()}`)) }),
  },
  'PUT /api/v1/time-conditions/{id}/override': {
    prepare: async () => ({ id: await created('/api/v1/time-conditions', tc(`Audit TC ${uniq()}`)) }),
    body: () => ({ mode: 'open' }),
  },
  'PUT /api/v1/time-conditions/{id}/pin': {
    prepare: async () => ({ id: await created('/api/v1/time-conditions', tc(`Audit TC ${uniq()}`)) }),
    body: () => ({ pin: TC_PIN }),
  },
  'PUT /api/v1/emergency/': { body: () => ({ active: false, all_routes: true }) },
  'PUT /api/v1/emergency/pin': { body: () => ({ pin: EM_PIN }) },
  'PUT /api/v1/feature-codes/': { body: () => ({ items: [{ key: 'dnd-toggle', enabled: true }] }) },
  'POST /api/v1/voicemail-boxes/': {
    prepare: async () => ({ number: await newExtension() }),
    body: (p) => ({ number: p['number'], pin: VM_PIN }),
  },
  'PATCH /api/v1/voicemail-boxes/{number}': {
    prepare: async () => ({ number: '2101' }),
    body: () => ({ email: 'vm@example.com' }),
  },
  'DELETE /api/v1/voicemail-boxes/{number}': {
    prepare: async () => ({
      number: await created('/api/v1/voicemail-boxes', { number: await newExtension() }, 'number'),
    }),
  },
  'PUT /api/v1/voicemail-boxes/{number}/pin': {
    prepare: async () => ({ number: '2101' }),
    body: () => ({ pin: VM_PIN2 }),
  },
  'PUT /api/v1/smtp/': {
    body: () => ({
      host: '127.0.0.1',
      port: smtp.port,
      tls_mode: 'starttls',
      username: 'audit',
      password: SMTP_PASS,
      from_address: 'pbx@example.com',
    }),
  },
  'POST /api/v1/smtp/test': {
    // The test server takes no login: the settings go back to none first.
    prepare: async () => {
      const body = {
        host: '127.0.0.1',
        port: smtp.port,
        tls_mode: 'none',
        from_address: 'pbx@example.com',
        username: null,
        password: null,
      };
      const res = await app.api('PUT', '/api/v1/smtp', { body });
      if (res.status >= 300) throw new Error(`smtp: ${res.status} ${res.text}`);
      return undefined;
    },
    body: () => ({ to: 'admin@example.com' }),
  },
  'POST /api/v1/voicemail-boxes/{number}/messages/{msgId}/heard': {
    prepare: async () => ({ number: '2102', msgId: await layMessage('2102') }),
  },
  'DELETE /api/v1/voicemail-boxes/{number}/messages/{msgId}': {
    prepare: async () => ({ number: '2102', msgId: await layMessage('2102') }),
  },
  'DELETE /api/v1/queues/callbacks/{id}': {
    prepare: async () => {
      const [id] = await app.sb.deps
        .db('queue_callbacks')
        .insert({ queue: '2700', number: '5550100', status: 'pending' });
      return { id: String(id) };
    },
  },
  'POST /api/v1/queues/': { body: () => queue('2710') },
  'PUT /api/v1/queues/{number}': {
    prepare: async () => ({
      number: await created('/api/v1/queues', queue(String(2720 + uniq())), 'number'),
    }),
    body: (p) => ({ ...queue(p['number'] ?? ''), name: 'Audit renamed' }),
  },
  'DELETE /api/v1/queues/{number}': {
    prepare: async () => ({
      number: await created('/api/v1/queues', queue(String(2720 + uniq())), 'number'),
    }),
  },
  'POST /api/v1/queues/{number}/agents/{ext}/login': {
    prepare: async () => ({ number: '2700', ext: '2101' }),
  },
  'POST /api/v1/queues/{number}/agents/{ext}/pause': {
    prepare: agentLoggedIn,
    body: () => ({ reason: 'lunch' }),
  },
  'POST /api/v1/queues/{number}/agents/{ext}/unpause': {
    prepare: agentLoggedIn,
  },
  'POST /api/v1/queues/{number}/agents/{ext}/logout': {
    prepare: async () => ({ number: '2700', ext: '2101' }),
  },
  'POST /api/v1/ring-groups/': { body: () => ringGroup('2600') },
  'PUT /api/v1/ring-groups/{number}': {
    prepare: async () => ({
      number: await created('/api/v1/ring-groups', ringGroup(String(2610 + uniq())), 'number'),
    }),
    body: (p) => ({ ...ringGroup(p['number'] ?? ''), name: 'Audit renamed' }),
  },
  'DELETE /api/v1/ring-groups/{number}': {
    prepare: async () => ({
      number: await created('/api/v1/ring-groups', ringGroup(String(2610 + uniq())), 'number'),
    }),
  },
  'PUT /api/v1/extensions/{number}/follow-me': {
    prepare: async () => ({ number: '2101' }),
    body: () => ({ enabled: true, steps: [{ kind: 'extension', target: '2102' }] }),
  },
  'PUT /api/v1/extensions/{number}/call-handling': {
    prepare: async () => ({ number: '2101' }),
    body: () => ({ dnd: true }),
  },
  'POST /api/v1/extensions/{number}/blocked-callers': {
    prepare: async () => ({ number: '2101' }),
    body: () => ({ number: '5550111' }),
  },
  'DELETE /api/v1/extensions/{number}/blocked-callers/{caller}': {
    prepare: async () => {
      await apiCreate(app, '/api/v1/extensions/2102/blocked-callers', { number: '5550122' });
      return { number: '2102', caller: '5550122' };
    },
  },
  'POST /api/v1/recording-policies': {
    body: () => ({ target_type: 'extension', target_ref: '2101', mode: 'always', retention_days: 30 }),
  },
  'PUT /api/v1/recording-policies/queue-supervisors/{queue}': {
    prepare: async () => ({ queue: '2700' }),
    body: () => ({ user_ids: [ids['user:super']] }),
  },
  'PUT /api/v1/recording-policies/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/recording-policies', {
        target_type: 'extension',
        target_ref: '2102',
        mode: 'always',
      }),
    }),
    body: () => ({ mode: 'never', retention_days: null }),
  },
  'DELETE /api/v1/recording-policies/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/recording-policies', {
        target_type: 'queue',
        target_ref: '2700',
        mode: 'on_demand',
      }),
    }),
  },
  'DELETE /api/v1/recordings/{id}': {
    prepare: async () => {
      const [id] = await app.sb.deps.db('recordings').insert({
        linkedid: `audit-${uniq()}`,
        uniqueid: 'audit.1',
        file_name: `1765000000.${uniq()}-1765000000.${uniq()}.wav`,
        policy_target: 'extension',
        policy_ref: '2101',
        started_at: new Date(),
      });
      return { id: String(id) };
    },
  },
  'POST /api/v1/extensions/': {
    body: () => ({ number: '2150', display_name: 'Audit 2150', sip_secret: SIP }),
  },
  'POST /api/v1/extensions/import': {
    contentType: 'text/csv',
    body: () => `number,display_name,sip_secret\n2160,Imported,${IMPORT_SIP}\n`,
  },
  'PUT /api/v1/extensions/{number}': {
    prepare: async () => ({ number: await newExtension() }),
    body: () => ({ display_name: 'Audit replaced', sip_secret: SIP }),
  },
  'PATCH /api/v1/extensions/{number}': {
    prepare: async () => ({ number: await newExtension() }),
    body: () => ({ sip_secret: SIP }),
  },
  'DELETE /api/v1/extensions/{number}': { prepare: async () => ({ number: await newExtension() }) },
  'POST /api/v1/extensions/{number}/reveal-secret': { prepare: async () => ({ number: '2101' }) },
  'POST /api/v1/trunks/': { body: () => trunk('audit-new') },
  'PUT /api/v1/trunks/{id}': {
    prepare: async () => ({ id: await created('/api/v1/trunks', trunk(`audit-${uniq()}`)) }),
    body: () => {
      const { name: _name, ...rest } = trunk('x');
      return rest;
    },
  },
  'DELETE /api/v1/trunks/{id}': {
    prepare: async () => ({ id: await created('/api/v1/trunks', trunk(`audit-${uniq()}`)) }),
  },
  'POST /api/v1/outbound-routes': { body: () => outbound('Audit out new') },
  'PUT /api/v1/outbound-routes/{id}': {
    prepare: async () => ({ id: await created('/api/v1/outbound-routes', outbound(`Audit out ${uniq()}`)) }),
    body: () => outbound('Audit out renamed'),
  },
  'DELETE /api/v1/outbound-routes/{id}': {
    prepare: async () => ({ id: await created('/api/v1/outbound-routes', outbound(`Audit out ${uniq()}`)) }),
  },
  'POST /api/v1/inbound-routes': { body: () => inbound('Audit in new') },
  'PUT /api/v1/inbound-routes/{id}': {
    prepare: async () => ({ id: await created('/api/v1/inbound-routes', inbound(`Audit in ${uniq()}`)) }),
    body: () => inbound('Audit in renamed'),
  },
  'DELETE /api/v1/inbound-routes/{id}': {
    prepare: async () => ({ id: await created('/api/v1/inbound-routes', inbound(`Audit in ${uniq()}`)) }),
  },
  'POST /api/v1/blocked-callers': { body: () => ({ pattern: '5550133' }) },
  'DELETE /api/v1/blocked-callers/{id}': {
    prepare: async () => ({ id: await created('/api/v1/blocked-callers', { pattern: `55502${uniq()}` }) }),
  },
  'POST /api/v1/greetings/': {
    body: () => ({ name: 'Audit greeting new', default_language: 'en', tts_text: 'Hi.' }),
  },
  'PATCH /api/v1/greetings/{id}': {
    prepare: async () => ({ id: String(ids['greeting']) }),
    body: () => ({ name: 'Audit prompt 2' }),
  },
  'DELETE /api/v1/greetings/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/greetings', {
        name: `Audit g ${uniq()}`,
        default_language: 'en',
        tts_text: 'Bye.',
      }),
    }),
  },
  'PUT /api/v1/greetings/{id}/variants/{language}': {
    prepare: async () => ({ id: String(ids['greeting']), language: 'fr' }),
    body: () => ({ tts_text: 'Bonjour.' }),
  },
  'DELETE /api/v1/greetings/{id}/variants/{language}': {
    prepare: async () => {
      const res = await app.api('PUT', `/api/v1/greetings/${ids['greeting']}/variants/de`, {
        body: { tts_text: 'Hallo.' },
      });
      if (res.status >= 300) throw new Error(`variant: ${res.status} ${res.text}`);
      return { id: String(ids['greeting']), language: 'de' };
    },
  },
  'POST /api/v1/greetings/{id}/record': {
    prepare: phoneAnswers,
    body: () => ({ extension: '2103', language: 'en', max_seconds: 2 }),
  },
  'POST /api/v1/greetings/{id}/play': {
    prepare: phoneAnswers,
    body: () => ({ extension: '2103', language: 'en' }),
  },
  'POST /api/v1/moh/': { body: () => ({ name: 'Audit moh new' }) },
  'PATCH /api/v1/moh/{id}': {
    prepare: async () => ({ id: await created('/api/v1/moh', { name: `Audit moh ${uniq()}` }) }),
    body: () => ({ sort: 'alpha' }),
  },
  'DELETE /api/v1/moh/{id}': {
    prepare: async () => ({ id: await created('/api/v1/moh', { name: `Audit moh ${uniq()}` }) }),
  },
  'POST /api/v1/moh/{id}/files': {
    prepare: async () => ({ id: await created('/api/v1/moh', { name: `Audit moh ${uniq()}` }) }),
    multipart: () => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(WAV)], { type: 'audio/wav' }), 'tone.wav');
      return form;
    },
  },
  'DELETE /api/v1/moh/{id}/files/{fileId}': {
    prepare: async () => {
      const id = await created('/api/v1/moh', { name: `Audit moh ${uniq()}` });
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(WAV)], { type: 'audio/wav' }), 'tone.wav');
      const res = await fetch(`${app.url}/api/v1/moh/${id}/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${app.tokens.admin}` },
        body: form,
      });
      const file = (await res.json()) as { id: string | number };
      return { id, fileId: String(file.id) };
    },
  },
  'POST /api/v1/users': { body: () => ({ username: 'audit-new', role: 'user', password: USER_PASS }) },
  'PATCH /api/v1/users/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/users', { username: `audit-${uniq()}`, role: 'user' }),
    }),
    body: () => ({ password: USER_PASS, role: 'supervisor' }),
  },
  'DELETE /api/v1/users/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/users', { username: `audit-${uniq()}`, role: 'user' }),
    }),
  },
  'POST /api/v1/users/{id}/tokens': {
    prepare: async () => ({ id: String(ids['user:super']) }),
    body: () => ({ name: 'ci' }),
  },
  'DELETE /api/v1/users/{id}/tokens/{tokenId}': {
    prepare: async () => {
      const id = String(ids['user:super']);
      const name = `t${uniq()}`;
      await apiCreate(app, `/api/v1/users/${id}/tokens`, { name });
      const list = await app.api<{ items: Array<{ id: number; name: string }> }>(
        'GET',
        `/api/v1/users/${id}/tokens`,
      );
      return { id, tokenId: String(list.body.items.find((t) => t.name === name)?.id) };
    },
  },
  'POST /api/v1/me/password': {
    body: () => ({ current_password: 'admin-password-1', new_password: ADMIN_NEW_PASS }),
    undo: async () => {
      await app.sb.deps
        .db('users')
        .where({ username: 'admin' })
        .update({ password_hash: await argon2.hash('admin-password-1', { type: argon2.argon2id }) });
    },
  },
  'PUT /api/v1/account-policy': { body: () => ({ mfa_required_roles: [] }) },
  'DELETE /api/v1/users/{id}/mfa': { prepare: async () => ({ id: String(ids['user:super']) }) },
  'DELETE /api/v1/security/bans/{id}': {
    // Bans come from Asterisk's security log, not the API: the row is laid as the watcher would.
    prepare: async () => {
      const [id] = await app.sb.deps.db('sip_bans').insert({
        address: '192.0.2.55',
        reason: 'audit example',
        failures: 10,
        expires_at: new Date(Date.now() + 3_600_000),
      });
      return { id: String(id) };
    },
  },
  'POST /api/v1/security/allowlist': { body: () => ({ cidr: '198.51.100.0/24', note: 'Audit office' }) },
  'DELETE /api/v1/security/allowlist/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/security/allowlist', { cidr: `203.0.113.${uniq()}`, note: null }),
    }),
  },
  'PUT /api/v1/extensions/{number}/toll-limits': {
    prepare: async () => ({ number: '2101' }),
    body: () => ({
      may_forward_externally: true,
      forward_max_concurrent: 1,
      international: { max_concurrent: 1, max_daily: 5 },
    }),
  },
  'PUT /api/v1/trunks/{id}/toll-limits': {
    prepare: async () => ({ id: String(ids['trunk']) }),
    body: () => ({ international: { max_concurrent: 2, max_daily: 50 } }),
  },
  'PUT /api/v1/toll-guard/settings': { body: () => ({ alert_email: 'fraud@example.com' }) },
  'POST /api/v1/call-flow/trace': { body: () => ({ did: '3225559001', at: '2026-12-07T10:00:00Z' }) },
  'POST /api/v1/report-templates/': {
    body: () => ({ name: 'Audit tpl new', group_by: 'day', kpis: ['offered'] }),
  },
  'PUT /api/v1/report-templates/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/report-templates', {
        name: `Audit tpl ${uniq()}`,
        group_by: 'day',
        kpis: ['offered'],
      }),
    }),
    body: () => ({ name: 'Audit tpl renamed', group_by: 'hour', kpis: ['answered'] }),
  },
  'DELETE /api/v1/report-templates/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/report-templates', {
        name: `Audit tpl ${uniq()}`,
        group_by: 'day',
        kpis: ['offered'],
      }),
    }),
  },
  'POST /api/v1/report-schedules/': { body: schedule },
  'PUT /api/v1/report-schedules/{id}': {
    prepare: async () => ({ id: await created('/api/v1/report-schedules', schedule()) }),
    body: () => ({ ...schedule(), time_of_day: '08:00' }),
  },
  'DELETE /api/v1/report-schedules/{id}': {
    prepare: async () => ({ id: await created('/api/v1/report-schedules', schedule()) }),
  },
  'POST /api/v1/report-schedules/{id}/send-now': {
    prepare: async () => ({ id: await created('/api/v1/report-schedules', schedule()) }),
  },
  'POST /api/v1/departments/': { body: () => ({ name: 'Audit dept new', extensions: ['2101'] }) },
  'PUT /api/v1/departments/{id}': {
    prepare: async () => ({ id: await created('/api/v1/departments', { name: `Audit dept ${uniq()}` }) }),
    body: () => ({ name: 'Audit dept renamed', extensions: ['2102'] }),
  },
  'DELETE /api/v1/departments/{id}': {
    prepare: async () => ({ id: await created('/api/v1/departments', { name: `Audit dept ${uniq()}` }) }),
  },
  'POST /api/v1/backups/': {
    body: () => ({ recordings: false }),
    undo: async () => {
      await backupEnded();
    },
  },
  'DELETE /api/v1/backups/{name}': {
    prepare: async () => {
      const started = await app.api<{ id: number; file_name: string }>('POST', '/api/v1/backups', {
        body: {},
      });
      await backupEnded();
      return { name: started.body.file_name };
    },
  },
  'POST /api/v1/wallboard/kiosk-tokens': { body: () => ({ name: 'Audit screen' }) },
  'DELETE /api/v1/wallboard/kiosk-tokens/{id}': {
    prepare: async () => ({
      id: await created('/api/v1/wallboard/kiosk-tokens', { name: `Audit ${uniq()}` }),
    }),
  },
};

interface AuditRowJson {
  id: number;
  action: string;
  actor: string;
  via: string;
  object_type: string | null;
  object_id: string | null;
  before: unknown;
  after: unknown;
  outcome: string;
}

// A backup runs after its 202: the next example waits for it (one runs at a time).
async function backupEnded(): Promise<void> {
  for (;;) {
    const jobs = await app.api<{ jobs: Array<{ status: string }> }>('GET', '/api/v1/backups');
    if (!jobs.body.jobs.some((j) => j.status === 'running')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function mutatingOps(): Promise<string[]> {
  const doc = await app.api<{ paths: Record<string, Record<string, unknown>> }>(
    'GET',
    '/api/v1/openapi.json',
  );
  return Object.entries(doc.body.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

const lastAuditId = async (): Promise<number> =>
  Number((await app.sb.deps.db('audit_log').max({ id: 'id' }).first())?.id ?? 0);

async function rowsAfter(id: number): Promise<Array<Record<string, unknown>>> {
  return app.sb.deps.db('audit_log').where('id', '>', id).orderBy('id');
}

describe('audit log', () => {
  it('has a valid example for every mutating operation of the API document', async () => {
    const ops = await mutatingOps();
    expect(ops.length).toBeGreaterThan(50);
    expect(ops.filter((op) => !EXAMPLES[op])).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((op) => !ops.includes(op))).toEqual([]);
  });

  it('writes exactly one row, without secrets, for each of them', async () => {
    const failures: string[] = [];
    for (const op of await mutatingOps()) {
      const example = EXAMPLES[op];
      if (!example) continue;
      const [method, pattern] = op.split(' ') as [string, string];
      const params = (await example.prepare?.()) ?? {};
      const path = pattern.replace(/\{(\w+)\}/g, (_m, k: string) => {
        const v = params[k];
        if (v === undefined) throw new Error(`${op}: the example gives no ${k}`);
        return encodeURIComponent(v);
      });
      const body = example.body?.(params);
      collectSecrets(body);
      const before = await lastAuditId();
      let status: number;
      let text: string;
      if (example.multipart) {
        const res = await fetch(app.url + path, {
          method,
          headers: { authorization: `Bearer ${app.tokens.admin}` },
          body: example.multipart(),
        });
        status = res.status;
        text = await res.text();
      } else {
        const res = await app.api(method, path + (example.query ?? ''), {
          ...(body === undefined ? {} : { body }),
          ...(example.contentType ? { contentType: example.contentType } : {}),
        });
        status = res.status;
        text = res.text;
      }
      if (text) {
        try {
          collectSecrets(JSON.parse(text));
        } catch {
          // not JSON (an empty 204): nothing to collect
        }
      }
      if (status >= 300) {
        failures.push(`${op}: answered ${status} ${text.slice(0, 300)}`);
        continue;
      }
      const rows = await rowsAfter(before);
      const own = rows.filter((r) => r['action'] === `${method} ${pattern}`);
      if (own.length !== 1 || rows.length !== 1) {
        failures.push(`${op}: ${rows.length} rows (${rows.map((r) => r['action']).join(', ')})`);
        continue;
      }
      const row = own[0] as Record<string, unknown>;
      const json = JSON.stringify(row);
      const leaked = [...secrets].filter((s) => s.length >= 4 && json.includes(s));
      if (leaked.length > 0) failures.push(`${op}: the row holds ${leaked.join(', ')}: ${json}`);
      if (row['actor'] !== 'admin' || row['via'] !== 'token' || row['outcome'] !== 'ok')
        failures.push(`${op}: actor/via/outcome ${json}`);
      await example.undo?.();
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('keeps the object as it was and the change, redacted, and lets an admin filter the log', async () => {
    const number = await newExtension();
    const res = await app.api('PATCH', `/api/v1/extensions/${number}`, {
      body: { display_name: 'Renamed', sip_secret: SIP },
    });
    expect(res.status).toBe(200);
    const list = await app.api<{ items: AuditRowJson[]; total: number }>(
      'GET',
      `/api/v1/audit?object_type=extensions&object_id=${number}&action=PATCH&actor=admin`,
    );
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    const [row] = list.body.items;
    expect(row).toMatchObject({
      action: 'PATCH /api/v1/extensions/{number}',
      object_type: 'extensions',
      object_id: number,
      after: { display_name: 'Renamed', sip_secret: '[redacted]' },
      before: expect.objectContaining({ number, display_name: `Audit ${number}` }),
    });
    expect(JSON.stringify(row)).not.toContain(SIP);

    // A create is found by the new object's id; the newest comes first; dates bound the range.
    const today = new Date().toISOString().slice(0, 10);
    const creates = await app.api<{ items: AuditRowJson[] }>(
      'GET',
      `/api/v1/audit?action=Create%20an%20extension&from=${today}&to=${today}&per_page=2`,
    );
    expect(creates.body.items.map((r) => r.action)).toEqual([
      'POST /api/v1/extensions/',
      'POST /api/v1/extensions/',
    ]);
    expect(creates.body.items[0]!.id).toBeGreaterThan(creates.body.items[1]!.id);
    expect(creates.body.items[0]!.object_id).toBe(number);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await app.api('GET', `/api/v1/audit?from=${tomorrow}`)).body.total).toBe(0);

    // Only admins; bad filters are refused with the reason.
    expect((await app.api('GET', '/api/v1/audit', { token: app.tokens.supervisor })).status).toBe(403);
    const bad = await app.api('GET', '/api/v1/audit?from=yesterday&per_page=1000&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('from');
  });

  it('records a refused change as nothing, and an export of secrets as a row', async () => {
    const before = await lastAuditId();
    const dup = await app.api('POST', '/api/v1/extensions', {
      body: { number: '2101', display_name: 'Dup' },
    });
    expect(dup.status).toBe(409);
    expect(await rowsAfter(before)).toEqual([]);

    const csv = await app.api('GET', '/api/v1/extensions/export');
    expect(csv.status).toBe(200);
    // The download's row is written as the answer goes; the next request sees it.
    const rows = await rowsAfter(before);
    expect(rows.map((r) => r['action'])).toEqual(['GET /api/v1/extensions/export']);
    expect(JSON.stringify(rows)).not.toContain(SIP);
  });

  it('records a form post (session) too, and shows the log on /audit with its filters, to admins only', async () => {
    const web = await signIn(app, 'admin', 'admin-password-1', '/departments');
    const posted = await web.post('/departments', { name: 'Audit form dept', extensions: '2101' });
    expect(posted.status).toBe(303);

    const page = await web.get('/audit?actor=admin&object_type=departments&action=POST%20%2Fdepartments');
    expect(page.status).toBe(200);
    const html = await page.text();
    const rows = html.match(/<tr data-audit-id=/g) ?? [];
    expect(rows).toHaveLength(1);
    expect(html).toContain('POST /departments');
    expect(html).toContain('session');
    expect(html).toContain('Audit form dept');
    const row = await app.sb.deps.db('audit_log').where({ action: 'POST /departments' }).first();
    expect(row).toMatchObject({ via: 'session', object_type: 'departments' });
    expect(JSON.stringify(row)).not.toContain(web.csrf);

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const none = await web.get(`/audit?from=${tomorrow}`);
    expect(await none.text()).toContain('No entries match.');
    const bad = await web.get('/audit?from=31-12-2026');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('expected YYYY-MM-DD');

    const supervisor = await signIn(app, 'super', 'super-password-1', '/departments');
    expect((await supervisor.get('/audit')).status).toBe(403);
  });

  it('keeps rows for the retention period only, and keeps them all when it is 0', async () => {
    const db = app.sb.deps.db;
    const old = await recordAudit(db, { actor: 'retention', via: 'system', action: 'old' });
    const recent = await recordAudit(db, { actor: 'retention', via: 'system', action: 'recent' });
    await db('audit_log')
      .where({ id: old })
      .update({ at: new Date(Date.now() - 40 * 86_400_000) });
    expect(await purgeAudit(db, 0)).toBe(0);
    expect(await purgeAudit(db, 30)).toBeGreaterThanOrEqual(1);
    expect(await db('audit_log').whereIn('id', [old, recent]).pluck('id')).toEqual([recent]);
  });
});
