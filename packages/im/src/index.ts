// @deskchat/im: RFC 6121 instant messaging on top of core's module API.
import type { Module } from '@deskchat/core';
import { messagingModules } from './messaging/index.js';
import { vcardModule, searchModule } from './directory/index.js';

/** The IM modules a node loads, in load order. */
export const imModules: Module<any>[] = [...messagingModules, vcardModule, searchModule];
export { compose, sameComposed, PHONE_STATUS, MEETING_STATUS, type ComposedPresence, type PresenceSources, type ResourcePresence, type Show, type PhoneState, type CalendarState } from './composition/compose.js';
export { SOURCE_STATES, PRESENCE_SOURCES_SERVICE, type PresenceSourceService, type PresenceReport, type SourceName } from './composition/source-service.js';
export * from './messaging/index.js';
export * from './directory/index.js';
