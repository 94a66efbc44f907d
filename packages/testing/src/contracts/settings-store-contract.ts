// Contract suite for core's SettingsStore port. Every backend runs this same suite.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { SettingsStore } from '@deskchat/core';

export interface SettingsStoreFixture {
  store: SettingsStore;
  cleanup?: () => Promise<void>;
}

const urls = { primary: 'https://imp1.example.com:5280/http-bind', secondary: 'https://imp2.example.com:5280/http-bind' };

export function settingsStoreContract(name: string, makeStore: () => Promise<SettingsStoreFixture>): void {
  describe(`SettingsStore contract: ${name}`, () => {
    let store: SettingsStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('returns undefined for a key never set (the owner applies its default)', async () => {
      await expect(store.get('chat-servers')).resolves.toBeUndefined();
      await expect(store.list()).resolves.toEqual({});
    });

    it('stores a JSON value with who changed it and when, and returns it equal', async () => {
      const before = Date.now();
      const stored = await store.set('chat-servers', urls, 'admin');
      expect(stored).toMatchObject({ value: urls, updatedBy: 'admin' });
      expect(stored.updatedAt).toBeGreaterThanOrEqual(before - 1000);
      await expect(store.get('chat-servers')).resolves.toEqual(stored);
    });

    it('replaces a value whole, and keeps nested values, numbers, booleans and unicode exactly', async () => {
      await store.set('files', { enabled: true, maxBytes: 5, types: ['pdf'] });
      const value = { enabled: false, maxBytes: 5_242_880, types: [], note: 'ünïcode & "quotes"', nested: { a: [1, null, 'x'] } };
      await store.set('files', value);
      await expect(store.get('files')).resolves.toMatchObject({ value });
    });

    it('raises the revision on every write of any key', async () => {
      const a = await store.set('a', 1);
      const b = await store.set('b', 2);
      const a2 = await store.set('a', 3);
      expect(b.revision).toBeGreaterThan(a.revision);
      expect(a2.revision).toBeGreaterThan(b.revision);
      await expect(store.get('a')).resolves.toMatchObject({ value: 3, revision: a2.revision });
    });

    it('does not let a caller change what is stored by mutating the value it passed or got', async () => {
      const value = { list: ['x'] };
      await store.set('k', value);
      value.list.push('changed');
      const got = await store.get<{ list: string[] }>('k');
      got!.value.list.push('again');
      await expect(store.get('k')).resolves.toMatchObject({ value: { list: ['x'] } });
    });

    it('lists every key, and removes one, reporting whether it was there', async () => {
      await store.set('a', 'one');
      await store.set('b', 'two', 'cli');
      const all = await store.list();
      expect(Object.keys(all).sort()).toEqual(['a', 'b']);
      expect(all.b).toMatchObject({ value: 'two', updatedBy: 'cli' });
      await expect(store.remove('a')).resolves.toBe(true);
      await expect(store.remove('a')).resolves.toBe(false);
      await expect(store.get('a')).resolves.toBeUndefined();
      await expect(store.get('b')).resolves.toMatchObject({ value: 'two' });
    });
  });
}
