// Contract suite for core's PrivateXmlStore port (XEP-0049). Every backend runs this same suite.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PrivateXmlStore } from '@deskchat/core';

export interface PrivateXmlStoreFixture {
  store: PrivateXmlStore;
  cleanup?: () => Promise<void>;
}

const prefs = (value: string) => `<prefs xmlns="urn:example:prefs"><theme>${value}</theme></prefs>`;

export function privateXmlStoreContract(name: string, makeStore: () => Promise<PrivateXmlStoreFixture>): void {
  describe(`PrivateXmlStore contract: ${name}`, () => {
    let store: PrivateXmlStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('returns undefined for nothing stored (expected absence is not an error)', async () => {
      await expect(store.getItem('alice', 'prefs urn:example:prefs')).resolves.toBeUndefined();
    });

    it('stores, replaces and returns an element exactly', async () => {
      await store.setItem('alice', 'prefs urn:example:prefs', prefs('dark'));
      await store.setItem('alice', 'prefs urn:example:prefs', prefs('light & "quoted" ünïcode'));
      await expect(store.getItem('alice', 'prefs urn:example:prefs')).resolves.toBe(prefs('light & "quoted" ünïcode'));
    });

    it('keeps users and keys apart', async () => {
      await store.setItem('alice', 'a urn:x', '<a xmlns="urn:x"/>');
      await store.setItem('alice', 'b urn:x', '<b xmlns="urn:x"/>');
      await store.setItem('bob', 'a urn:x', '<a xmlns="urn:x">bob</a>');
      await expect(store.getItem('alice', 'a urn:x')).resolves.toBe('<a xmlns="urn:x"/>');
      await expect(store.getItem('bob', 'a urn:x')).resolves.toBe('<a xmlns="urn:x">bob</a>');
      await expect(store.getItem('bob', 'b urn:x')).resolves.toBeUndefined();
    });

    it('reports that an item was stored, and refuses one past the quota of items or bytes (issue #7 §2)', async () => {
      const a = '<a xmlns="urn:x">ü</a>'; // 'ü' is two bytes in UTF-8
      const size = Buffer.byteLength(a);
      const quota = { maxItems: 2, maxBytes: size * 2 };
      await expect(store.setItem('alice', 'a urn:x', a, quota)).resolves.toBe(true);
      await expect(store.setItem('alice', 'b urn:x', a.replace(/a/g, 'b'), quota)).resolves.toBe(true);
      await expect(store.setItem('alice', 'c urn:x', '<c xmlns="urn:x"/>', quota)).resolves.toBe(false); // a third item
      await expect(store.setItem('alice', 'b urn:x', `<b xmlns="urn:x">${'ü'.repeat(10)}</b>`, quota)).resolves.toBe(false); // too many bytes
      await expect(store.setItem('alice', 'b urn:x', '<b xmlns="urn:x"/>', quota)).resolves.toBe(true); // a replacement is not a new item
      await expect(store.getItem('alice', 'b urn:x')).resolves.toBe('<b xmlns="urn:x"/>');
      await expect(store.getItem('alice', 'c urn:x')).resolves.toBeUndefined();
      await expect(store.setItem('bob', 'c urn:x', '<c xmlns="urn:x"/>', quota)).resolves.toBe(true);
      await expect(store.setItem('alice', 'c urn:x', '<c xmlns="urn:x"/>')).resolves.toBe(true); // no quota given: none applies
    });

    it('removes one item, reporting whether there was one', async () => {
      await store.setItem('alice', 'a urn:x', '<a xmlns="urn:x"/>');
      await expect(store.removeItem('alice', 'a urn:x')).resolves.toBe(true);
      await expect(store.removeItem('alice', 'a urn:x')).resolves.toBe(false);
      await expect(store.getItem('alice', 'a urn:x')).resolves.toBeUndefined();
    });

    it('removes everything of one user and nothing of another', async () => {
      await store.setItem('alice', 'a urn:x', '<a xmlns="urn:x"/>');
      await store.setItem('alice', 'b urn:x', '<b xmlns="urn:x"/>');
      await store.setItem('bob', 'a urn:x', '<a xmlns="urn:x"/>');
      await store.removeUser('alice');
      await expect(store.getItem('alice', 'a urn:x')).resolves.toBeUndefined();
      await expect(store.getItem('alice', 'b urn:x')).resolves.toBeUndefined();
      await expect(store.getItem('bob', 'a urn:x')).resolves.toBe('<a xmlns="urn:x"/>');
    });
  });
}
