export type { Account, AccountStore, AccountSummary, Credentials, ScramCredential, ScramHash } from './accounts.js';
export { MemoryAccountStore } from './memory-accounts.js';
export type { StoredVCard, VCardFields, VCardStore } from './vcards.js';
export { MemoryVCardStore } from './memory-vcards.js';
export type { OfflineMessage, OfflineStore } from './offline.js';
export { MemoryOfflineStore } from './memory-offline.js';
export type { Roster, RosterItem, RosterStore, Subscription, SubscriptionRequest } from './roster.js';
export { MemoryRosterStore } from './memory-roster.js';
