// @deskchat/im: RFC 6121 instant messaging on top of core's module API.
import type { Module } from '@deskchat/core';
import { messagingModules } from './messaging/index.js';
import { vcardModule, searchModule } from './directory/index.js';
import { rosterModule } from './roster/roster-module.js';
import { presenceModule } from './presence/presence-module.js';
import { privateXmlModule } from './private/private-xml-module.js';
import { blockingModule } from './blocking/blocking-module.js';
import { archiveModule } from './archive/archive-module.js';
import { pepModule } from './pep/pep-module.js';
import { compositionModule } from './composition/composition-module.js';
import { csiModule } from './csi/csi-module.js';

/** The IM modules a node loads, in load order. */
export const imModules: Module<any>[] = [rosterModule, presenceModule, compositionModule, ...messagingModules, csiModule, vcardModule, searchModule, privateXmlModule, blockingModule, archiveModule, pepModule];
export { compose, sameComposed, PHONE_STATUS, MEETING_STATUS, type ComposedPresence, type PresenceSources, type ResourcePresence, type Show, type PhoneState, type CalendarState } from './composition/compose.js';
export { SOURCE_STATES, PRESENCE_SOURCES_SERVICE, type PresenceSourceService, type PresenceReport, type SourceName } from './composition/source-service.js';
export * from './messaging/index.js';
export * from './directory/index.js';
export { rosterModule, ROSTER_VERSIONING_FEATURE } from './roster/roster-module.js';
export { ROSTER_SERVICE, RosterService, type ContactState } from './roster/roster-service.js';
export { DEFAULT_ROSTER_OPTIONS, parseRosterOptions, type RosterOptions } from './roster/options.js';
export type { RosterItemRemoved } from './roster/events.js';
export * as subscriptionState from './roster/subscription-state.js';
export type { SubscriptionState, SubscriptionType, DefinedState } from './roster/subscription-state.js';
export { presenceModule, PRE_APPROVAL_FEATURE, DEFAULT_PRESENCE_OPTIONS, type PresenceOptions } from './presence/presence-module.js';
export { PRESENCE_SERVICE, type PresenceService, type AvailableResource } from './presence/presence-service.js';
export type { PresenceBroadcast, PresenceBroadcastReason } from './presence/events.js';
export { privateXmlModule, parsePrivateXmlOptions, DEFAULT_PRIVATE_XML_OPTIONS, PRIVATE_NS, type PrivateXmlOptions } from './private/private-xml-module.js';
export { csiModule, holdKey, CSI_NS, MAX_HELD } from './csi/csi-module.js';
export { compositionModule, DEFAULT_COMPOSITION_OPTIONS, type CompositionOptions } from './composition/composition-module.js';
export { COMPOSITION_NS } from './composition/composed-stanzas.js';
export { blockingModule, parseBlockingOptions, blockedError, DEFAULT_BLOCKING_OPTIONS, BLOCKING_NS, BLOCKING_ERRORS_NS, type BlockingOptions } from './blocking/blocking-module.js';
export * from './adhoc/index.js';
export * from './register/index.js';
export { archiveModule, isArchivable, parseArchiveOptions, DEFAULT_ARCHIVE_OPTIONS, type ArchiveOptions } from './archive/index.js';
export { pepModule, parsePepOptions, DEFAULT_PEP_OPTIONS, type PepOptions } from './pep/pep-module.js';
export { PUBSUB_NS, PUBSUB_OWNER_NS, PUBSUB_EVENT_NS, PUBSUB_ERRORS_NS, PEP_FEATURES } from './pep/pep-ns.js';
