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
