import type { Knex } from 'knex';
import { listAnnouncements } from '../announcements/service';
import { loadForRender as loadEmergency } from '../emergency/service';
import { listAllForRender, listForRender } from '../extensions/repo';
import { loadFeatureCodes } from '../feature-codes/repo';
import { listFollowMeForRender } from '../follow-me/repo';
import { listGreetingsForRender } from '../greetings/service';
import { listIvrs } from '../ivrs/service';
import { listMohClassesForRender } from '../moh/repo';
import { listQueuesForRender } from '../queues/repo';
import { listRecordingPoliciesForRender } from '../recordings/render';
import type { DesiredState, DialplanSettings, ExtensionState } from '../render/types';
import { listRingGroupsForRender } from '../ring-groups/repo';
import { listBlocked, listInbound, listOutbound } from '../routes/service';
import { listForRender as listTimeConditions } from '../time-conditions/service';
import * as trunks from '../trunks/repo';
import { listForRender as listVoicemailBoxes } from '../voicemail/boxes/repo';

// What changed since the last load, when the writer knows: lets an apply re-read one row of
// 10,000 instead of all of them. `null` means "unknown": read everything.
export type Scope = { extensions: string[] } | null;

// The renderer's only database reads.
export class DesiredStateLoader {
  private extensions: Map<string, ExtensionState> | null = null;

  constructor(
    private readonly db: Knex,
    private readonly settings: DialplanSettings,
  ) {}

  async load(scope: Scope): Promise<DesiredState> {
    if (!scope || !this.extensions) {
      this.extensions = new Map((await listAllForRender(this.db)).map((e) => [e.number, e]));
    } else if (scope.extensions.length > 0) {
      const fresh = new Map((await listForRender(this.db, scope.extensions)).map((e) => [e.number, e]));
      for (const number of scope.extensions) {
        const row = fresh.get(number);
        if (row) this.extensions.set(number, row);
        else this.extensions.delete(number);
      }
    }
    // Trunks and routes are a handful of rows: always read whole.
    return {
      settings: this.settings,
      extensions: [...this.extensions.values()],
      trunks: (await trunks.list(this.db)).map(trunks.toState),
      outboundRoutes: await listOutbound(this.db),
      inboundRoutes: await listInbound(this.db),
      blockedCallers: (await listBlocked(this.db)).map(({ pattern, action }) => ({ pattern, action })),
      // Call flow: each feature's loader replaces its empty default here.
      greetings: await listGreetingsForRender(this.db),
      ivrs: await listIvrs(this.db),
      announcements: await listAnnouncements(this.db),
      timeConditions: await listTimeConditions(this.db),
      emergency: await loadEmergency(this.db),
      voicemailBoxes: await listVoicemailBoxes(this.db),
      queues: await listQueuesForRender(this.db),
      ringGroups: await listRingGroupsForRender(this.db),
      followMe: await listFollowMeForRender(this.db),
      mohClasses: await listMohClassesForRender(this.db),
      featureCodes: await loadFeatureCodes(this.db),
      recordingPolicies: await listRecordingPoliciesForRender(this.db),
    };
  }

  forget(): void {
    this.extensions = null;
  }
}
