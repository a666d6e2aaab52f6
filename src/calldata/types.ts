// Rows of the raw call-data tables, as ingested from Asterisk's files (see ingest.ts).

export interface CdrRecord {
  id: number;
  linkedid: string;
  uniqueid: string;
  sequence: number;
  start: Date;
  answer: Date | null;
  end: Date;
  clid: string;
  src: string;
  dst: string;
  dcontext: string;
  channel: string;
  dstchannel: string;
  lastapp: string;
  lastdata: string;
  duration: number;
  billsec: number;
  disposition: string;
  accountcode: string;
  peeraccount: string;
  userfield: string;
}

export interface CelEvent {
  id: number;
  eventtype: string;
  eventtime: Date;
  userdeftype: string;
  eventextra: string;
  cid_name: string;
  cid_num: string;
  cid_ani: string;
  cid_dnid: string;
  exten: string;
  context: string;
  channame: string;
  appname: string;
  appdata: string;
  uniqueid: string;
  linkedid: string;
  peer: string;
}

export interface QueueLogEvent {
  id: number;
  time: Date;
  callid: string;
  queuename: string;
  agent: string;
  event: string;
  data1: string;
  data2: string;
  data3: string;
  data4: string;
  data5: string;
}

// USER_DEFINED CEL events the generated dialplan emits (CELGenUserEvent(type,extra)).
export const USER_EVENTS = {
  // extra: "<ivr id>:<key>" (key "t" for timeout, "i" for invalid)
  ivrKey: 'SB_IVR_KEY',
  // extra: "<inbound route id>:<did>:<trunk name>"
  inboundRoute: 'SB_INBOUND',
  // extra: "<outbound route id>:<dialled digits>"
  outboundRoute: 'SB_OUTBOUND',
  // extra: "<trunk name>:<number sent>" — one per trunk tried, in order
  trunkDial: 'SB_TRUNK_DIAL',
  // extra: "<box>:<VMSTATUS>" — emitted by a hangup handler, so also when the caller hangs up
  voicemail: 'SB_VOICEMAIL',
  // extra: "<file name>|<policy target>|<policy ref>" (see src/recordings)
  recording: 'SB_RECORDING',
  // extra: "<queue number>:<callback id>"
  queueCallback: 'SB_QUEUE_CALLBACK',
} as const;
