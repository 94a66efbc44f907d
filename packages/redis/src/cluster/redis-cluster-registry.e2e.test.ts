// The ClusterRegistry contract on a real redis-server, with Redis's clock (real time, short TTLs),
// and what Redis adds: liveness seen by another connection, a node that stops heartbeating, the
// join race of two instances, and calls while Redis is down.
import { describe, expect, it } from '@jest/globals';
import { clusterRegistryContract, testNode } from '@deskchat/testing';
import { allKeys, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis } from '../connection.js';
import { RedisUnavailableError } from '../errors.js';
import { RedisClusterRegistry } from './redis-cluster-registry.js';

const fixture = useRedisServer();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

clusterRegistryContract('redis', async () => ({
  registry: new RedisClusterRegistry(await fixture.fresh()),
  advance: (ms) => sleep(ms),
  ttl: { long: 30_000, short: 1_200 }, // short enough to outlast, long enough for a heartbeat on a loaded machine
}));

describe('RedisClusterRegistry', () => {
  it('keeps every key in the {cluster} slot, liveness as a TTL key', async () => {
    const redis = await fixture.fresh();
    const registry = new RedisClusterRegistry(redis);
    await registry.join(testNode('imp1a', 'pair1'), 5_000);
    await registry.assign('alice', 'imp1a');
    expect(await allKeys(redis)).toEqual(['test:{cluster}:alive:imp1a', 'test:{cluster}:assigned-counts', 'test:{cluster}:assignments', 'test:{cluster}:last-seen', 'test:{cluster}:nodes']);
    const pttl = await redis.client.pTTL('test:{cluster}:alive:imp1a');
    expect(pttl).toBeGreaterThan(4_000);
    expect(pttl).toBeLessThanOrEqual(5_000);
  });

  it('declares a node dead once its heartbeats stop, as seen from another node, with Redis time as last seen', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const a = new RedisClusterRegistry(redis);
      const b = new RedisClusterRegistry(other);
      const before = Date.now();
      await a.join(testNode('imp1a', 'pair1'), 400);
      await b.join(testNode('imp1b', 'pair1'), 400);
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        await expect(b.heartbeat('imp1b', 'imp1b-1', 400)).resolves.toBe(true);
      }
      // imp1a joined 600 ms ago and never heartbeated: dead. imp1b heartbeated 0 ms ago: alive.
      const nodes = await a.nodes();
      expect(nodes.map((n) => [n.name, n.isAlive])).toEqual([['imp1a', false], ['imp1b', true]]);
      expect(nodes[0]!.lastSeen).toBeGreaterThanOrEqual(before - 50);
      expect(nodes[1]!.lastSeen - nodes[0]!.lastSeen).toBeGreaterThanOrEqual(500);
      // The dead node's instance may come back; a new instance may take the name over.
      await expect(a.join(testNode('imp1a', 'pair1', 'imp1a-2'), 400)).resolves.toEqual({ status: 'joined' });
      await expect(a.heartbeat('imp1a', 'imp1a-1', 400)).resolves.toBe(false);
    } finally {
      await other.close();
    }
  });

  it('lets exactly one of two instances racing for a name join', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const results = await Promise.all([
        new RedisClusterRegistry(redis).join(testNode('imp1a', 'pair1', 'one'), 5_000),
        new RedisClusterRegistry(other).join(testNode('imp1a', 'pair1', 'two'), 5_000),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['joined', 'name-in-use']);
    } finally {
      await other.close();
    }
  });

  it('counts assignments exactly when the same user is moved concurrently', async () => {
    const registry = new RedisClusterRegistry(await fixture.fresh());
    await Promise.all(Array.from({ length: 30 }, (_, i) => registry.assign('alice', `imp${i % 3}`)));
    await Promise.all(Array.from({ length: 10 }, (_, i) => registry.assign(`u${i}`, 'imp0')));
    const counts = await registry.assignedCounts();
    const home = (await registry.assignmentOf('alice'))!;
    expect(counts).toEqual({ imp0: 10 + (home === 'imp0' ? 1 : 0), ...(home !== 'imp0' ? { [home]: 1 } : {}) });
  });

  it('fails every call with RedisUnavailableError while Redis is down', async () => {
    const registry = new RedisClusterRegistry(await fixture.fresh());
    await fixture.server.kill();
    try {
      for (const call of [
        () => registry.join(testNode('imp1a', 'pair1'), 1_000),
        () => registry.heartbeat('imp1a', 'imp1a-1', 1_000),
        () => registry.leave('imp1a', 'imp1a-1'),
        () => registry.nodes(),
        () => registry.assignmentOf('alice'),
        () => registry.assign('alice', 'imp1a'),
        () => registry.unassign('alice'),
        () => registry.assignedCounts(),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(RedisUnavailableError);
      }
    } finally {
      await fixture.server.restart();
    }
    await fixture.fresh();
    await expect(registry.join(testNode('imp1a', 'pair1'), 1_000)).resolves.toEqual({ status: 'joined' });
  });
});
