// The BoshStateStore contract on a real redis-server with RedisBoshStateStore, and what Redis adds:
// a session written by one connection (node) and adopted through another, and its keys in one slot.
import { describe, expect, it } from '@jest/globals';
import { boshStateContract } from '@deskchat/testing';
import { allKeys, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis } from '../connection.js';
import { RedisBoshStateStore } from './redis-bosh-state.js';

const fixture = useRedisServer();

boshStateContract('redis', async () => ({ store: new RedisBoshStateStore(await fixture.fresh()) }));

describe('RedisBoshStateStore', () => {
  it("lets another connection (the pair peer) load, claim and continue a session another node wrote", async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const first = new RedisBoshStateStore(redis);
      const second = new RedisBoshStateStore(other);
      await first.save({ sid: 'abc', node: 'imp1a', username: 'alice', resource: 'web', sessionId: 's1', streamId: 'x', params: { firstRid: 1, wait: 30, hold: 1, requests: 2, inactivity: 60, polling: 2, maxPause: 120, contentType: 'text/xml', isAckEnabled: false, isSecure: true }, highestRid: 4, lastActivity: 5 });
      const [seq] = await first.append('abc', ['<message><body>in flight</body></message>']);
      await expect(second.claim('abc', 'imp1a', 'imp1b')).resolves.toBe(true);
      const state = await second.load('abc');
      expect(state?.record).toMatchObject({ node: 'imp1b', highestRid: 4 });
      expect(state?.outbox).toEqual([{ seq, xml: '<message><body>in flight</body></message>' }]);
      await expect(second.sessionsOf('imp1a')).resolves.toEqual([]);
      await expect(second.sessionsOf('imp1b')).resolves.toEqual(['abc']);
    } finally {
      await other.close();
    }
  });

  it("keeps every key of a session under the session's hash tag", async () => {
    const redis = await fixture.fresh();
    const store = new RedisBoshStateStore(redis);
    await store.save({ sid: 'S1', node: 'n', username: 'u', resource: 'r', sessionId: 's', streamId: 'x', params: { firstRid: 1, wait: 30, hold: 1, requests: 2, inactivity: 60, polling: 2, maxPause: 0, contentType: 'text/xml', isAckEnabled: false, isSecure: false }, highestRid: 1, lastActivity: 1 });
    await store.append('S1', ['<a/>']);
    await store.responded('S1', { rid: 2, body: '<body/>', sentAt: 1 }, [], { highestRid: 2, lastActivity: 2 });
    const keys = (await allKeys(redis)).filter((k) => k.includes('bosh:'));
    expect(keys.sort()).toEqual(expect.arrayContaining([expect.stringMatching(/bosh:\{S1\}:record$/), expect.stringMatching(/bosh:\{S1\}:outbox$/), expect.stringMatching(/bosh:\{S1\}:responses$/)]));
  });
});
