// Contract suite for core's PubsubSubscriptionStore port (XEP-0060 subscriptions of pubsub.<domain>).
// Every backend runs this same suite.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PubsubSubscriptionStore } from '@deskchat/core';

export interface PubsubSubscriptionStoreFixture {
  store: PubsubSubscriptionStore;
  cleanup?: () => Promise<void>;
}

export function pubsubSubscriptionStoreContract(name: string, makeStore: () => Promise<PubsubSubscriptionStoreFixture>): void {
  describe(`PubsubSubscriptionStore contract: ${name}`, () => {
    let store: PubsubSubscriptionStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('has no subscriptions at first (expected absence is not an error)', async () => {
      await expect(store.subscribersOf('news')).resolves.toEqual([]);
      await expect(store.subscriptionsOf('alice@localhost')).resolves.toEqual([]);
      await expect(store.unsubscribe('news', 'alice@localhost')).resolves.toBe(false);
      await expect(store.removeNode('news')).resolves.toBeUndefined();
    });

    it('records bare and full JIDs, says whether a subscription is new, and lists subscribers in code-point order', async () => {
      await expect(store.subscribe('news', 'bob@localhost')).resolves.toBe(true);
      await expect(store.subscribe('news', 'alice@localhost/desk')).resolves.toBe(true);
      await expect(store.subscribe('news', 'alice@localhost')).resolves.toBe(true);
      await expect(store.subscribe('news', 'bob@localhost')).resolves.toBe(false);
      await expect(store.subscribe('news', 'ü@localhost')).resolves.toBe(true);
      await expect(store.subscribersOf('news')).resolves.toEqual(['alice@localhost', 'alice@localhost/desk', 'bob@localhost', 'ü@localhost']);
      await expect(store.subscribersOf('other')).resolves.toEqual([]);
    });

    it("lists a bare JID's subscriptions with those of its full JIDs, by node then JID", async () => {
      await store.subscribe('zeta', 'alice@localhost');
      await store.subscribe('alpha', 'alice@localhost/phone');
      await store.subscribe('alpha', 'alice@localhost');
      await store.subscribe('alpha', 'alice@localhost/desk/with/slashes');
      await store.subscribe('alpha', 'alicia@localhost');
      await store.subscribe('ü', 'alice@localhost/😀');
      await expect(store.subscriptionsOf('alice@localhost')).resolves.toEqual([
        { node: 'alpha', jid: 'alice@localhost' },
        { node: 'alpha', jid: 'alice@localhost/desk/with/slashes' },
        { node: 'alpha', jid: 'alice@localhost/phone' },
        { node: 'zeta', jid: 'alice@localhost' },
        { node: 'ü', jid: 'alice@localhost/😀' },
      ]);
      await expect(store.subscriptionsOf('alicia@localhost')).resolves.toEqual([{ node: 'alpha', jid: 'alicia@localhost' }]);
      await expect(store.subscriptionsOf('bob@localhost')).resolves.toEqual([]);
    });

    it('unsubscribes one JID, leaving the bare and other full JIDs subscribed', async () => {
      await store.subscribe('news', 'alice@localhost');
      await store.subscribe('news', 'alice@localhost/desk');
      await store.subscribe('weather', 'alice@localhost/desk');
      await expect(store.unsubscribe('news', 'alice@localhost/desk')).resolves.toBe(true);
      await expect(store.unsubscribe('news', 'alice@localhost/desk')).resolves.toBe(false);
      await expect(store.subscribersOf('news')).resolves.toEqual(['alice@localhost']);
      await expect(store.subscriptionsOf('alice@localhost')).resolves.toEqual([
        { node: 'news', jid: 'alice@localhost' },
        { node: 'weather', jid: 'alice@localhost/desk' },
      ]);
      await expect(store.subscribe('news', 'alice@localhost/desk')).resolves.toBe(true);
    });

    it("removes every subscription of a node, and only that node's", async () => {
      await store.subscribe('news', 'alice@localhost');
      await store.subscribe('news', 'bob@localhost/desk');
      await store.subscribe('news-2', 'alice@localhost');
      await store.removeNode('news');
      await expect(store.subscribersOf('news')).resolves.toEqual([]);
      await expect(store.subscriptionsOf('alice@localhost')).resolves.toEqual([{ node: 'news-2', jid: 'alice@localhost' }]);
      await expect(store.subscriptionsOf('bob@localhost')).resolves.toEqual([]);
      await expect(store.subscribersOf('news-2')).resolves.toEqual(['alice@localhost']);
      await expect(store.subscribe('news', 'bob@localhost/desk')).resolves.toBe(true);
    });
  });
}
