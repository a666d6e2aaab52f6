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

export interface DialplanSettings {
  extensionRange: { min: number; max: number };
  ringSeconds: number;
}

export interface DesiredState {
  settings: DialplanSettings;
  extensions: ExtensionState[];
}

export interface RenderedFile {
  name: string;
  content: string;
  // For files made of one chunk per object (pjsip.conf): id → that object's text, so the apply
  // can tell which objects changed without parsing the whole file.
  sections?: ReadonlyMap<string, string>;
}
