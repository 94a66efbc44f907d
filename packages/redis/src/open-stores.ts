// Every durable store of core on one Redis connection (the Redis counterpart of storage-sqlite's
// openSqliteStores): what the server plugs into core's `Stores` in cluster mode.
import type { Stores } from '@deskchat/core';
import type { RedisConnection } from './connection.js';
import { RedisAccountStore } from './stores/redis-account-store.js';
import { RedisOfflineStore } from './stores/redis-offline-store.js';
import { RedisPrivateXmlStore } from './stores/redis-private-xml-store.js';
import { RedisRosterStore } from './stores/redis-roster-store.js';
import { RedisSettingsStore } from './stores/redis-settings-store.js';
import { RedisVCardStore } from './stores/redis-vcard-store.js';

export interface RedisStores extends Stores {
  accounts: RedisAccountStore;
  offline: RedisOfflineStore;
  privateXml: RedisPrivateXmlStore;
  roster: RedisRosterStore;
  settings: RedisSettingsStore;
  vcards: RedisVCardStore;
}

export function openRedisStores(redis: RedisConnection): RedisStores {
  return {
    accounts: new RedisAccountStore(redis),
    offline: new RedisOfflineStore(redis),
    privateXml: new RedisPrivateXmlStore(redis),
    roster: new RedisRosterStore(redis),
    settings: new RedisSettingsStore(redis),
    vcards: new RedisVCardStore(redis),
  };
}
