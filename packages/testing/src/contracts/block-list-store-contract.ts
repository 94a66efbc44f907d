// Contract suite for core's BlockListStore port (XEP-0191). Every backend runs this same suite.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { BlockListStore } from '@deskchat/core';

export interface BlockListStoreFixture {
  store: BlockListStore;
  cleanup?: () => Promise<void>;
}

export function blockListStoreContract(name: string, makeStore: () => Promise<BlockListStoreFixture>): void {
  describe(`BlockListStore contract: ${name}`, () => {
    let store: BlockListStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('returns an empty list for a user who blocked nobody (expected absence is not an error)', async () => {
      await expect(store.getBlockList('alice')).resolves.toEqual([]);
    });

    it('adds JIDs of every form once each and returns them in code-point order', async () => {
      await expect(store.block('alice', ['romeo@example.net', 'example.org', 'b@localhost/desk'])).resolves.toBe(true);
      await expect(store.block('alice', ['romeo@example.net', 'localhost/upload', 'ü@localhost', '😀@localhost'])).resolves.toBe(true);
      await expect(store.getBlockList('alice')).resolves.toEqual(['b@localhost/desk', 'example.org', 'localhost/upload', 'romeo@example.net', 'ü@localhost', '😀@localhost']);
    });

    it('keeps users apart', async () => {
      await store.block('alice', ['x@localhost']);
      await store.block('bob', ['y@localhost']);
      await expect(store.getBlockList('alice')).resolves.toEqual(['x@localhost']);
      await expect(store.getBlockList('bob')).resolves.toEqual(['y@localhost']);
    });

    it('refuses the whole change when the list would pass maxItems, counting JIDs already on it once', async () => {
      await expect(store.block('alice', ['a@localhost', 'b@localhost'], 3)).resolves.toBe(true);
      await expect(store.block('alice', ['c@localhost', 'd@localhost'], 3)).resolves.toBe(false);
      await expect(store.getBlockList('alice')).resolves.toEqual(['a@localhost', 'b@localhost']);
      await expect(store.block('alice', ['a@localhost', 'b@localhost', 'c@localhost'], 3)).resolves.toBe(true);
      await expect(store.getBlockList('alice')).resolves.toEqual(['a@localhost', 'b@localhost', 'c@localhost']);
      await expect(store.block('bob', ['d@localhost'], 3)).resolves.toBe(true);
      await expect(store.block('alice', ['d@localhost'])).resolves.toBe(true); // no bound given: none applies
    });

    it('removes only the named JIDs, ignoring ones not on the list', async () => {
      await store.block('alice', ['a@localhost', 'b@localhost', 'c@localhost']);
      await store.unblock('alice', ['b@localhost', 'nobody@localhost']);
      await expect(store.getBlockList('alice')).resolves.toEqual(['a@localhost', 'c@localhost']);
      await store.unblock('alice', ['a@localhost', 'c@localhost']);
      await expect(store.getBlockList('alice')).resolves.toEqual([]);
      await store.unblock('carol', ['a@localhost']);
      await expect(store.getBlockList('carol')).resolves.toEqual([]);
    });

    it('empties one user\'s list and nothing of another', async () => {
      await store.block('alice', ['a@localhost', 'b@localhost']);
      await store.block('bob', ['a@localhost']);
      await store.removeUser('alice');
      await expect(store.getBlockList('alice')).resolves.toEqual([]);
      await expect(store.getBlockList('bob')).resolves.toEqual(['a@localhost']);
      await expect(store.block('alice', ['c@localhost'], 1)).resolves.toBe(true);
    });
  });
}
