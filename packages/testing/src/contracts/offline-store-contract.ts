// Contract suite for core's OfflineStore port (XEP-0160 offline messages). Every backend (memory,
// SQLite, Redis) runs this same suite: a behaviour that differs between backends is a bug in one.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { OfflineStore } from '@deskchat/core';

export interface OfflineStoreFixture {
  store: OfflineStore;
  cleanup?: () => Promise<void>;
}

const message = (body: string, storedAt = 1_700_000_000_000) => ({
  stanza: `<message xmlns="jabber:client" from="alice@localhost/a" to="bob@localhost" type="chat"><body>${body}</body></message>`,
  storedAt,
});

/** A quota of `n` messages and no byte bound. */
const count = (n: number) => ({ maxMessages: n, maxBytes: Number.MAX_SAFE_INTEGER });

const bodies = (list: { stanza: string }[]) => list.map((m) => /<body>(.*)<\/body>/.exec(m.stanza)?.[1]);

export function offlineStoreContract(name: string, makeStore: () => Promise<OfflineStoreFixture>): void {
  describe(`OfflineStore contract: ${name}`, () => {
    let store: OfflineStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('lists nothing for a user with no stored messages (expected absence is not an error)', async () => {
      await expect(store.listMessages('bob')).resolves.toEqual([]);
      await expect(store.countMessages('bob')).resolves.toBe(0);
    });

    it('keeps messages in arrival order with their text and time unchanged (XEP-0160 §2 step 5)', async () => {
      await store.storeMessage('bob', message('one', 1), count(10));
      await store.storeMessage('bob', message('two', 2), count(10));
      await store.storeMessage('bob', message('three & <more>', 3), count(10));
      const listed = await store.listMessages('bob');
      expect(bodies(listed)).toEqual(['one', 'two', 'three & <more>']);
      expect(listed.map((m) => m.storedAt)).toEqual([1, 2, 3]);
      expect(listed[0].stanza).toBe(message('one').stanza);
      expect(listed[0].id).toBeLessThan(listed[1].id);
      expect(listed[1].id).toBeLessThan(listed[2].id);
      await expect(store.countMessages('bob')).resolves.toBe(3);
    });

    it('keeps each user\'s queue separate', async () => {
      await store.storeMessage('bob', message('for bob'), count(10));
      await store.storeMessage('carol', message('for carol'), count(10));
      expect(bodies(await store.listMessages('bob'))).toEqual(['for bob']);
      expect(bodies(await store.listMessages('carol'))).toEqual(['for carol']);
    });

    it('refuses a message past the limit and stores nothing then (XEP-0160 §2 step 3: queue full)', async () => {
      await expect(store.storeMessage('bob', message('one'), count(2))).resolves.toBe(true);
      await expect(store.storeMessage('bob', message('two'), count(2))).resolves.toBe(true);
      await expect(store.storeMessage('bob', message('three'), count(2))).resolves.toBe(false);
      expect(bodies(await store.listMessages('bob'))).toEqual(['one', 'two']);
      // The limit is per user: another user's queue is not affected.
      await expect(store.storeMessage('carol', message('c'), count(2))).resolves.toBe(true);
      await expect(store.storeMessage('bob', message('x'), count(0))).resolves.toBe(false);
    });

    it('refuses a message that would pass the byte quota, counting UTF-8 bytes of every stored stanza (issue #7 §2)', async () => {
      const size = Buffer.byteLength(message('ü1').stanza); // 'ü' is two bytes in UTF-8
      const quota = { maxMessages: 100, maxBytes: size * 2 };
      await expect(store.storeMessage('bob', message('ü1'), quota)).resolves.toBe(true);
      await expect(store.storeMessage('bob', message('ü2'), quota)).resolves.toBe(true);
      await expect(store.storeMessage('bob', message('ü3'), quota)).resolves.toBe(false);
      await expect(store.storeMessage('carol', message('ü3'), quota)).resolves.toBe(true);
      const [first] = await store.listMessages('bob');
      await store.removeMessages('bob', [first.id]);
      await expect(store.storeMessage('bob', message('ü4'), quota)).resolves.toBe(true);
      expect(bodies(await store.listMessages('bob'))).toEqual(['ü2', 'ü4']);
    });

    it('applies the limit atomically when many messages arrive at once', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.storeMessage('bob', message(`m${i}`), count(5))));
      expect(results.filter(Boolean)).toHaveLength(5);
      await expect(store.countMessages('bob')).resolves.toBe(5);
    });

    it('removes only the given messages, ignoring ids of other users and unknown ids', async () => {
      await store.storeMessage('bob', message('one'), count(10));
      await store.storeMessage('bob', message('two'), count(10));
      await store.storeMessage('bob', message('three'), count(10));
      await store.storeMessage('carol', message('carol'), count(10));
      const [first, , third] = await store.listMessages('bob');
      const [carols] = await store.listMessages('carol');
      await store.removeMessages('bob', [first.id, third.id, carols.id, 999_999]);
      expect(bodies(await store.listMessages('bob'))).toEqual(['two']);
      expect(bodies(await store.listMessages('carol'))).toEqual(['carol']);
      await store.removeMessages('bob', []);
      await expect(store.countMessages('bob')).resolves.toBe(1);
    });

    it('frees room under the limit once messages are removed', async () => {
      await store.storeMessage('bob', message('one'), count(1));
      const [one] = await store.listMessages('bob');
      await store.removeMessages('bob', [one.id]);
      await expect(store.storeMessage('bob', message('two'), count(1))).resolves.toBe(true);
      const [two] = await store.listMessages('bob');
      expect(two.id).toBeGreaterThan(one.id);
    });

    it('removeUser drops everything the user had and nothing of others', async () => {
      await store.storeMessage('bob', message('one'), count(10));
      await store.storeMessage('carol', message('carol'), count(10));
      await store.removeUser('bob');
      await store.removeUser('nobody');
      await expect(store.listMessages('bob')).resolves.toEqual([]);
      await expect(store.countMessages('carol')).resolves.toBe(1);
    });

    it('returns copies: changing a listed message does not change the store', async () => {
      await store.storeMessage('bob', message('one'), count(10));
      const [listed] = await store.listMessages('bob');
      listed.stanza = 'changed';
      expect(bodies(await store.listMessages('bob'))).toEqual(['one']);
    });
  });
}
