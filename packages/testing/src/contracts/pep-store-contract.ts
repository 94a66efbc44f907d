// Contract suite for core's PepStore port (XEP-0163 PEP nodes and items, XEP-0115 caps cache).
// Every backend runs this same suite.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PepItem, PepNodeConfig, PepStore } from '@deskchat/core';

export interface PepStoreFixture {
  store: PepStore;
  cleanup?: () => Promise<void>;
}

const config = (over: Partial<PepNodeConfig> = {}): PepNodeConfig => ({ accessModel: 'presence', maxItems: 3, persistItems: true, notifyRetract: false, sendLastPublishedItem: 'on_sub_and_presence', ...over });
const item = (id: string, at = 1): PepItem => ({ id, xml: `<p xmlns="urn:x">${id} ü 😀</p>`, publisher: 'alice@localhost/desk', publishedAt: at });
const ids = (items: PepItem[]) => items.map((i) => i.id);

export function pepStoreContract(name: string, makeStore: () => Promise<PepStoreFixture>): void {
  describe(`PepStore contract: ${name}`, () => {
    let store: PepStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('has no nodes and no items for a new user (expected absence is not an error)', async () => {
      await expect(store.listNodes('alice')).resolves.toEqual([]);
      await expect(store.getNode('alice', 'urn:x')).resolves.toBeUndefined();
      await expect(store.getItems('alice', 'urn:x')).resolves.toEqual([]);
      await expect(store.retractItem('alice', 'urn:x', 'a')).resolves.toBe(false);
      await expect(store.deleteNode('alice', 'urn:x')).resolves.toBe(false);
    });

    it('creates, lists in code-point order and reconfigures nodes', async () => {
      await store.setNode('alice', 'urn:xmpp:bookmarks:1', config({ accessModel: 'whitelist', maxItems: 1000 }));
      await store.setNode('alice', 'http://jabber.org/protocol/mood', config());
      await store.setNode('alice', 'ü', config({ accessModel: 'open' }));
      await expect(store.listNodes('alice')).resolves.toEqual([
        { node: 'http://jabber.org/protocol/mood', config: config() },
        { node: 'urn:xmpp:bookmarks:1', config: config({ accessModel: 'whitelist', maxItems: 1000 }) },
        { node: 'ü', config: config({ accessModel: 'open' }) },
      ]);
      await store.setNode('alice', 'ü', config({ accessModel: 'whitelist', notifyRetract: true, sendLastPublishedItem: 'never' }));
      await expect(store.getNode('alice', 'ü')).resolves.toEqual({ node: 'ü', config: config({ accessModel: 'whitelist', notifyRetract: true, sendLastPublishedItem: 'never' }) });
      await expect(store.listNodes('bob')).resolves.toEqual([]);
    });

    it('keeps items newest first, replaces an item with the same id as the newest, and drops the oldest past max_items', async () => {
      await store.setNode('alice', 'urn:x', config({ maxItems: 3 }));
      for (const [i, id] of ['a', 'b', 'c'].entries()) await store.publishItem('alice', 'urn:x', item(id, i));
      await store.publishItem('alice', 'urn:x', item('a', 9));
      expect(ids(await store.getItems('alice', 'urn:x'))).toEqual(['a', 'c', 'b']);
      await store.publishItem('alice', 'urn:x', item('d', 10));
      const items = await store.getItems('alice', 'urn:x');
      expect(ids(items)).toEqual(['d', 'a', 'c']);
      expect(items[1]).toEqual(item('a', 9));
      expect(ids(await store.getItems('alice', 'urn:x', 2))).toEqual(['d', 'a']);
    });

    it('trims to a smaller max_items on reconfiguration, and keeps nothing when items are not persisted', async () => {
      await store.setNode('alice', 'urn:x', config({ maxItems: 3 }));
      for (const id of ['a', 'b', 'c']) await store.publishItem('alice', 'urn:x', item(id));
      await store.setNode('alice', 'urn:x', config({ maxItems: 1 }));
      expect(ids(await store.getItems('alice', 'urn:x'))).toEqual(['c']);
      await store.setNode('alice', 'urn:y', config({ persistItems: false }));
      await store.publishItem('alice', 'urn:y', item('z'));
      await expect(store.getItems('alice', 'urn:y')).resolves.toEqual([]);
    });

    it('retracts one item, purges a node and deletes a node with its items', async () => {
      await store.setNode('alice', 'urn:x', config());
      await store.setNode('alice', 'urn:y', config());
      for (const id of ['a', 'b']) await store.publishItem('alice', 'urn:x', item(id));
      await store.publishItem('alice', 'urn:y', item('a'));
      await expect(store.retractItem('alice', 'urn:x', 'a')).resolves.toBe(true);
      await expect(store.retractItem('alice', 'urn:x', 'a')).resolves.toBe(false);
      expect(ids(await store.getItems('alice', 'urn:x'))).toEqual(['b']);
      await store.purgeNode('alice', 'urn:x');
      await expect(store.getItems('alice', 'urn:x')).resolves.toEqual([]);
      await expect(store.getNode('alice', 'urn:x')).resolves.toBeDefined();
      expect(ids(await store.getItems('alice', 'urn:y'))).toEqual(['a']);
      await expect(store.deleteNode('alice', 'urn:y')).resolves.toBe(true);
      await expect(store.getItems('alice', 'urn:y')).resolves.toEqual([]);
      await store.setNode('alice', 'urn:y', config());
      await expect(store.getItems('alice', 'urn:y')).resolves.toEqual([]);
    });

    it('removes one user\'s nodes and items and nothing of another', async () => {
      for (const user of ['alice', 'bob']) {
        await store.setNode(user, 'urn:x', config());
        await store.publishItem(user, 'urn:x', item('a'));
      }
      await store.removeUser('alice');
      await expect(store.listNodes('alice')).resolves.toEqual([]);
      await expect(store.getItems('alice', 'urn:x')).resolves.toEqual([]);
      expect(ids(await store.getItems('bob', 'urn:x'))).toEqual(['a']);
    });

    it('caches caps features by verification string, the first record winning', async () => {
      await expect(store.getCaps('sha-1 abc=')).resolves.toBeUndefined();
      await store.setCaps('sha-1 abc=', ['urn:x+notify', 'http://jabber.org/protocol/disco#info']);
      await store.setCaps('sha-1 abc=', ['other']);
      await expect(store.getCaps('sha-1 abc=')).resolves.toEqual(['urn:x+notify', 'http://jabber.org/protocol/disco#info']);
    });
  });
}
