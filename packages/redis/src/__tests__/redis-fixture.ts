// One real redis-server per test file (started by the test on a free port, never one assumed on
// 6379) and one connection to it; `fresh()` empties it before each test so that every contract
// test starts from nothing.
import { afterAll, beforeAll } from '@jest/globals';
import { startRedisServer, type RedisTestServer, type RedisTestServerOptions } from '@deskchat/testing';
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
      await state.redis.client.flushAll();
      return state.redis;
    },
  };
}

/** Every key in the server, sorted (tests of the key layout). */
export async function allKeys(redis: RedisConnection): Promise<string[]> {
  return (await redis.client.keys('*')).sort();
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
