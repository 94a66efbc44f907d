// The stores a core runs on: durable (accounts, later rosters, vCards, offline, settings, files)
// and volatile (later: session directory, BOSH sessions, node liveness, node bus).
import type { AccountStore } from './storage/accounts.js';
import { MemoryAccountStore } from './storage/memory-accounts.js';
import type { VCardStore } from './storage/vcards.js';
import { MemoryVCardStore } from './storage/memory-vcards.js';
import type { OfflineStore } from './storage/offline.js';
import { MemoryOfflineStore } from './storage/memory-offline.js';
import type { RosterStore } from './storage/roster.js';
import { MemoryRosterStore } from './storage/memory-roster.js';
import type { PrivateXmlStore } from './storage/private-xml.js';
import { MemoryPrivateXmlStore } from './storage/memory-private-xml.js';

export interface Stores {
  accounts: AccountStore;
  /** XEP-0054 vCards and their directory fields. */
  vcards: VCardStore;
  /** XEP-0160 offline messages. */
  offline: OfflineStore;
  /** RFC 6121 rosters, their XEP-0237 versions and pending inbound subscription requests. */
  roster: RosterStore;
  /** XEP-0049 private XML storage (and each user's last manual presence). */
  privateXml: PrivateXmlStore;
}

export function memoryStores(): Stores {
  return { accounts: new MemoryAccountStore(), vcards: new MemoryVCardStore(), offline: new MemoryOfflineStore(), roster: new MemoryRosterStore(), privateXml: new MemoryPrivateXmlStore() };
}
