// The presence-source service: what integrations (phone systems, calendars) change over the
// admin HTTP API, and what that API reads back. Provided by the composition module as
// `presence-sources` (core services), implemented over the presence module.
import type { CalendarState, ComposedPresence, PhoneState, ResourcePresence } from './compose.js';

export type SourceName = 'phone' | 'calendar';

export const SOURCE_STATES: Record<SourceName, readonly string[]> = {
  phone: ['on-call', 'idle'],
  calendar: ['in-meeting', 'free'],
};

export interface PresenceReport {
  username: string;
  composed: ComposedPresence;
  sources: {
    resources: ResourcePresence[];
    phone?: PhoneState;
    calendar?: CalendarState;
  };
}

export interface PresenceSourceService {
  /** Sets (or, with `undefined`, clears) an outside source; false when there is no such user. */
  setSource(username: string, source: SourceName, state: string | undefined): Promise<boolean>;
  /** The composed presence and every source that went into it; undefined when there is no such user. */
  report(username: string): Promise<PresenceReport | undefined>;
}

export const PRESENCE_SOURCES_SERVICE = 'presence-sources';
