// The StreamResumptionStore contract (XEP-0198 §5 resumable streams) on a real redis-server with
// RedisStreamResumptionStore, two connections standing for two nodes; and what Redis adds: every
// key of a stream in its SM-ID's slot, the keys' TTLs (attached, hibernated), and what expiry
// leaves behind in a node's index.
import { describe, expect, it } from '@jest/globals';
import { streamResumptionStoreContract } from '@deskchat/testing';
import type { ResumableStream } from '@deskchat/core';
import { allKeys, hashTagOf, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis } from '../connection.js';
import { RedisStreamResumptionStore } from './redis-stream-resumption-store.js';

const fixture = useRedisServer();

streamResumptionStoreContract('redis', async () => {
  const redis = await fixture.fresh();
  const other = await connectRedis(redisOptions(fixture.server));
  return { stores: [new RedisStreamResumptionStore(redis), new RedisStreamResumptionStore(other)], cleanup: () => other.close() };
});

const stream = (id: string, extra: Partial<ResumableStream> = {}): ResumableStream => ({
  id,
  username: 'alice',
  resource: 'desk',
  sessionId: 's1',
  node: 'imp1a',
  epoch: 0,
  maxSeconds: 300,
  inbound: 0,
  acked: 0,
  unacked: [],
  ...extra,
});

describe('RedisStreamResumptionStore', () => {
  it("keeps a stream's record and unacknowledged stanzas under its SM-ID's hash tag, and the node's index under the node's", async () => {
    const redis = await fixture.fresh();
    const store = new RedisStreamResumptionStore(redis);
    const id = 'Ab-9{x}%';
    await store.create(stream(id));
    await store.push(id, 0, '<message/>');
    const keys = await allKeys(redis);
    expect(keys).toEqual(['test:node:{imp1a}:sm', 'test:sm:{Ab-9%7Bx%7D%25}:record', 'test:sm:{Ab-9%7Bx%7D%25}:unacked']);
    // One tag, so one Redis Cluster slot: every script of the store may touch both keys.
    expect(new Set(keys.filter((k) => k.startsWith('test:sm:')).map(hashTagOf))).toEqual(new Set(['Ab-9%7Bx%7D%25']));
  });

  it('renews its life on each write while attached; once hibernated, lives the resumption timeout plus the grace, by Redis time', async () => {
    const redis = await fixture.fresh();
    const store = new RedisStreamResumptionStore(redis, { attachedTtlMs: 60_000, expiredGraceMs: 5_000 });
    const k = redis.keys.streamResumption('sm-1');
    await store.create(stream('sm-1', { maxSeconds: 20 }));
    await store.push('sm-1', 0, '<message/>');
    for (const key of [k.record, k.unacked]) expect(await redis.client.pTTL(key)).toBeGreaterThan(55_000);
    await store.hibernate('sm-1', 0, Date.now() + 20_000);
    // Later writes by the holder (a stanza queued while hibernated) do not give it its day back;
    // a list created after the hibernation gets the record's lifetime.
    await store.ack('sm-1', 0, 1);
    expect(await redis.client.exists(k.unacked)).toBe(0);
    await store.push('sm-1', 0, '<message id="2"/>');
    for (const key of [k.record, k.unacked]) {
      const ttl = await redis.client.pTTL(key);
      expect(ttl).toBeGreaterThan(20_000);
      expect(ttl).toBeLessThanOrEqual(25_000);
    }
    await store.claim('sm-1', { username: 'alice', epoch: 0, node: 'imp2b', now: Date.now() });
    for (const key of [k.record, k.unacked]) expect(await redis.client.pTTL(key)).toBeGreaterThan(55_000);
  });

  it('leaves a stream past its expiry to be ended, its unacknowledged stanzas returned, until the grace has passed', async () => {
    const redis = await fixture.fresh();
    const store = new RedisStreamResumptionStore(redis, { expiredGraceMs: 60_000 });
    await store.create(stream('sm-1'));
    await store.push('sm-1', 0, '<message id="in-flight"/>');
    const expiresAt = Date.now() - 1; // already past: the holder's timer, or a takeover, is about to end it
    await store.hibernate('sm-1', 0, expiresAt);
    await expect(store.claim('sm-1', { username: 'alice', epoch: 0, node: 'imp2b', now: Date.now() })).resolves.toBeUndefined();
    await expect(store.get('sm-1')).resolves.toMatchObject({ expiresAt, unacked: ['<message id="in-flight"/>'] });
    await expect(store.end('sm-1', 0)).resolves.toMatchObject({ unacked: ['<message id="in-flight"/>'] });
    // Nothing of the stream is left (the refused claim's pointer on imp2b is pruned by a later ofNode).
    expect((await allKeys(redis)).filter((key) => !key.startsWith('test:node:{imp2b}'))).toEqual([]);
  });

  it('drops both keys once the grace has passed, leaving only the node pointer, which ofNode skips and prunes', async () => {
    const redis = await fixture.fresh();
    const store = new RedisStreamResumptionStore(redis, { expiredGraceMs: 100, staleIndexMs: 0 });
    // A resumption timeout of 0 s (not one core gives) so that the keys lapse at once: Redis counts it, not the node.
    const k = redis.keys.streamResumption('sm-2');
    await store.create(stream('sm-2', { maxSeconds: 0 }));
    await store.push('sm-2', 0, '<message/>');
    await store.create(stream('sm-3')); // attached: stays
    await store.hibernate('sm-2', 0, Date.now());
    for (const deadline = Date.now() + 5_000; (await redis.client.exists([k.record, k.unacked])) > 0; ) {
      if (Date.now() > deadline) throw new Error('the keys of a hibernated stream outlived expiresAt + grace');
      await new Promise((r) => setTimeout(r, 25));
    }
    await expect(store.get('sm-2')).resolves.toBeUndefined();
    await expect(store.end('sm-2', 0)).resolves.toBeUndefined();
    expect((await redis.client.hKeys(redis.keys.node('imp1a').sm)).sort()).toEqual(['sm-2', 'sm-3']);
    await expect(store.ofNode('imp1a')).resolves.toEqual([stream('sm-3')]);
    expect(await redis.client.hKeys(redis.keys.node('imp1a').sm)).toEqual(['sm-3']);
  });

  it("keeps a young pointer to nothing: a create or a claim between its two steps", async () => {
    const redis = await fixture.fresh();
    const store = new RedisStreamResumptionStore(redis, { staleIndexMs: 60_000 });
    await redis.client.hSet(redis.keys.node('imp1a').sm, 'sm-new', String(Date.now()));
    await expect(store.ofNode('imp1a')).resolves.toEqual([]);
    expect(await redis.client.hKeys(redis.keys.node('imp1a').sm)).toEqual(['sm-new']);
  });

  it('moves the pointer to the claiming node and keeps it when a stream is resumed on the node that holds it', async () => {
    const redis = await fixture.fresh();
    const store = new RedisStreamResumptionStore(redis);
    await store.create(stream('sm-1'));
    await store.claim('sm-1', { username: 'alice', epoch: 0, node: 'imp1a', now: Date.now() });
    expect(await redis.client.hKeys(redis.keys.node('imp1a').sm)).toEqual(['sm-1']);
    // A pointer written in the same millisecond as a claim's own is left (it may be a later claim's); see the store.
    await new Promise((r) => setTimeout(r, 5));
    await store.claim('sm-1', { username: 'alice', epoch: 1, node: 'imp2b', now: Date.now() });
    expect(await redis.client.exists(redis.keys.node('imp1a').sm)).toBe(0);
    expect(await redis.client.hKeys(redis.keys.node('imp2b').sm)).toEqual(['sm-1']);
    await store.end('sm-1', 2);
    expect(await allKeys(redis)).toEqual([]);
  });
});
