// @deskchat/redis: core's storage ports on Redis (node-redis) for a cluster of nodes — the durable
// stores and the shared state (session directory, presence, node bus, locks, chat locks, BOSH
// sessions, XEP-0198 resumable streams, cluster registry, rate limiters) —, the connection they
// share, the persistence check and the migration import.
export { connectRedis, RedisConnection, type BlockingClient, type ConnectRedisDeps, type RedisClient, type RedisClusterClient, type RedisCommands, type RedisConnectionEvents, type RedisLink } from './connection.js';
export { DEFAULT_REDIS_OPTIONS, parseEndpoint, parseRedisOptions, redactUrl, type RedisEndpoint, type RedisOptions, type RedisSentinelOptions, type RedisClusterOptions } from './options.js';
export { RedisConnectError, RedisLockTimeoutError, RedisNotPersistentError, RedisUnavailableError, isUnavailability } from './errors.js';
export { KeySpace, userTag, tagToUsername, type BoshKeys, type LockKeys, type NodeKeys, type StreamResumptionKeys, type UserKeys, type UserVolatileKeys } from './keys.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { checkPersistence, requirePersistence, persistenceFromConfig, persistenceFromInfo, type PersistenceReport } from './persistence.js';
export { openRedisAdminStores, openRedisStores, type RedisAdminStores, type RedisStores } from './open-stores.js';
export { RedisAdminAccountStore, RedisApiTokenStore, RedisAuditLog, RedisInvitationStore } from './stores/redis-admin-stores.js';
export { RedisPresenceStateStore } from './stores/redis-presence-state-store.js';
export { RedisAccountStore } from './stores/redis-account-store.js';
export { RedisOfflineStore, type OfflineUsage } from './stores/redis-offline-store.js';
export { RedisPrivateXmlStore } from './stores/redis-private-xml-store.js';
export { RedisBlockListStore } from './stores/redis-block-list-store.js';
export { RedisArchiveStore } from './stores/redis-archive-store.js';
export { RedisPepStore } from './stores/redis-pep-store.js';
export { RedisPubsubSubscriptionStore } from './stores/redis-pubsub-subscription-store.js';
export { RedisRosterStore } from './stores/redis-roster-store.js';
export { RedisSettingsStore } from './stores/redis-settings-store.js';
export { RedisVCardStore } from './stores/redis-vcard-store.js';
export { RedisMucRoomStore } from './stores/redis-muc-room-store.js';
export { RedisMucOccupantStore } from './volatile/redis-muc-occupant-store.js';
export { reindexAccounts, type ReindexResult } from './maintenance.js';
export { importAdmin, importSettings, importUser, importedRosterVersion, type AdminData, type UserData } from './import.js';
export { openRedisSharedState, type RedisSharedState, type RedisSharedStateOptions } from './open-shared-state.js';
export { RedisSessionDirectory, type RedisSessionDirectoryOptions } from './volatile/redis-session-directory.js';
export { RedisPresenceStore } from './volatile/redis-presence-store.js';
export { RedisNodeBus, type BusHealth, type RedisNodeBusOptions } from './volatile/redis-node-bus.js';
export { RedisLocks, type RedisLocksOptions } from './volatile/redis-locks.js';
export { RedisChatLockStore } from './volatile/redis-chat-lock-store.js';
export { RedisBoshStateStore } from './volatile/redis-bosh-state.js';
export { RedisStreamResumptionStore, type RedisStreamResumptionStoreOptions } from './volatile/redis-stream-resumption-store.js';
export { RedisClusterRegistry } from './cluster/redis-cluster-registry.js';
export { RedisRateLimiter, redisRequestRateLimiter, redisSignInCounters, type RequestRate } from './volatile/rate-limiters.js';
export { RedisSlidingWindow } from './volatile/sliding-window.js';
