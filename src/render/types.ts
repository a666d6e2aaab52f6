// The desired state the renderer works from: read once from MySQL by apply/load-state.ts.
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
}

export interface BlockedCallerState {
  pattern: string;
  action: 'hangup' | 'busy';
}

export interface DialplanSettings {
  extensionRange: { min: number; max: number };
  ringSeconds: number;
}

export interface DesiredState {
  settings: DialplanSettings;
  extensions: ExtensionState[];
  trunks: TrunkState[];
  outboundRoutes: OutboundRouteState[];
  inboundRoutes: InboundRouteState[];
  blockedCallers: BlockedCallerState[];
}

export interface RenderedFile {
  name: string;
  content: string;
  // For files made of one chunk per object (pjsip.conf): id → that object's text, so the apply
  // can tell which objects changed without parsing the whole file.
  sections?: ReadonlyMap<string, string>;
}
