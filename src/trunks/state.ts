// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import '../render/state';

// Where and as whom a trunk connects: the same fields in the table row and in the desired state.
export interface TrunkEndpoint {
  name: string;
  kind: 'registration' | 'ip';
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  username: string | null;
  password: string | null;
}

export interface TrunkState extends TrunkEndpoint {
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

declare module '../render/state' {
  interface DesiredState {
    trunks: TrunkState[];
  }
}
