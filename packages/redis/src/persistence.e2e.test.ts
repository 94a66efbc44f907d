// The persistence check against real servers, and the start-up rule of issue 8 §2: refuse a Redis
// that does not persist unless cluster.allowVolatileRedis, then warn loudly.
import { afterEach, describe, expect, it } from '@jest/globals';
import { silentLogger } from '@deskchat/core';
import { startRedisServer, type RedisTestServer, type RedisTestServerOptions } from '@deskchat/testing';
import { recordingLogger, redisOptions } from './__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { RedisNotPersistentError } from './errors.js';
import { checkPersistence, requirePersistence } from './persistence.js';

const open: { server: RedisTestServer; redis: RedisConnection }[] = [];
async function redisWith(options: RedisTestServerOptions): Promise<RedisConnection> {
  const server = await startRedisServer(options);
  const redis = await connectRedis(redisOptions(server));
  open.push({ server, redis });
  return redis;
}
afterEach(async () => {
  for (const { server, redis } of open.splice(0)) {
    await redis.close();
    await server.stop();
  }
});

describe('checkPersistence and requirePersistence', () => {
  it('accepts a Redis with AOF', async () => {
    const redis = await redisWith({ aof: true });
    await expect(requirePersistence(redis, { allowVolatileRedis: false }, silentLogger)).resolves.toMatchObject({
      isPersistent: true,
      isAofEnabled: true,
      aofFsync: 'always',
      source: 'config',
    });
  });

  it('accepts a Redis with RDB snapshots only', async () => {
    const redis = await redisWith({ rdb: true });
    await expect(checkPersistence(redis)).resolves.toMatchObject({ isPersistent: true, isAofEnabled: false, rdbSchedule: '3600 1 300 100 60 10000' });
  });

  it('refuses a Redis without persistence, saying what would be lost and how to fix it', async () => {
    const redis = await redisWith({});
    const check = requirePersistence(redis, { allowVolatileRedis: false }, silentLogger);
    await expect(check).rejects.toThrow(RedisNotPersistentError);
    await expect(check).rejects.toThrow(/does not persist data \(AOF off, RDB snapshots off\).*appendonly yes.*cluster\.allowVolatileRedis: true/);
  });

  it('starts on a volatile Redis when allowed, with a loud warning', async () => {
    const redis = await redisWith({});
    const log = recordingLogger();
    await expect(requirePersistence(redis, { allowVolatileRedis: true }, log)).resolves.toMatchObject({ isPersistent: false });
    expect(log.lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^WARNING: .*does not persist data.*allowVolatileRedis is true/) })]);
  });

  it('falls back to INFO when CONFIG is disabled (managed Redis): AOF is seen, no AOF cannot be judged', async () => {
    const withAof = await redisWith({ aof: true, config: { 'rename-command': 'CONFIG ""' } });
    await expect(checkPersistence(withAof)).resolves.toMatchObject({ isPersistent: true, source: 'info' });
    const without = await redisWith({ rdb: true, config: { 'rename-command': 'CONFIG ""' } });
    await expect(requirePersistence(without, { allowVolatileRedis: false }, silentLogger)).rejects.toThrow(/cannot tell whether Redis .* persists data/);
  });
});
