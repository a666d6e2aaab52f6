import type { Knex } from 'knex';
import { analyticsModule } from './analytics/module';
import { announcementsModule } from './announcements/module';
import { type AnyStateSlice, DesiredStateLoader } from './apply/load-state';
import { backupsModule } from './backups/module';
import { callHandlingModule } from './call-handling/module';
import { callFlowModule } from './callflow/module';
import type { FeatureModule } from './core/feature';
import { departmentsModule } from './departments/module';
import { emergencyModule } from './emergency/module';
import { extensionsModule } from './extensions/module';
import { featureCodesModule } from './feature-codes/module';
import { followMeModule } from './follow-me/module';
import { greetingsModule } from './greetings/module';
import { ivrsModule } from './ivrs/module';
import { journeysModule } from './journeys/module';
import { mohModule } from './moh/module';
import { queuesModule } from './queues/module';
import { recordingsModule } from './recordings/module';
import { renderConfig } from './render/render-all';
import type { DesiredState, DialplanSettings, RenderedFile } from './render/state';
import { reportsModule } from './reports/module';
import { ringGroupsModule } from './ring-groups/module';
import { routesModule } from './routes/module';
import { securityModule } from './security/module';
import { timeConditionsModule } from './time-conditions/module';
import { tollGuardModule } from './toll-guard/module';
import { trunksModule } from './trunks/module';
import { usersModule } from './users/module';
import { voicemailModule } from './voicemail/module';
import { wallboardModule } from './wallboard/module';

// The registry: every feature, one line each. The order is the order of the dialplan parts in
// extensions.conf, of the routers (a feature mounted under another's path comes first: follow-me
// and call handling before extensions) and of the runtimes' start.
export const FEATURES: readonly FeatureModule[] = [
  ivrsModule,
  announcementsModule,
  timeConditionsModule,
  emergencyModule,
  featureCodesModule,
  voicemailModule,
  queuesModule,
  ringGroupsModule,
  tollGuardModule,
  followMeModule,
  callHandlingModule,
  recordingsModule,
  extensionsModule,
  trunksModule,
  routesModule,
  greetingsModule,
  mohModule,
  usersModule,
  callFlowModule,
  journeysModule,
  reportsModule,
  departmentsModule,
  wallboardModule,
  analyticsModule,
  securityModule,
  backupsModule,
];

export const SLICES: readonly AnyStateSlice[] = FEATURES.flatMap((f) => f.state ?? []);
const CONTRIBUTIONS = FEATURES.flatMap((f) => (f.render ? [f.render] : []));

// Pure: same state, same bytes.
export function renderAll(state: DesiredState): RenderedFile[] {
  return renderConfig(state, CONTRIBUTIONS);
}

export function stateLoader(db: Knex, settings: DialplanSettings): DesiredStateLoader {
  return new DesiredStateLoader(db, settings, SLICES);
}
