// Contract suite for core's RosterStore port (RFC 6121 §2 rosters, XEP-0237 versions, RFC 6121
// §3.1.3 pending inbound requests). Every backend (memory, SQLite, Redis) runs this same suite: a
// behaviour that differs between backends is a bug in one of them.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RosterItem, RosterStore, SubscriptionRequest } from '@deskchat/core';

export interface RosterStoreFixture {
  store: RosterStore;
  cleanup?: () => Promise<void>;
}

function item(jid: string, extra: Partial<RosterItem> = {}): RosterItem {
  return { jid, groups: [], subscription: 'none', isPendingOut: false, isPreApproved: false, ...extra };
}

function request(jid: string, receivedAt: number, stanza?: string): SubscriptionRequest {
  return stanza === undefined ? { jid, receivedAt } : { jid, receivedAt, stanza };
}

export function rosterStoreContract(name: string, makeStore: () => Promise<RosterStoreFixture>): void {
  describe(`RosterStore contract: ${name}`, () => {
    let store: RosterStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    describe('items', () => {
      it('returns an empty roster at version 0 for a user with none (expected absence is not an error)', async () => {
        await expect(store.getRoster('alice')).resolves.toEqual({ version: 0, items: [] });
        await expect(store.getItem('alice', 'bob@localhost')).resolves.toBeUndefined();
        await expect(store.countItems('alice')).resolves.toBe(0);
        await expect(store.getVersion('alice')).resolves.toBe(0);
      });

      it('stores every field of an item and reads it back unchanged (RFC 6121 §2.1.2)', async () => {
        const full = item('bob@localhost', {
          name: 'Bob "the builder" <b>',
          groups: ['Zeta', 'Friends', 'Ünïcode 🙂'],
          subscription: 'from',
          isPendingOut: true,
          isPreApproved: false,
        });
        await store.setItem('alice', full);
        await store.setItem('alice', item('carol@localhost', { subscription: 'none', isPreApproved: true }));
        await expect(store.getItem('alice', 'bob@localhost')).resolves.toStrictEqual(full);
        await expect(store.getItem('alice', 'carol@localhost')).resolves.toStrictEqual(item('carol@localhost', { isPreApproved: true }));
      });

      it('leaves the name absent when the item has none', async () => {
        await store.setItem('alice', item('bob@localhost'));
        expect(await store.getItem('alice', 'bob@localhost')).not.toHaveProperty('name');
      });

      it('replaces an item with the same JID instead of adding a second one (RFC 6121 §2.4)', async () => {
        await store.setItem('alice', item('bob@localhost', { name: 'Bob', groups: ['A', 'B'] }));
        await store.setItem('alice', item('bob@localhost', { name: 'Robert', groups: ['C'], subscription: 'both' }));
        await expect(store.getRoster('alice')).resolves.toMatchObject({ items: [item('bob@localhost', { name: 'Robert', groups: ['C'], subscription: 'both' })] });
        await expect(store.countItems('alice')).resolves.toBe(1);
      });

      it('lists items in JID order (code point order)', async () => {
        for (const jid of ['zed@localhost', 'Ω@localhost', 'amy@localhost', 'bob@example.com']) await store.setItem('alice', item(jid));
        const { items } = await store.getRoster('alice');
        expect(items.map((i) => i.jid)).toEqual(['amy@localhost', 'bob@example.com', 'zed@localhost', 'Ω@localhost']);
      });

      it('keeps each user\'s roster separate', async () => {
        await store.setItem('alice', item('bob@localhost'));
        await store.setItem('carol', item('dave@localhost'));
        expect((await store.getRoster('alice')).items.map((i) => i.jid)).toEqual(['bob@localhost']);
        await expect(store.getItem('carol', 'bob@localhost')).resolves.toBeUndefined();
      });

      it('removes an item and says whether there was one (RFC 6121 §2.5.3: item-not-found otherwise)', async () => {
        await store.setItem('alice', item('bob@localhost'));
        await expect(store.removeItem('alice', 'bob@localhost')).resolves.toEqual(expect.any(Number));
        await expect(store.getItem('alice', 'bob@localhost')).resolves.toBeUndefined();
        await expect(store.removeItem('alice', 'bob@localhost')).resolves.toBeUndefined();
        await expect(store.removeItem('nobody', 'bob@localhost')).resolves.toBeUndefined();
      });

      it('does not let a caller change a stored item through the object it passed or got back', async () => {
        const original = item('bob@localhost', { groups: ['A'] });
        await store.setItem('alice', original);
        original.groups.push('changed');
        const read = await store.getItem('alice', 'bob@localhost');
        read!.groups.push('changed too');
        await expect(store.getItem('alice', 'bob@localhost')).resolves.toHaveProperty('groups', ['A']);
      });
    });

    describe('versions (XEP-0237, RFC 6121 §2.6)', () => {
      it('increases the version with every set and every removal, and returns it', async () => {
        const v1 = await store.setItem('alice', item('bob@localhost'));
        const v2 = await store.setItem('alice', item('bob@localhost', { name: 'Bob' }));
        const v3 = await store.setItem('alice', item('carol@localhost'));
        const v4 = await store.removeItem('alice', 'bob@localhost');
        expect(v1).toBeGreaterThan(0);
        expect(v2).toBeGreaterThan(v1!);
        expect(v3).toBeGreaterThan(v2!);
        expect(v4).toBeGreaterThan(v3!);
        await expect(store.getVersion('alice')).resolves.toBe(v4);
        await expect(store.getRoster('alice')).resolves.toHaveProperty('version', v4);
      });

      it('leaves the version alone when nothing was removed, and keeps versions per user', async () => {
        const v = await store.setItem('alice', item('bob@localhost'));
        await store.removeItem('alice', 'nobody@localhost');
        await store.setItem('carol', item('bob@localhost'));
        await expect(store.getVersion('alice')).resolves.toBe(v);
      });
    });

    describe('maximum size', () => {
      it('refuses a new item at the limit, atomically, and changes nothing then', async () => {
        await expect(store.setItem('alice', item('a@localhost'), 2)).resolves.toEqual(expect.any(Number));
        const v = await store.setItem('alice', item('b@localhost'), 2);
        await expect(store.setItem('alice', item('c@localhost'), 2)).resolves.toBeUndefined();
        await expect(store.countItems('alice')).resolves.toBe(2);
        await expect(store.getVersion('alice')).resolves.toBe(v);
        await expect(store.getItem('alice', 'c@localhost')).resolves.toBeUndefined();
      });

      it('still updates an existing item at the limit, and counts per user', async () => {
        await store.setItem('alice', item('a@localhost'), 1);
        await expect(store.setItem('alice', item('a@localhost', { name: 'A' }), 1)).resolves.toEqual(expect.any(Number));
        await expect(store.setItem('carol', item('a@localhost'), 1)).resolves.toEqual(expect.any(Number));
        await expect(store.getItem('alice', 'a@localhost')).resolves.toHaveProperty('name', 'A');
      });
    });

    describe('pending inbound subscription requests (RFC 6121 §3.1.3)', () => {
      it('keeps requests with their stanza, oldest first, apart from the roster and its version', async () => {
        const stanza = '<presence xmlns="jabber:client" from="bob@localhost" to="alice@localhost" type="subscribe"><status>hi &amp; bye</status></presence>';
        await store.setRequest('alice', request('bob@localhost', 2000, stanza));
        await store.setRequest('alice', request('carol@localhost', 1000));
        await expect(store.getRequests('alice')).resolves.toStrictEqual([request('carol@localhost', 1000), request('bob@localhost', 2000, stanza)]);
        await expect(store.getRequest('alice', 'bob@localhost')).resolves.toStrictEqual(request('bob@localhost', 2000, stanza));
        await expect(store.getRoster('alice')).resolves.toEqual({ version: 0, items: [] });
      });

      it('answers nothing for a user or requester with no request', async () => {
        await expect(store.getRequests('alice')).resolves.toEqual([]);
        await store.setRequest('alice', request('bob@localhost', 1));
        await expect(store.getRequest('alice', 'carol@localhost')).resolves.toBeUndefined();
        await expect(store.getRequests('carol')).resolves.toEqual([]);
      });

      it('replaces an earlier request from the same JID', async () => {
        await store.setRequest('alice', request('bob@localhost', 1, '<presence type="subscribe"/>'));
        await store.setRequest('alice', request('bob@localhost', 5));
        await expect(store.getRequests('alice')).resolves.toStrictEqual([request('bob@localhost', 5)]);
      });

      it('removes a request and says whether there was one', async () => {
        await store.setRequest('alice', request('bob@localhost', 1));
        await expect(store.removeRequest('alice', 'bob@localhost')).resolves.toBe(true);
        await expect(store.removeRequest('alice', 'bob@localhost')).resolves.toBe(false);
        await expect(store.getRequests('alice')).resolves.toEqual([]);
      });
    });

    describe('account removal', () => {
      it('removes the user\'s items, version and requests, and nobody else\'s', async () => {
        await store.setItem('alice', item('bob@localhost'));
        await store.setRequest('alice', request('carol@localhost', 1));
        await store.setItem('bob', item('alice@localhost'));
        await store.removeUser('alice');
        await expect(store.getRoster('alice')).resolves.toEqual({ version: 0, items: [] });
        await expect(store.getRequests('alice')).resolves.toEqual([]);
        await expect(store.countItems('bob')).resolves.toBe(1);
        await expect(store.removeUser('nobody')).resolves.toBeUndefined();
      });
    });
  });
}
