// Core's shared state on Redis (design.md §4–5): what the server passes to every Core of a cluster
// node as `shared` (session directory, presence, node bus, locks, chat locks, group-chat
// occupants, BOSH sessions, XEP-0198 resumable streams), plus the cluster registry for the cluster
// module — all on the node's one RedisConnection, except the node bus's blocking reader, which has
// a connection of its own (closed by `close()`).
import { silentLogger, type Logger, type SharedState } from '@deskchat/core';
import type { RedisConnection } from './connection.js';
import { RedisClusterRegistry } from './cluster/redis-cluster-registry.js';
import { RedisBoshStateStore } from './volatile/redis-bosh-state.js';
import { RedisChatLockStore } from './volatile/redis-chat-lock-store.js';
import { RedisLocks, type RedisLocksOptions } from './volatile/redis-locks.js';
import { RedisMucOccupantStore } from './volatile/redis-muc-occupant-store.js';
import { RedisNodeBus, type RedisNodeBusOptions } from './volatile/redis-node-bus.js';
import { RedisPresenceStore } from './volatile/redis-presence-store.js';
import { RedisSessionDirectory, type RedisSessionDirectoryOptions } from './volatile/redis-session-directory.js';
import { RedisStreamResumptionStore, type RedisStreamResumptionStoreOptions } from './volatile/redis-stream-resumption-store.js';

export interface RedisSharedStateOptions {
  /** This node's name (in lock tokens and log lines). */
  node: string;
  log?: Logger;
  bus?: Omit<RedisNodeBusOptions, 'log'>;
  locks?: Omit<RedisLocksOptions, 'log' | 'node'>;
  directory?: RedisSessionDirectoryOptions;
  resumption?: RedisStreamResumptionStoreOptions;
}

export interface RedisSharedState extends SharedState {
  directory: RedisSessionDirectory;
  presence: RedisPresenceStore;
  bus: RedisNodeBus;
  locks: RedisLocks;
  chatLocks: RedisChatLockStore;
  boshState: RedisBoshStateStore;
  registry: RedisClusterRegistry;
  mucOccupants: RedisMucOccupantStore;
  /** XEP-0198 resumable streams, so that a stream can be resumed on any node. */
  resumption: RedisStreamResumptionStore;
  /** Stops the bus subscriptions made through `bus` (their blocking connections). The RedisConnection stays open: close it after. */
  close(): Promise<void>;
}

export function openRedisSharedState(redis: RedisConnection, options: RedisSharedStateOptions): RedisSharedState {
  const log = (options.log ?? silentLogger).child({ node: options.node });
  const bus = new RedisNodeBus(redis, { ...options.bus, log });
  return {
    directory: new RedisSessionDirectory(redis, options.directory),
    presence: new RedisPresenceStore(redis),
    bus,
    locks: new RedisLocks(redis, { ...options.locks, node: options.node, log }),
    chatLocks: new RedisChatLockStore(redis),
    boshState: new RedisBoshStateStore(redis),
    registry: new RedisClusterRegistry(redis),
    mucOccupants: new RedisMucOccupantStore(redis),
    resumption: new RedisStreamResumptionStore(redis, options.resumption),
    close: () => bus.close(),
  };
}
