import type { ExtensionState } from '../../src/extensions/state';
import { defaultFeatureCodes } from '../../src/feature-codes/catalog';
import type { DesiredState } from '../../src/render/state';

// Hand-written render inputs for the pure renderers' tests: nothing configured but what `over`
// sets (the default feature codes, emergency mode off).
export function desiredState(over: Partial<DesiredState> = {}): DesiredState {
  return {
    settings: { extensionRange: { min: 1000, max: 9999 }, ringSeconds: 30 },
    extensions: [],
    trunks: [],
    outboundRoutes: [],
    inboundRoutes: [],
    blockedCallers: [],
    greetings: [],
    ivrs: [],
    announcements: [],
    timeConditions: [],
    emergency: { active: false, allRoutes: true, routeIds: [], greetingId: null, destination: null },
    voicemailBoxes: [],
    queues: [],
    ringGroups: [],
    followMe: [],
    mohClasses: [],
    featureCodes: defaultFeatureCodes(),
    sipBans: [],
    tollGuard: { forwardExternal: [], extensionLimits: [], trunkLimits: [] },
    ...over,
  };
}

// An extension with the defaults a new one gets (internal calls only, no voicemail).
export function extensionState(
  over: Partial<ExtensionState> & Pick<ExtensionState, 'number'>,
): ExtensionState {
  return {
    displayName: `Ext ${over.number}`,
    callerIdName: null,
    callerIdNumber: null,
    email: null,
    sipSecret: 'x',
    // The goldens keep the number: what a random one would be changes every run.
    authUsername: over.number,
    maxContacts: 1,
    codecs: ['ulaw'],
    voicemailEnabled: false,
    classes: ['internal'],
    outboundCallerId: null,
    language: null,
    ...over,
  };
}
