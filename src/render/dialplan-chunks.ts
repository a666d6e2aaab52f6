import { renderAnnouncementDialplan } from '../announcements/render';
import { renderCallHandlingDialplan } from '../call-handling/render';
import { renderEmergency } from '../emergency/render';
import { renderFeatureCodes } from '../feature-codes/render';
import { renderFollowMeDialplan } from '../follow-me/render';
import { renderIvrDialplan } from '../ivrs/render';
import { renderQueueCallbackDialplan } from '../queues/callback/render';
import { renderQueueDialplan } from '../queues/render';
import { renderRecordingDialplan } from '../recordings/render';
import { renderRingGroupDialplan } from '../ring-groups/render';
import { renderTimeConditions } from '../time-conditions/render';
import { renderVoicemailDialplan } from '../voicemail/boxes/render';
import type { DesiredState } from './types';

// The call-flow features each render their own part of extensions.conf: their sb-dest-<type>
// context (one entry per object) and the contexts behind it. They are appended after the core
// dialplan in this order; each is pure, like renderAll.
export type DialplanChunk = (state: DesiredState) => string;

export const DIALPLAN_CHUNKS: readonly DialplanChunk[] = [
  renderIvrDialplan,
  renderAnnouncementDialplan,
  renderTimeConditions,
  renderEmergency,
  renderFeatureCodes,
  renderVoicemailDialplan,
  renderQueueDialplan,
  renderQueueCallbackDialplan,
  renderRingGroupDialplan,
  renderFollowMeDialplan,
  renderCallHandlingDialplan,
  renderRecordingDialplan,
];
