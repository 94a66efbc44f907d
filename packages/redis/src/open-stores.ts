// Every durable store of core on one Redis connection (the Redis counterpart of storage-sqlite's
// openSqliteStores): what the server plugs into core's `Stores` and `AdminStores` in cluster mode.
import type { AdminStores, Stores } from '@deskchat/core';
import type { RedisConnection } from './connection.js';
import { RedisAccountStore } from './stores/redis-account-store.js';
import { RedisBlockListStore } from './stores/redis-block-list-store.js';
import { RedisArchiveStore } from './stores/redis-archive-store.js';
import { RedisPepStore } from './stores/redis-pep-store.js';
import { RedisPubsubSubscriptionStore } from './stores/redis-pubsub-subscription-store.js';
import { RedisMucRoomStore } from './stores/redis-muc-room-store.js';
import { RedisAdminAccountStore, RedisApiTokenStore, RedisAuditLog, RedisInvitationStore } from './stores/redis-admin-stores.js';
import { RedisOfflineStore } from './stores/redis-offline-store.js';
import { RedisPresenceStateStore } from './stores/redis-presence-state-store.js';
import { RedisPrivateXmlStore } from './stores/redis-private-xml-store.js';
import { RedisRosterStore } from './stores/redis-roster-store.js';
import { RedisSettingsStore } from './stores/redis-settings-store.js';
import { RedisVCardStore } from './stores/redis-vcard-store.js';

/**
 * Core's stores but `files`: stored files have no Redis backend yet (issue #10 keeps them behind the
 * FileStore port for the cluster work), so a cluster node composes them itself.
 */
export interface RedisStores extends Omit<Stores, 'files'> {
  accounts: RedisAccountStore;
  offline: RedisOfflineStore;
  privateXml: RedisPrivateXmlStore;
  blockList: RedisBlockListStore;
  archive: RedisArchiveStore;
  pep: RedisPepStore;
  pubsubSubscriptions: RedisPubsubSubscriptionStore;
  roster: RedisRosterStore;
  settings: RedisSettingsStore;
  vcards: RedisVCardStore;
  presenceState: RedisPresenceStateStore;
  mucRooms: RedisMucRoomStore;
}

export interface RedisAdminStores extends AdminStores {
  admins: RedisAdminAccountStore;
  apiTokens: RedisApiTokenStore;
  audit: RedisAuditLog;
  invitations: RedisInvitationStore;
}

export function openRedisStores(redis: RedisConnection): RedisStores {
  return {
    accounts: new RedisAccountStore(redis),
    offline: new RedisOfflineStore(redis),
    privateXml: new RedisPrivateXmlStore(redis),
    blockList: new RedisBlockListStore(redis),
    archive: new RedisArchiveStore(redis),
    pep: new RedisPepStore(redis),
    pubsubSubscriptions: new RedisPubsubSubscriptionStore(redis),
    roster: new RedisRosterStore(redis),
    settings: new RedisSettingsStore(redis),
    vcards: new RedisVCardStore(redis),
    presenceState: new RedisPresenceStateStore(redis),
    mucRooms: new RedisMucRoomStore(redis),
  };
}

/** The administration stores (core keeps them apart from `Stores`), shared by every node. */
export function openRedisAdminStores(redis: RedisConnection): RedisAdminStores {
  return { admins: new RedisAdminAccountStore(redis), apiTokens: new RedisApiTokenStore(redis), audit: new RedisAuditLog(redis), invitations: new RedisInvitationStore(redis) };
}
