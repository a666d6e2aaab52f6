// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import type { DestinationState } from '../render/state';

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

declare module '../render/state' {
  interface DesiredState {
    timeConditions: TimeConditionState[];
  }
}
