// @deskchat/redis: core's durable storage ports on Redis (node-redis) for a cluster of nodes, the
// connection they share, the persistence check and the migration import. The volatile ports
// (session directory, presence, node bus, BOSH sessions, node liveness) come next.
export { connectRedis, RedisConnection, type ConnectRedisDeps, type RedisClient, type RedisConnectionEvents } from './connection.js';
export { DEFAULT_REDIS_OPTIONS, parseEndpoint, parseRedisOptions, redactUrl, type RedisEndpoint, type RedisOptions } from './options.js';
export { RedisConnectError, RedisNotPersistentError, RedisUnavailableError, isUnavailability } from './errors.js';
export { KeySpace, userTag, tagToUsername, type UserKeys } from './keys.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { checkPersistence, requirePersistence, persistenceFromConfig, persistenceFromInfo, type PersistenceReport } from './persistence.js';
export { openRedisAdminStores, openRedisStores, type RedisAdminStores, type RedisStores } from './open-stores.js';
export { RedisAdminAccountStore, RedisApiTokenStore, RedisAuditLog } from './stores/redis-admin-stores.js';
export { RedisPresenceStateStore } from './stores/redis-presence-state-store.js';
export { RedisAccountStore } from './stores/redis-account-store.js';
export { RedisOfflineStore, type OfflineUsage } from './stores/redis-offline-store.js';
export { RedisPrivateXmlStore } from './stores/redis-private-xml-store.js';
export { RedisRosterStore } from './stores/redis-roster-store.js';
export { RedisSettingsStore } from './stores/redis-settings-store.js';
export { RedisVCardStore } from './stores/redis-vcard-store.js';
export { reindexAccounts, type ReindexResult } from './maintenance.js';
export { importAdmin, importSettings, importUser, importedRosterVersion, type AdminData, type UserData } from './import.js';
