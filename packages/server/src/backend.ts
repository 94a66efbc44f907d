// Where a node keeps its state (design.md §4): one node on embedded SQLite with its volatile state
// in memory; a cluster node on Redis (durable stores with persistence, and the shared state: session
// directory, presence, node bus, locks, BOSH sessions, the cluster registry). The server decides
// once, from `cluster.redisUrl` (or `cluster.redisSentinels`: Redis Sentinel; or `cluster.redisClusterNodes`: a Redis Cluster); nothing else in the node depends on which it is.
import { randomUUID } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AdminStores, ClusterRegistry, Logger, Metrics, NodeInfo, SharedState, SignInCounters, Stores } from '@deskchat/core';
import { RedisSlidingWindow, connectRedis, type BusHealth, openRedisAdminStores, openRedisSharedState, openRedisStores, parseRedisOptions, redisRequestRateLimiter, redisSignInCounters, requirePersistence } from '@deskchat/redis';
import type { RegistrationLimiter } from '@deskchat/im';
import { openSqliteFileStore, openSqliteStores } from '@deskchat/storage-sqlite';
import { nodeAddress, redisOptionsInput, type ClusterConfig } from './cluster-config.js';
import type { ServerConfig } from './config.js';

export interface ClusterBackend {
  config: ClusterConfig;
  registry: ClusterRegistry;
  self: NodeInfo;
}

export interface Backend {
  stores: Stores;
  adminStores: AdminStores;
  /** Shared volatile state; undefined: core's in-memory default (a single node). */
  shared?: SharedState;
  signInCounters?: SignInCounters;
  /** XEP-0077 registrations per address counted for the whole cluster (undefined: the module's own, in memory). */
  registrationLimiter?: (maxPerAddress: number, windowMs: number) => RegistrationLimiter;
  adminRateLimiter?: RateLimiterAbstract;
  cluster?: ClusterBackend;
  /** Offline messages stored, for /metrics (undefined where counting them all is not cheap). */
  offlineCount?: () => Promise<number>;
  /** Whether the shared store answers (readiness). */
  isStoreAvailable(): boolean;
  /** In a cluster: whether this node's bus stream is being read (readiness; undefined: no bus). */
  busHealth?: () => BusHealth;
  close(): Promise<void>;
}

/** `metrics`: where Redis's latency and errors are counted (RedisConnection.run). */
export async function openBackend(config: ServerConfig, log: Logger, metrics?: Metrics): Promise<Backend> {
  if (!config.cluster) {
    const stores = openSqliteStores(config.dataDir);
    // Leftovers of uploads cut by a crash; only in the server, never in the CLI, which shares the store.
    stores.files.recover();
    return { stores, adminStores: stores, offlineCount: () => stores.offline.countAllMessages(), isStoreAvailable: () => true, close: async () => stores.close() };
  }
  const cluster = config.cluster;
  const redisOptions = parseRedisOptions(redisOptionsInput(cluster), 'cluster');
  // Unreachable at start: RedisConnectError, printed by the CLI as a message with exit 1.
  const redis = await connectRedis(redisOptions, { log, ...(metrics ? { metrics } : {}) });
  // Stored files have no Redis backend yet (issue #10): each node keeps the files uploaded to it
  // on its own disk, with their metadata in its own SQLite file, and its upload URLs name this node
  // (cluster.publicUrl), so a file is served by the node that holds it — and not while it is down.
  let local: ReturnType<typeof openSqliteFileStore> | undefined;
  try {
    // Durable data in Redis needs persistence (AOF or snapshots) unless the operator says otherwise.
    await requirePersistence(redis, { allowVolatileRedis: cluster.allowVolatileRedis }, log);
    local = openSqliteFileStore(config.dataDir);
    local.files.recover();
    const files = local.files;
    const closeLocal = local.close.bind(local);
    const shared = openRedisSharedState(redis, { node: cluster.node, log });
    const self: NodeInfo = { name: cluster.node, pair: cluster.pair, instance: randomUUID(), startedAt: Date.now(), ...nodeAddress(cluster) };
    return {
      stores: { ...openRedisStores(redis), files },
      adminStores: openRedisAdminStores(redis),
      shared,
      signInCounters: redisSignInCounters(redis, config.core.limits),
      registrationLimiter: (maxPerAddress, windowMs) => new RedisSlidingWindow(redis, 'register-address', maxPerAddress, windowMs),
      adminRateLimiter: redisRequestRateLimiter(redis, { perSecond: 200, burst: 400 }),
      cluster: { config: cluster, registry: shared.registry, self },
      isStoreAvailable: () => redis.isAvailable,
      busHealth: () => shared.bus.health(),
      close: async () => {
        await shared.close();
        await redis.close();
        closeLocal();
      },
    };
  } catch (err) {
    await redis.close();
    local?.close();
    throw err;
  }
}
