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
}

export interface DesiredState {
  extensions: ExtensionState[];
}

export interface RenderedFile {
  name: string;
  content: string;
}
