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
import type { BlockListStore } from './storage/block-list.js';
import { MemoryBlockListStore } from './storage/memory-block-list.js';
import type { ArchiveStore } from './storage/archive.js';
import { MemoryArchiveStore } from './storage/memory-archive.js';
import type { PepStore } from './storage/pep.js';
import { MemoryPepStore } from './storage/memory-pep.js';
import type { PubsubSubscriptionStore } from './storage/pubsub-subscriptions.js';
import { MemoryPubsubSubscriptionStore } from './storage/memory-pubsub-subscriptions.js';
import type { SettingsStore } from './storage/settings.js';
import type { PresenceStateStore } from './storage/presence-state.js';
import { MemoryPresenceStateStore } from './storage/memory-presence-state.js';
import { MemorySettingsStore } from './storage/memory-settings.js';
import type { MucRoomStore } from './storage/muc-rooms.js';
import { MemoryMucRoomStore } from './storage/memory-muc-rooms.js';
import type { FileStore } from './storage/files.js';
import { MemoryFileStore } from './storage/memory-files.js';

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
  /** XEP-0191 block lists. */
  blockList: BlockListStore;
  /** XEP-0313 message archives (users' and rooms') and users' archive preferences. */
  archive: ArchiveStore;
  /** XEP-0163 PEP nodes and items, and the XEP-0115 caps cache. */
  pep: PepStore;
  /** XEP-0060 subscriptions of the pubsub.<domain> service (its nodes and items are in `pep`, owner '@pubsub'). */
  pubsubSubscriptions: PubsubSubscriptionStore;
  /** Server-wide settings changed at run time (chat server URLs, file policy, load limits). */
  settings: SettingsStore;
  /** Last seen and outside presence sources (phone, calendar) on a single node; see storage/presence-state.ts. */
  presenceState: PresenceStateStore;
  /** XEP-0045 rooms: configuration, subject, affiliations (the muc package). */
  mucRooms: MucRoomStore;
  /** Stored files and their metadata (XEP-0363 uploads, file offers). */
  files: FileStore;
}

export function memoryStores(): Stores {
  return { accounts: new MemoryAccountStore(), vcards: new MemoryVCardStore(), offline: new MemoryOfflineStore(), roster: new MemoryRosterStore(), privateXml: new MemoryPrivateXmlStore(), blockList: new MemoryBlockListStore(), archive: new MemoryArchiveStore(), pep: new MemoryPepStore(), pubsubSubscriptions: new MemoryPubsubSubscriptionStore(), settings: new MemorySettingsStore(), presenceState: new MemoryPresenceStateStore(), mucRooms: new MemoryMucRoomStore(), files: new MemoryFileStore() };
}
