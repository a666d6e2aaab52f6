import type { CdrRecord, CelEvent, QueueLogEvent } from '../calldata/types';
import { USER_EVENTS } from '../calldata/types';
import type { Direction, Journey, JourneyParty, JourneyStep, Outcome, PartyRole } from './types';

// One call (linkedid) → its journey, from Asterisk's own records only: CEL says which channels
// existed, what the dialplan did (user events) and who was bridged with whom; queue_log says
// what happened in queues. A pure function, so it can be checked on recorded calls.

export interface CallRecords {
  linkedid: string;
  cel: CelEvent[];
  cdr: CdrRecord[];
  queueLog: QueueLogEvent[];
}

// A journey as built, before it has a row id: the Journey plus the extensions it involved.
export interface AssembledJourney extends Omit<Journey, 'id'> {
  parties: JourneyParty[];
}

type ChannelKind =
  | { kind: 'extension'; extension: string }
  | { kind: 'trunk'; trunk: string }
  | { kind: 'local'; target: string }
  | { kind: 'other' };

interface Channel {
  uniqueid: string;
  name: string;
  kind: ChannelKind;
  startedAt: Date;
  cidNum: string;
  cidName: string;
  exten: string;
  context: string;
  queueLeg: boolean;
  hangupSource: string;
  dialStatus: string;
}

// Channel names as chan_pjsip and core_local make them: PJSIP/<endpoint>-<8 hex>,
// Local/<exten>@<context>-<8 hex>;<1|2>. Trunk endpoints are named trunk-<name> (src/trunks).
export function channelKind(name: string): ChannelKind {
  const trunk = /^PJSIP\/trunk-(.+)-[0-9a-f]{8}$/.exec(name);
  if (trunk) return { kind: 'trunk', trunk: trunk[1]! };
  const ext = /^PJSIP\/([0-9]{1,20})-[0-9a-f]{8}$/.exec(name);
  if (ext) return { kind: 'extension', extension: ext[1]! };
  const local = /^Local\/([^@]*)@.*;[12]$/.exec(name);
  if (local) return { kind: 'local', target: local[1]! };
  return { kind: 'other' };
}

function jsonField(extra: string, key: string): string {
  if (!extra.startsWith('{')) return '';
  try {
    const v: unknown = JSON.parse(extra);
    if (v && typeof v === 'object') {
      const f = (v as Record<string, unknown>)[key];
      return typeof f === 'string' || typeof f === 'number' ? String(f) : '';
    }
  } catch {
    // a truncated extra: the field is unknown
  }
  return '';
}

// BRIDGE_ENTER/EXIT carry {"bridge_id":…}; an extra cut at the column width still starts with it.
function bridgeId(extra: string): string {
  const parsed = jsonField(extra, 'bridge_id');
  if (parsed) return parsed;
  const m = /"bridge_id":"([^"]+)"/.exec(extra);
  return m ? m[1]! : extra;
}

const seconds = (from: Date, to: Date) => Math.max(0, Math.round(to.getTime() - from.getTime()) / 1000);
const num = (s: string) => {
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) ? n : null;
};

const QUEUE_NAME = /^sb-queue-([0-9]{1,10})$/;
const CALLBACK_WAIT_CONTEXT = 'sb-queue-callback-wait';

// What the database knows beyond Asterisk's records: whether a caller who left a queue with a
// key stored a callback request (the offer is made by Switchboard, not the dialplan).
export interface CallContext {
  callbackRequested?: boolean;
}

export function assembleJourney(
  call: CallRecords,
  memberExtensions: ReadonlyMap<string, string>,
  context: CallContext = {},
): AssembledJourney {
  const cel = [...call.cel].sort((a, b) => a.eventtime.getTime() - b.eventtime.getTime() || a.id - b.id);
  const queueLog = [...call.queueLog].sort((a, b) => a.time.getTime() - b.time.getTime() || a.id - b.id);
  if (cel.length === 0) throw new Error(`call ${call.linkedid} has no CEL events`);

  const channels = new Map<string, Channel>();
  for (const e of cel) {
    let ch = channels.get(e.uniqueid);
    if (!ch) {
      ch = {
        uniqueid: e.uniqueid,
        name: e.channame,
        kind: channelKind(e.channame),
        startedAt: e.eventtime,
        cidNum: e.cid_num,
        cidName: e.cid_name,
        exten: e.exten,
        context: e.context,
        queueLeg: false,
        hangupSource: '',
        dialStatus: '',
      };
      channels.set(e.uniqueid, ch);
    }
    if (e.appname === 'AppQueue') ch.queueLeg = true;
    if (e.eventtype === 'HANGUP') {
      ch.hangupSource = jsonField(e.eventextra, 'hangupsource');
      ch.dialStatus = jsonField(e.eventextra, 'dialstatus');
    }
  }
  const caller = channels.get(call.linkedid) ?? channels.get(cel[0]!.uniqueid)!;
  const startedAt = cel[0]!.eventtime;
  const endedAt = cel[cel.length - 1]!.eventtime;

  const user = (type: string) => cel.filter((e) => e.eventtype === type);
  const inbound = user(USER_EVENTS.inboundRoute)[0];
  const outbound = user(USER_EVENTS.outboundRoute)[0];
  const trunkDials = user(USER_EVENTS.trunkDial);
  const ivrKeys = user(USER_EVENTS.ivrKey);
  const voicemails = user(USER_EVENTS.voicemail);
  const callbacks = user(USER_EVENTS.queueCallback);

  const [, inboundDid = '', inboundTrunk = ''] = inbound ? inbound.eventextra.split(':') : [];
  // A pending queue callback holds its caller's place with a Local placeholder Switchboard
  // originates into the queue (src/queues/callback): a call we make to the number to call back,
  // not a new caller, so never an abandoned queue call.
  const callbackLeg = [...channels.values()].some((c) => c.context === CALLBACK_WAIT_CONTEXT);
  const callbackNumber = callbackLeg
    ? ([...cel].reverse().find((e) => e.context === CALLBACK_WAIT_CONTEXT && /^[0-9]+$/.test(e.cid_num))
        ?.cid_num ?? '')
    : '';
  const direction: Direction = callbackLeg
    ? 'outbound'
    : inbound || caller.kind.kind === 'trunk'
      ? 'inbound'
      : outbound || trunkDials.length > 0
        ? 'outbound'
        : 'internal';
  const outboundDigits = outbound ? outbound.eventextra.slice(outbound.eventextra.indexOf(':') + 1) : '';

  // Who talked: a bridge holding two channels, one of them not a Local half, is people connected.
  const members = new Map<string, Set<string>>();
  const talkIntervals: Array<{ from: Date; to: Date | null }> = [];
  let open: { from: Date; to: Date | null } | null = null;
  let answeredAt: Date | null = null;
  let answeredChannel: Channel | null = null;
  const answeredChannels = new Set<string>();
  const connectedNow = () =>
    [...members.values()].some(
      (m) => m.size >= 2 && [...m].some((u) => channels.get(u)?.kind.kind !== 'local'),
    );
  for (const e of cel) {
    if (e.eventtype !== 'BRIDGE_ENTER' && e.eventtype !== 'BRIDGE_EXIT') continue;
    const id = bridgeId(e.eventextra);
    const m = members.get(id) ?? new Set<string>();
    members.set(id, m);
    if (e.eventtype === 'BRIDGE_ENTER') m.add(e.uniqueid);
    else m.delete(e.uniqueid);
    const connected = connectedNow();
    if (connected && !open) {
      open = { from: e.eventtime, to: null };
      talkIntervals.push(open);
    } else if (!connected && open) {
      open.to = e.eventtime;
      open = null;
    }
    if (e.eventtype === 'BRIDGE_ENTER' && m.size >= 2) {
      for (const u of m) if (u !== caller.uniqueid) answeredChannels.add(u);
      if (!answeredAt && connected) {
        answeredAt = e.eventtime;
        const others = [...m].filter((u) => u !== caller.uniqueid).map((u) => channels.get(u)!);
        answeredChannel = others.find((c) => c.kind.kind !== 'local') ?? others[0] ?? null;
      }
    }
  }
  const talkSeconds = talkIntervals.reduce((sum, i) => sum + seconds(i.from, i.to ?? endedAt), 0);

  // queue_log: ENTERQUEUE |url|callerid|position; CONNECT holdtime|bridged uniqueid|ringtime;
  // ABANDON position|origposition|waittime; EXITWITHTIMEOUT/EXITEMPTY position|orig|waittime;
  // EXITWITHKEY key|position|orig|waittime; RINGNOANSWER ringtime ms.
  const agentExtension = (q: QueueLogEvent): string | null => {
    if (q.event === 'CONNECT') {
      const ch = channels.get(q.data2);
      if (ch?.kind.kind === 'extension') return ch.kind.extension;
    }
    const iface = /^(?:PJSIP\/)?([0-9]{1,20})$/.exec(q.agent);
    if (iface) return iface[1]!;
    return memberExtensions.get(q.agent) ?? null;
  };
  const entered = queueLog.filter((q) => q.event === 'ENTERQUEUE');
  const connect = queueLog.find((q) => q.event === 'CONNECT');
  const decisive = callbackLeg
    ? undefined
    : (connect ?? [...queueLog].reverse().find((q) => /^(ABANDON|EXIT)/.test(q.event)) ?? entered.at(-1));
  const queueName = decisive?.queuename ?? '';
  const queueNumber = QUEUE_NAME.exec(queueName)?.[1] ?? null;
  const enter = entered.filter((q) => q.queuename === queueName).at(-1);
  const queuePosition = enter ? num(enter.data3) : null;
  let queueWaitSeconds: number | null = null;
  if (decisive) {
    const field =
      decisive.event === 'CONNECT'
        ? decisive.data1
        : decisive.event === 'EXITWITHKEY'
          ? decisive.data4
          : decisive.event === 'ENTERQUEUE'
            ? ''
            : decisive.data3;
    queueWaitSeconds = num(field);
  }
  const abandoned = !callbackLeg && queueLog.some((q) => q.event === 'ABANDON');
  const agentsRung = new Set<string>();
  const agentAnswered = connect ? agentExtension(connect) : null;
  for (const q of queueLog) {
    if (q.event !== 'RINGNOANSWER' && q.event !== 'CONNECT') continue;
    const ext = agentExtension(q);
    if (ext) agentsRung.add(ext);
  }
  for (const ch of channels.values()) {
    if (ch.queueLeg && ch.kind.kind === 'extension') agentsRung.add(ch.kind.extension);
  }

  // Parties: every extension the call touched, and how.
  const parties = new Map<string, JourneyParty>();
  const party = (extension: string, role: PartyRole) => {
    if (/^[0-9]{1,32}$/.test(extension)) parties.set(`${extension}|${role}`, { extension, role });
  };
  if (caller.kind.kind === 'extension') party(caller.kind.extension, 'caller');
  for (const ch of channels.values()) {
    if (ch === caller || ch.kind.kind !== 'extension') continue;
    const agent = ch.queueLeg || agentsRung.has(ch.kind.extension);
    party(ch.kind.extension, agent ? 'agent_rung' : 'rung');
    if (answeredChannels.has(ch.uniqueid)) party(ch.kind.extension, agent ? 'agent_answered' : 'answered');
  }
  for (const ext of agentsRung) party(ext, 'agent_rung');
  if (agentAnswered && answeredAt) party(agentAnswered, 'agent_answered');
  const voicemailEvent = voicemails.at(-1);
  const [voicemailBox = null, vmStatus = ''] = voicemailEvent ? voicemailEvent.eventextra.split(':') : [];
  if (voicemailBox) party(voicemailBox, 'voicemail');

  const label = (ch: Channel | null): string | null => {
    if (!ch) return null;
    if (ch.kind.kind === 'extension') return ch.kind.extension;
    if (ch.kind.kind === 'local') return ch.kind.target;
    if (ch.kind.kind === 'trunk')
      return direction === 'outbound' && outboundDigits ? outboundDigits : ch.kind.trunk;
    return ch.name;
  };
  const answeredBy = answeredAt ? label(answeredChannel) : null;

  const answeredTrunk = answeredChannel?.kind.kind === 'trunk' ? answeredChannel.kind.trunk : null;
  const trunk =
    direction === 'inbound'
      ? inboundTrunk || (caller.kind.kind === 'trunk' ? caller.kind.trunk : null)
      : direction === 'outbound'
        ? (answeredTrunk ?? (trunkDials.at(-1)?.eventextra.split(':')[0] || null))
        : null;

  const calledNumber = callbackLeg
    ? callbackNumber
    : direction === 'inbound'
      ? inboundDid || caller.exten
      : direction === 'outbound'
        ? outboundDigits || caller.exten
        : caller.exten;

  // The status of the caller's last Dial: what an unanswered outbound or internal call ran into.
  const dialStatus = caller.dialStatus;
  const rangSomebody = [...parties.values()].some((p) => p.role === 'rung' || p.role === 'agent_rung');
  let outcome: Outcome;
  if (answeredAt) outcome = 'answered';
  else if (callbacks.length > 0 || context.callbackRequested) outcome = 'callback';
  else if (vmStatus === 'SUCCESS') outcome = 'voicemail';
  else if (abandoned) outcome = 'abandoned';
  else if (direction !== 'inbound' && dialStatus === 'BUSY') outcome = 'busy';
  // "missed" is for people of ours (types.ts): an outbound call nobody took has failed.
  else if (direction === 'outbound') outcome = 'failed';
  else if (direction === 'internal' && !rangSomebody && !voicemailEvent && dialStatus !== 'NOANSWER')
    outcome = 'failed';
  else outcome = 'missed';

  const callbackQueue = QUEUE_NAME.exec(entered.at(-1)?.queuename ?? '')?.[1] ?? '';
  const callerNumber = callbackLeg ? callbackQueue : caller.cidNum;
  const callerName = callbackLeg ? 'Queue callback' : caller.cidName;
  const who = callerName && callerName !== callerNumber ? `${callerNumber} (${callerName})` : callerNumber;
  const steps = buildSteps({
    cel,
    queueLog,
    channels,
    caller,
    startDetail: callbackLeg
      ? `Callback to ${callbackNumber || 'unknown'}: waiting for an agent of queue ${callbackQueue || '?'}`
      : `Call from ${who || 'unknown'} to ${calledNumber || 'unknown'}`,
    agentExtension,
    answeredAt,
    answeredBy,
  });

  return {
    linkedid: call.linkedid,
    startedAt,
    answeredAt,
    endedAt,
    direction,
    callerNumber,
    callerName,
    calledNumber,
    did: direction === 'inbound' ? inboundDid || caller.exten || null : null,
    trunk: trunk || null,
    outcome,
    answeredBy,
    queueNumber,
    queueWaitSeconds,
    queuePosition,
    ivrPath: ivrKeys.map((e) => e.eventextra).join('>'),
    waitSeconds: seconds(startedAt, answeredAt ?? endedAt),
    talkSeconds,
    durationSeconds: seconds(startedAt, endedAt),
    transfers: cel.filter((e) => e.eventtype === 'BLINDTRANSFER' || e.eventtype === 'ATTENDEDTRANSFER')
      .length,
    voicemailBox,
    steps,
    parties: [...parties.values()],
  };
}

const VM_STATUS: Record<string, string> = {
  SUCCESS: 'message left',
  USEREXIT: 'caller left voicemail',
  FAILED: 'voicemail failed',
};

function buildSteps(ctx: {
  cel: CelEvent[];
  queueLog: QueueLogEvent[];
  channels: Map<string, Channel>;
  caller: Channel;
  startDetail: string;
  agentExtension: (q: QueueLogEvent) => string | null;
  answeredAt: Date | null;
  answeredBy: string | null;
}): JourneyStep[] {
  const out: Array<JourneyStep & { t: number; seq: number }> = [];
  const add = (at: Date, kind: JourneyStep['kind'], detail: string) =>
    out.push({ at: at.toISOString(), kind, detail, t: at.getTime(), seq: out.length });
  const { caller } = ctx;
  add(caller.startedAt, 'start', ctx.startDetail);
  for (const e of ctx.cel) {
    const extra = e.eventextra;
    switch (e.eventtype) {
      case USER_EVENTS.inboundRoute: {
        const [route, did, trunk] = extra.split(':');
        add(e.eventtime, 'inbound_route', `Inbound route ${route} for DID ${did} from trunk ${trunk}`);
        break;
      }
      case USER_EVENTS.outboundRoute: {
        const i = extra.indexOf(':');
        add(e.eventtime, 'outbound_route', `Outbound route ${extra.slice(0, i)} for ${extra.slice(i + 1)}`);
        break;
      }
      case USER_EVENTS.trunkDial: {
        const i = extra.indexOf(':');
        add(e.eventtime, 'ring', `Dialled ${extra.slice(i + 1)} through trunk ${extra.slice(0, i)}`);
        break;
      }
      case USER_EVENTS.ivrKey: {
        const [ivr, key = ''] = extra.split(':');
        const what = key === 't' ? 'no key (timeout)' : key === 'i' ? 'an invalid key' : `key ${key}`;
        add(e.eventtime, 'ivr_key', `IVR ${ivr}: caller pressed ${what}`);
        break;
      }
      case USER_EVENTS.voicemail: {
        const [box, status = ''] = extra.split(':');
        add(
          e.eventtime,
          'voicemail',
          `Voicemail ${box}: ${VM_STATUS[status] ?? (status.toLowerCase() || 'reached')}`,
        );
        break;
      }
      case USER_EVENTS.recording: {
        const [, target = '', ref = ''] = extra.split('|');
        const why =
          target === 'on_demand' || target === '' ? 'on demand' : `policy for ${target} ${ref}`.trim();
        add(e.eventtime, 'recording', `Recording started (${why})`);
        break;
      }
      case USER_EVENTS.queueCallback: {
        const [queue] = extra.split(':');
        add(e.eventtime, 'queue_callback', `Caller asked queue ${queue} to call back`);
        break;
      }
      case 'BLINDTRANSFER':
        add(
          e.eventtime,
          'transfer',
          `Blind transfer by ${e.channame}${jsonField(extra, 'extension') ? ` to ${jsonField(extra, 'extension')}` : ''}`,
        );
        break;
      case 'ATTENDEDTRANSFER':
        add(e.eventtime, 'transfer', `Attended transfer by ${e.channame}`);
        break;
      case 'CHAN_START': {
        const ch = ctx.channels.get(e.uniqueid);
        if (!ch || ch === caller || ch.queueLeg) break;
        if (ch.kind.kind === 'extension') add(e.eventtime, 'ring', `Ringing extension ${ch.kind.extension}`);
        break;
      }
      default:
        break;
    }
  }
  if (ctx.answeredAt) add(ctx.answeredAt, 'answer', `Answered by ${ctx.answeredBy ?? 'unknown'}`);
  // queue_log has whole seconds: a queue event is placed after what the dialplan did on the
  // queued caller's channel earlier in that same second (route, answer, recording), never before.
  const progress = ctx.cel.filter(
    (e) => e.eventtype === 'CHAN_START' || e.eventtype === 'ANSWER' || e.userdeftype !== '',
  );
  const queueTime = (q: QueueLogEvent) => {
    const t = q.time.getTime();
    const within = progress
      .filter((e) => e.uniqueid === q.callid && e.eventtime.getTime() < t + 1000)
      .map((e) => e.eventtime.getTime());
    return new Date(Math.max(t, ...within));
  };
  for (const entry of ctx.queueLog) {
    const q = { ...entry, time: queueTime(entry) };
    const queue = QUEUE_NAME.exec(q.queuename)?.[1] ?? q.queuename;
    const agent = ctx.agentExtension(q) ?? q.agent;
    switch (q.event) {
      case 'ENTERQUEUE':
        add(q.time, 'queue_enter', `Entered queue ${queue} at position ${q.data3 || '?'}`);
        break;
      case 'RINGNOANSWER':
        add(q.time, 'queue_ring', `Agent ${agent} did not answer in queue ${queue}`);
        break;
      case 'CONNECT':
        add(
          q.time,
          'queue_connect',
          `Agent ${agent} took the call after ${q.data1 || '?'} s in queue ${queue}`,
        );
        break;
      case 'ABANDON':
        add(q.time, 'queue_abandon', `Caller hung up after ${q.data3 || '?'} s waiting in queue ${queue}`);
        break;
      case 'EXITWITHTIMEOUT':
        add(q.time, 'queue_timeout', `Left queue ${queue} after the maximum wait (${q.data3 || '?'} s)`);
        break;
      case 'EXITEMPTY':
        add(q.time, 'queue_timeout', `Left queue ${queue}: no agent available (${q.data3 || '?'} s)`);
        break;
      case 'EXITWITHKEY':
        add(q.time, 'queue_callback', `Left queue ${queue} with key ${q.data1} after ${q.data4 || '?'} s`);
        break;
      default:
        break;
    }
  }
  const hangup = ctx.cel.find((e) => e.eventtype === 'HANGUP' && e.uniqueid === caller.uniqueid);
  const end = ctx.cel[ctx.cel.length - 1]!;
  if (hangup || end) {
    const source = hangup ? jsonField(hangup.eventextra, 'hangupsource') : '';
    const by = source ? channelKind(source) : null;
    const byWho =
      by?.kind === 'extension'
        ? `extension ${by.extension}`
        : by?.kind === 'trunk'
          ? `the caller on trunk ${by.trunk}`
          : source || 'the system';
    add(
      hangup?.eventtime ?? end.eventtime,
      'hangup',
      `Call ended, hung up by ${source === caller.name && caller.kind.kind === 'trunk' ? 'the caller' : byWho}`,
    );
  }
  return out.sort((a, b) => a.t - b.t || a.seq - b.seq).map(({ at, kind, detail }) => ({ at, kind, detail }));
}
