// Contract suite for core's StreamResumptionStore port (XEP-0198 resumable streams, volatile and
// shared by every node). Every backend runs this same suite (memory, Redis).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ResumableStream, StreamResumptionStore } from '@deskchat/core';

export interface StreamResumptionStoreFixture {
  /** Two handles on the same backend, as two nodes would have. */
  stores: [StreamResumptionStore, StreamResumptionStore];
  cleanup?: () => Promise<void>;
}

const NOW = 1_700_000_000_000;

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

const claimBy = (node: string, epoch: number, extra: { username?: string; now?: number } = {}) => ({ username: 'alice', epoch, node, now: NOW, ...extra });

export function streamResumptionStoreContract(name: string, make: () => Promise<StreamResumptionStoreFixture>): void {
  describe(`StreamResumptionStore contract: ${name}`, () => {
    let store: StreamResumptionStore;
    let other: StreamResumptionStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({
        stores: [store, other],
        cleanup,
      } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('keeps a stream whole and gives it to every node; unknown ids are undefined', async () => {
      const s = stream('sm-1', { sessionId: 'abc', maxSeconds: 120, inbound: 7, acked: 4_294_967_290, unacked: ["<message to='alice@localhost/desk'><body>ü &amp; &lt;</body></message>"] });
      await store.create(s);
      await expect(store.get('sm-1')).resolves.toEqual(s);
      await expect(other.get('sm-1')).resolves.toEqual(s);
      await expect(store.get('sm-2')).resolves.toBeUndefined();
    });

    it('appends stanzas in order and keeps the counters, for the epoch that holds it', async () => {
      await store.create(stream('sm-1'));
      for (const n of [1, 2, 3]) await expect(store.push('sm-1', 0, `<message id='${n}'/>`)).resolves.toBe(true);
      await expect(store.setInbound('sm-1', 0, 12)).resolves.toBe(true);
      await expect(store.get('sm-1')).resolves.toMatchObject({ inbound: 12, acked: 0, unacked: ["<message id='1'/>", "<message id='2'/>", "<message id='3'/>"] });
    });

    it('refuses every write from an epoch that no longer holds the stream, and writes to unknown ids', async () => {
      await store.create(stream('sm-1', { epoch: 3 }));
      await expect(store.push('sm-1', 2, '<message/>')).resolves.toBe(false);
      await expect(store.ack('sm-1', 2, 0)).resolves.toBe(false);
      await expect(store.setInbound('sm-1', 2, 5)).resolves.toBe(false);
      await expect(store.hibernate('sm-1', 2, NOW + 1000)).resolves.toBe(false);
      await expect(store.end('sm-1', 2)).resolves.toBeUndefined();
      await expect(store.push('sm-9', 0, '<message/>')).resolves.toBe(false);
      await expect(store.setInbound('sm-9', 0, 1)).resolves.toBe(false);
      await expect(store.get('sm-1')).resolves.toEqual(stream('sm-1', { epoch: 3 }));
    });

    it('drops acknowledged stanzas from the front, counting modulo 2^32 (XEP-0198 §4)', async () => {
      await store.create(stream('sm-1', { acked: 4_294_967_294 }));
      for (const n of [1, 2, 3, 4]) await store.push('sm-1', 0, `<message id='${n}'/>`);
      // 4294967294 + 3 wraps: 4294967295, 0, 1.
      await expect(store.ack('sm-1', 0, 1)).resolves.toBe(true);
      await expect(store.get('sm-1')).resolves.toMatchObject({ acked: 1, unacked: ["<message id='4'/>"] });
      await expect(store.ack('sm-1', 0, 1)).resolves.toBe(true); // the same h again drops nothing
      await expect(store.get('sm-1')).resolves.toMatchObject({ acked: 1, unacked: ["<message id='4'/>"] });
      await store.ack('sm-1', 0, 2);
      await expect(store.get('sm-1')).resolves.toMatchObject({ acked: 2, unacked: [] });
    });

    it('hibernates a stream until a time; a claim takes it over, bumps the epoch and clears the expiry', async () => {
      await store.create(stream('sm-1', { inbound: 5 }));
      await store.push('sm-1', 0, '<message/>');
      await expect(store.hibernate('sm-1', 0, NOW + 300_000)).resolves.toBe(true);
      await expect(store.get('sm-1')).resolves.toMatchObject({ expiresAt: NOW + 300_000 });
      const claimed = await other.claim('sm-1', claimBy('imp2b', 0));
      expect(claimed).toEqual(stream('sm-1', { node: 'imp2b', epoch: 1, inbound: 5, unacked: ['<message/>'] }));
      expect(claimed).not.toHaveProperty('expiresAt');
      await expect(store.get('sm-1')).resolves.toEqual(claimed);
      // The former holder's writes are refused from now on; the new holder's go through.
      await expect(store.push('sm-1', 0, '<message id="late"/>')).resolves.toBe(false);
      await expect(other.push('sm-1', 1, '<message id="new"/>')).resolves.toBe(true);
      await expect(store.end('sm-1', 0)).resolves.toBeUndefined();
      await expect(other.get('sm-1')).resolves.toMatchObject({ unacked: ['<message/>', '<message id="new"/>'] });
    });

    it('claims a stream that is still attached to a connection (the client reconnected first)', async () => {
      await store.create(stream('sm-1'));
      await expect(other.claim('sm-1', claimBy('imp2b', 0))).resolves.toMatchObject({ epoch: 1, node: 'imp2b' });
    });

    it('does not claim for another user, with a stale epoch, or once expired', async () => {
      await store.create(stream('sm-1'));
      await store.hibernate('sm-1', 0, NOW + 1000);
      await expect(store.claim('sm-1', claimBy('imp2b', 0, { username: 'mallory' }))).resolves.toBeUndefined();
      await expect(store.claim('sm-1', claimBy('imp2b', 1))).resolves.toBeUndefined();
      await expect(store.claim('sm-1', claimBy('imp2b', 0, { now: NOW + 1000 }))).resolves.toBeUndefined();
      await expect(store.claim('sm-9', claimBy('imp2b', 0))).resolves.toBeUndefined();
      await expect(store.get('sm-1')).resolves.toMatchObject({ epoch: 0, node: 'imp1a', expiresAt: NOW + 1000 });
      await expect(store.claim('sm-1', claimBy('imp2b', 0, { now: NOW + 999 }))).resolves.toMatchObject({ epoch: 1 });
    });

    it('lets exactly one of two concurrent claims win', async () => {
      await store.create(stream('sm-1'));
      const results = await Promise.all([store.claim('sm-1', claimBy('imp1a', 0)), other.claim('sm-1', claimBy('imp2b', 0))]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('lets exactly one of a claim and an end win (a resumption racing the timeout)', async () => {
      await store.create(stream('sm-1'));
      await store.push('sm-1', 0, '<message/>');
      const [ended, claimed] = await Promise.all([store.end('sm-1', 0), other.claim('sm-1', claimBy('imp2b', 0))]);
      expect([ended, claimed].filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('ends a stream, returning what it held, after which it is unknown', async () => {
      await store.create(stream('sm-1', { inbound: 2 }));
      await store.push('sm-1', 0, '<message id="a"/>');
      await expect(store.end('sm-1', 0)).resolves.toMatchObject({ inbound: 2, unacked: ['<message id="a"/>'] });
      await expect(store.get('sm-1')).resolves.toBeUndefined();
      await expect(other.claim('sm-1', claimBy('imp2b', 0))).resolves.toBeUndefined();
      await expect(store.end('sm-1', 0)).resolves.toBeUndefined();
    });

    it("lists a node's streams, hibernated or not, following claims", async () => {
      await store.create(stream('sm-1'));
      await store.create(stream('sm-2', { username: 'bob', node: 'imp1a' }));
      await store.create(stream('sm-3', { node: 'imp2b' }));
      await store.hibernate('sm-2', 0, NOW + 5000);
      const ids = async (node: string) => (await other.ofNode(node)).map((s) => s.id).sort();
      expect(await ids('imp1a')).toEqual(['sm-1', 'sm-2']);
      await other.claim('sm-1', claimBy('imp2b', 0));
      expect(await ids('imp1a')).toEqual(['sm-2']);
      expect(await ids('imp2b')).toEqual(['sm-1', 'sm-3']);
      await expect(store.ofNode('imp9z')).resolves.toEqual([]);
    });

    it('returns copies: changing a returned stream changes nothing stored', async () => {
      await store.create(stream('sm-1'));
      await store.push('sm-1', 0, '<message/>');
      const got = (await store.get('sm-1'))!;
      got.unacked.push('<iq/>');
      got.inbound = 99;
      await expect(store.get('sm-1')).resolves.toMatchObject({ inbound: 0, unacked: ['<message/>'] });
    });
  });
}
