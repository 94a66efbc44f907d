// Contract suite for core's BoshStateStore port (BOSH sessions another node can adopt). Every
// backend runs it (memory, Redis).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { BoshStateRecord, BoshStateStore } from '@deskchat/core';

export interface BoshStateFixture {
  store: BoshStateStore;
  cleanup?: () => Promise<void>;
}

const record = (sid: string, node = 'imp1a'): BoshStateRecord => ({
  sid,
  node,
  username: 'alice',
  resource: 'web',
  sessionId: 's1',
  streamId: 'stream-1',
  params: { firstRid: 100, wait: 30, hold: 1, requests: 2, inactivity: 60, polling: 2, maxPause: 120, ver: '1.11', contentType: 'text/xml; charset=utf-8', isAckEnabled: true, isSecure: false },
  expectedKey: 'abc',
  highestRid: 101,
  lastActivity: 1_000,
});

export function boshStateContract(name: string, make: () => Promise<BoshStateFixture>): void {
  describe(`BoshStateStore contract: ${name}`, () => {
    let store: BoshStateStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('saves a session and loads it with an empty outbox and no responses; unknown sids are undefined', async () => {
      await store.save(record('sid-1'));
      await expect(store.load('sid-1')).resolves.toEqual({ record: record('sid-1'), responses: [], outbox: [] });
      await expect(store.load('nope')).resolves.toBeUndefined();
    });

    it('appends to the outbox in order with increasing sequence numbers, and lists what came after a number', async () => {
      await store.save(record('sid-1'));
      const first = await store.append('sid-1', ['<message id="1"/>', '<message id="2">ü &amp; 😀</message>']);
      const second = await store.append('sid-1', ['<presence/>']);
      expect(first).toHaveLength(2);
      expect(first[1]).toBeGreaterThan(first[0]);
      expect(second[0]).toBeGreaterThan(first[1]);
      await expect(store.outboxAfter('sid-1', first[0])).resolves.toEqual([
        { seq: first[1], xml: '<message id="2">ü &amp; 😀</message>' },
        { seq: second[0], xml: '<presence/>' },
      ]);
      await expect(store.append('gone', ['<message/>'])).resolves.toEqual([]);
    });

    it('moves the entries of a response out of the outbox in the step that records the response', async () => {
      await store.save(record('sid-1'));
      const [a, b, c] = await store.append('sid-1', ['<a/>', '<b/>', '<c/>']);
      await store.responded('sid-1', { rid: 102, body: '<body><a/><b/></body>', sentAt: 2_000 }, [a, b], { highestRid: 102, expectedKey: 'def', lastActivity: 2_000 });
      const state = (await store.load('sid-1'))!;
      expect(state.outbox).toEqual([{ seq: c, xml: '<c/>' }]);
      expect(state.responses).toEqual([{ rid: 102, body: '<body><a/><b/></body>', sentAt: 2_000 }]);
      expect(state.record).toMatchObject({ highestRid: 102, expectedKey: 'def', lastActivity: 2_000 });
    });

    it('records progress of a request with payloads, and drops acknowledged responses', async () => {
      await store.save(record('sid-1'));
      await store.received('sid-1', { highestRid: 102, expectedKey: 'k2', lastActivity: 1_500 });
      for (const rid of [102, 103]) await store.responded('sid-1', { rid, body: `<body rid="${rid}"/>`, sentAt: rid }, [], { highestRid: rid, lastActivity: rid });
      await store.acknowledge('sid-1', 102);
      const state = (await store.load('sid-1'))!;
      expect(state.responses.map((r) => r.rid)).toEqual([103]);
      expect(state.record.highestRid).toBe(103);
    });

    it('keeps no more than a window (requests + 1) of responses', async () => {
      await store.save(record('sid-1'));
      for (const rid of [102, 103, 104, 105]) await store.responded('sid-1', { rid, body: `<body rid="${rid}"/>`, sentAt: rid }, [], { highestRid: rid, lastActivity: rid });
      expect((await store.load('sid-1'))!.responses.map((r) => r.rid)).toEqual([103, 104, 105]);
    });

    it('lets exactly one node claim a session from the node that held it', async () => {
      await store.save(record('sid-1', 'imp1a'));
      const claims = await Promise.all([store.claim('sid-1', 'imp1a', 'imp1b'), store.claim('sid-1', 'imp1a', 'imp2a')]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = claims[0] ? 'imp1b' : 'imp2a';
      await expect(store.sessionsOf(winner)).resolves.toEqual(['sid-1']);
      await expect(store.sessionsOf('imp1a')).resolves.toEqual([]);
      await expect(store.claim('sid-1', 'imp1a', 'imp1b')).resolves.toBe(false);
      await expect(store.claim('gone', 'imp1a', 'imp1b')).resolves.toBe(false);
    });

    it('removes a session with everything kept for it', async () => {
      await store.save(record('sid-1'));
      await store.save(record('sid-2'));
      await store.append('sid-1', ['<a/>']);
      await store.remove('sid-1');
      await expect(store.load('sid-1')).resolves.toBeUndefined();
      await expect(store.sessionsOf('imp1a')).resolves.toEqual(['sid-2']);
    });
  });
}
