// What the administration commands (`deskchat user|admin|cluster …`) run on, chosen the way a node
// chooses (backend.ts): the node's SQLite database (WAL: the server may be running on it), or in a
// cluster (`cluster.redisUrl`, DESKCHAT_REDIS_URL) the cluster's Redis — its durable stores, and the
// registry, session directory and node bus behind ClusterAdmin. The commands are not a node: they
// never subscribe to the bus nor join the registry, and they need no node name.
import type { AdminStores, Stores } from '@deskchat/core';
import { OptionsError } from '@deskchat/core';
import { RedisClusterRegistry, RedisConnectError, RedisNodeBus, RedisSessionDirectory, connectRedis, openRedisAdminStores, openRedisStores, parseRedisOptions } from '@deskchat/redis';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { ClusterAdmin } from '../cluster/cluster-admin.js';
import type { ToolConfig } from '../config.js';
import { redisOptionsInput } from '../cluster-config.js';
import { CommandError } from './command-error.js';

export interface CommandBackend {
  /** A cluster's Redis has no stored files (each node keeps its own): removing a user there leaves them to the node's expiry. */
  stores: Omit<Stores, 'files'> & Partial<Pick<Stores, 'files'>>;
  adminStores: AdminStores;
  /** In a cluster: users on nodes, the cluster's status, rebalancing. */
  cluster?: ClusterAdmin;
  /** Where the data is, for messages (a path, or the Redis URL without its password). */
  where: string;
  close(): Promise<void>;
}

export interface CommandBackendOptions {
  /** How long to keep trying to reach Redis (default 5 s: an operator is waiting). */
  redisStartTimeoutMs?: number;
}

/** Opens the backend; an unreachable Redis is a CommandError (printed, exit 1). */
export async function openCommandBackend(config: ToolConfig, options: CommandBackendOptions = {}): Promise<CommandBackend> {
  if (!config.cluster) {
    const stores = openSqliteStores(config.dataDir);
    return { stores, adminStores: stores, where: config.dataDir, close: async () => stores.close() };
  }
  let redisOptions;
  try {
    redisOptions = parseRedisOptions({ ...redisOptionsInput(config.cluster), startTimeoutMs: options.redisStartTimeoutMs ?? 5000 }, 'cluster');
  } catch (err) {
    if (err instanceof OptionsError) throw new CommandError(err.message);
    throw err;
  }
  let redis;
  try {
    redis = await connectRedis(redisOptions);
  } catch (err) {
    if (err instanceof RedisConnectError) throw new CommandError(err.message);
    throw err;
  }
  const stores = openRedisStores(redis);
  const cluster = new ClusterAdmin({ registry: new RedisClusterRegistry(redis), directory: new RedisSessionDirectory(redis), bus: new RedisNodeBus(redis) }, stores.accounts);
  return { stores, adminStores: openRedisAdminStores(redis), cluster, where: redis.url, close: () => redis.close() };
}
