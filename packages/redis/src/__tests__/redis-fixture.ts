// One real redis-server per test file (started by the test on a free port, never one assumed on
// 6379) and one connection to it; `fresh()` empties it before each test so that every contract
// test starts from nothing. `useRedisCluster()`: the same with a three-primary Redis Cluster.
import { afterAll, beforeAll } from '@jest/globals';
import { startRedisCluster, startRedisServer, type RedisTestCluster, type RedisTestServer, type RedisTestServerOptions } from '@deskchat/testing';
import type { Logger } from '@deskchat/core';
import { connectRedis, type RedisConnection } from '../connection.js';
import { parseRedisOptions, type RedisOptions } from '../options.js';

export interface RedisFixture {
  readonly server: RedisTestServer;
  readonly redis: RedisConnection;
  /** Flushes every key and returns the shared connection. */
  fresh(): Promise<RedisConnection>;
}

export function redisOptions(server: RedisTestServer, overrides: Record<string, unknown> = {}): RedisOptions {
  return parseRedisOptions({ url: server.url, keyPrefix: 'test:', ...overrides });
}

/** Registers beforeAll/afterAll hooks; read the fields inside tests. */
export function useRedisServer(options: RedisTestServerOptions = {}, connect: Record<string, unknown> = {}): RedisFixture {
  const state = {} as { server: RedisTestServer; redis: RedisConnection };
  beforeAll(async () => {
    state.server = await startRedisServer(options);
    state.redis = await connectRedis(redisOptions(state.server, connect));
  });
  afterAll(async () => {
    await state.redis?.close();
    await state.server?.stop();
  });
  return {
    get server() {
      return state.server;
    },
    get redis() {
      return state.redis;
    },
    async fresh() {
      // After a fault test the shared connection may still be reconnecting.
      for (const deadline = Date.now() + 10_000; !state.redis.isAvailable; ) {
        if (Date.now() > deadline) throw new Error('redis fixture: the shared connection did not come back');
        await new Promise((r) => setTimeout(r, 10));
      }
      await flushAll(state.redis);
      return state.redis;
    },
  };
}

export interface RedisClusterFixture {
  readonly cluster: RedisTestCluster;
  readonly redis: RedisConnection;
  /** Flushes every primary and returns the shared connection. */
  fresh(): Promise<RedisConnection>;
  /** Another connection to the cluster (another node); close it when done. */
  connect(overrides?: Record<string, unknown>): Promise<RedisConnection>;
}

/** The password of `useRedisCluster`'s nodes (so that every contract also runs with AUTH on every node). */
export const CLUSTER_PASSWORD = 'cluster-secret';

export function redisClusterOptions(cluster: RedisTestCluster, overrides: Record<string, unknown> = {}): RedisOptions {
  return parseRedisOptions({ clusterNodes: cluster.addresses.join(','), password: CLUSTER_PASSWORD, keyPrefix: 'test:', ...overrides });
}

/** A three-primary Redis Cluster (password `CLUSTER_PASSWORD`) for the test file (beforeAll/afterAll), and one connection to it. */
export function useRedisCluster(): RedisClusterFixture {
  const state = {} as { cluster: RedisTestCluster; redis: RedisConnection };
  beforeAll(async () => {
    state.cluster = await startRedisCluster({ password: CLUSTER_PASSWORD });
    state.redis = await connectRedis(redisClusterOptions(state.cluster));
  }, 60_000);
  afterAll(async () => {
    await state.redis?.close();
    await state.cluster?.stop();
  });
  return {
    get cluster() {
      return state.cluster;
    },
    get redis() {
      return state.redis;
    },
    async fresh() {
      await flushAll(state.redis);
      return state.redis;
    },
    connect: (overrides = {}) => connectRedis(redisClusterOptions(state.cluster, overrides)),
  };
}

/** FLUSHALL on every primary (a cluster client would send it to one random node). */
async function flushAll(redis: RedisConnection): Promise<void> {
  await redis.runOnPrimaries('test:flushAll', (c) => c.flushAll());
}

/** Every key in the server (every primary of a cluster), sorted (tests of the key layout). */
export async function allKeys(redis: RedisConnection): Promise<string[]> {
  return (await redis.runOnPrimaries('test:keys', (c) => c.keys('*'))).flat().sort();
}

/** The part of a key Redis Cluster hashes (Redis Cluster spec, "Hash tags"). */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

export interface LogLine {
  level: string;
  obj: unknown;
  msg?: string;
}

/** A Logger that records what it is given. */
export function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg });
  const log = { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}
