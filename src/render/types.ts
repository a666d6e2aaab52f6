// The desired state the renderer works from: read once from MySQL by apply/load-state.ts.
import type { RecordingPolicyState } from '../recordings/render';

export interface ExtensionState {
  number: string;
  displayName: string;
  callerIdName: string | null;
  callerIdNumber: string | null;
  email: string | null;
  sipSecret: string;
  maxContacts: number;
  codecs: string[];
  voicemailEnabled: boolean;
  classes: string[];
  outboundCallerId: string | null;
}

export interface TrunkState {
  name: string;
  kind: 'registration' | 'ip';
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  username: string | null;
  password: string | null;
  fromUser: string | null;
  fromDomain: string | null;
  registrationExpiry: number;
  retryInterval: number;
  peerAddresses: string[];
  codecs: string[];
  maxChannels: number;
  callerIdPresentation: 'allowed' | 'withheld';
  dtmfMode: string;
  qualify: boolean;
  numberFormat: 'as_dialled' | 'e164_plus';
}

export interface OutboundRouteState {
  id: number;
  name: string;
  position: number;
  patterns: string[];
  strip: number;
  prepend: string;
  callerIdNumber: string | null;
  class: string;
  trunks: string[];
}

export interface DestinationState {
  type: string;
  target: string;
}

export interface InboundRouteState {
  id: number;
  name: string;
  position: number;
  did: string;
  callerId: string | null;
  destination: DestinationState;
  callerIdNamePrefix: string;
  // Caller priority in any queue this call reaches (SB_QUEUE_PRIO); 0 or absent: none.
  queuePriority?: number;
}

export interface BlockedCallerState {
  pattern: string;
  action: 'hangup' | 'busy';
}

export interface DialplanSettings {
  extensionRange: { min: number; max: number };
  ringSeconds: number;
  // The Stasis app that takes feature-code calls (PIN entry); 'switchboard' when absent.
  ariApp?: string;
}

// ---- call flow (greetings, IVRs, announcements, time conditions, emergency mode)

export interface GreetingState {
  id: number;
  name: string;
  // What Playback/Background take: a path under Asterisk's sounds directory without extension
  // (e.g. "switchboard/greeting-12"); Asterisk picks the channel language's variant.
  sound: string;
  languages: string[];
}

export interface IvrOptionState {
  digit: string; // 0-9, * or #
  destination: DestinationState;
}

export interface IvrState {
  id: number;
  name: string;
  promptGreetingId: number | null;
  options: IvrOptionState[];
  directDial: boolean; // callers may dial an extension number at the prompt
  repeatDigit: string | null; // a digit that replays the prompt
  timeoutSeconds: number;
  maxRetries: number; // tries after the first; one more wrong or missing key → invalidDestination
  retryGreetingId: number | null; // played before the prompt on a retry
  invalidDestination: DestinationState;
}

export interface AnnouncementState {
  id: number;
  name: string;
  greetingId: number;
  destination: DestinationState;
}

export interface WeeklyRangeState {
  day: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
  start: string; // HH:MM, inclusive
  end: string; // HH:MM, exclusive
}

export interface HolidayState {
  name: string;
  start: string; // YYYY-MM-DD
  end: string; // YYYY-MM-DD, inclusive (same as start for one day)
  yearly: boolean; // the year is ignored
}

export interface TimeConditionState {
  id: number;
  name: string;
  timezone: string; // IANA name, e.g. Europe/Brussels
  weekly: WeeklyRangeState[];
  holidays: HolidayState[]; // a holiday is never "open", whatever the weekly schedule says
  override: 'auto' | 'open' | 'closed';
  openDestination: DestinationState; // schedule matches (and no holiday)
  closedDestination: DestinationState;
}

export interface EmergencyState {
  active: boolean;
  allRoutes: boolean; // false: only routeIds
  routeIds: number[];
  greetingId: number | null;
  destination: DestinationState | null;
  pinSet?: boolean; // the *99 feature code takes a PIN (never the PIN itself)
}

// ---- voicemail (src/voicemail/boxes)

export interface VoicemailBoxState {
  number: string; // the extension's number, also the mailbox in voicemail context "switchboard"
  name: string; // the extension's display name (voicemail.conf's directory name)
  pin: string; // digits; app_voicemail reads it from voicemail.conf
  skipPinFromOwnPhone: boolean; // *97 from the box's own endpoint opens it without the PIN
}

// ---- call distribution (issue 5): queues, ring groups, follow-me, call handling, music on hold

export const QUEUE_STRATEGIES = [
  'ringall',
  'leastrecent',
  'fewestcalls',
  'random',
  'rrmemory',
  'linear',
  'wrandom',
] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

export interface QueueMemberState {
  extension: string; // interface PJSIP/<extension>
  name: string; // the extension's display name (membername)
  penalty: number; // 0 first; higher penalties ring only when lower ones are all busy
  dynamic: boolean; // false: static member in queues.conf; true: an agent who logs in and out
}

export interface QueueState {
  number: string; // dialable number; Asterisk queue name sb-queue-<number>
  name: string;
  strategy: QueueStrategy;
  members: QueueMemberState[];
  ringSeconds: number; // per agent attempt (queues.conf timeout)
  retrySeconds: number;
  wrapUpSeconds: number;
  serviceLevelSeconds?: number; // answered within it counts toward the service level; 20 when absent
  maxWaitSeconds: number; // 0: no limit; then failoverDestination
  maxCallers: number; // 0: no limit; a full queue sends the call to failoverDestination
  joinWhenEmpty: boolean; // false: callers never join a queue with no available agent
  leaveWhenEmpty: boolean;
  announcePosition: boolean;
  announceHoldTime: boolean;
  periodicAnnounceGreetingId: number | null;
  periodicAnnounceSeconds: number;
  mohClass: string; // a musiconhold.conf class name ('default' or sb-moh-<id>)
  vipCallerIds: string[]; // caller numbers (digits) who get vipPriority
  vipPriority: number;
  failoverDestination: DestinationState;
  callback: {
    enabled: boolean;
    key: string; // one DTMF digit that exits the queue into the callback offer
    maxAttempts: number;
    retrySeconds: number;
  };
}

export interface RingGroupMemberState {
  kind: 'extension' | 'external';
  target: string; // extension number, or a phone number for external
  confirm: boolean; // external only: the person answering must press 1 to take the call
}

export interface RingGroupState {
  number: string; // dialable; sb-dest-ring-group,<number>
  name: string;
  strategy: 'ringall' | 'hunt' | 'memoryhunt';
  ringSeconds: number;
  callerIdPrefix: string;
  members: RingGroupMemberState[];
  failoverDestination: DestinationState;
}

export interface FollowMeStepState {
  kind: 'extension' | 'external'; // the extension itself is a step of kind extension
  target: string;
  ringSeconds: number;
  confirm: boolean; // external only
}

export interface FollowMeState {
  extension: string; // whose calls follow the steps
  steps: FollowMeStepState[];
  finalDestination: DestinationState; // after the last step; voicemail by default
}

export interface MohClassState {
  name: string; // sb-moh-<id>
  directory: string; // absolute path of the class's files inside Asterisk's file system
  sort: 'random' | 'alpha'; // play order; alpha sorts by file name
  // The class's file names: listed in musiconhold.conf so a changed set of files changes the
  // file's bytes, which is what makes apply reload res_musiconhold (it rescans only on reload).
  files: string[];
}

// Codes dialled from a phone; the catalog (src/feature-codes/catalog.ts) gives defaults, the
// feature-codes page may change them. Key → code ("*76"); a disabled code is absent.
export type FeatureCodeMap = Readonly<Record<string, string>>;

export interface DesiredState {
  settings: DialplanSettings;
  extensions: ExtensionState[];
  trunks: TrunkState[];
  outboundRoutes: OutboundRouteState[];
  inboundRoutes: InboundRouteState[];
  blockedCallers: BlockedCallerState[];
  greetings: GreetingState[];
  ivrs: IvrState[];
  announcements: AnnouncementState[];
  timeConditions: TimeConditionState[];
  emergency: EmergencyState;
  voicemailBoxes: VoicemailBoxState[];
  queues: QueueState[];
  ringGroups: RingGroupState[];
  followMe: FollowMeState[];
  mohClasses: MohClassState[];
  featureCodes: FeatureCodeMap;
  // Optional so state literals written before recordings existed stay valid (src/recordings).
  recordingPolicies?: RecordingPolicyState[];
}

export interface RenderedFile {
  name: string;
  content: string;
  // For files made of one chunk per object (pjsip.conf): id → that object's text, so the apply
  // can tell which objects changed without parsing the whole file.
  sections?: ReadonlyMap<string, string>;
}
