// Contract suite for core's VCardStore port (XEP-0054 vcard-temp storage with the directory fields
// XEP-0055 search reads). Every backend (memory, SQLite, Redis) runs this same suite.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { StoredVCard, VCardStore } from '@deskchat/core';

export interface VCardStoreFixture {
  store: VCardStore;
  cleanup?: () => Promise<void>;
}

const ALICE: StoredVCard = {
  xml: "<vCard xmlns='vcard-temp'><FN>Alice Liddell</FN><N><GIVEN>Alice</GIVEN><FAMILY>Liddell</FAMILY></N></vCard>",
  fields: { fn: 'Alice Liddell', given: 'Alice', family: 'Liddell', nickname: 'al', email: 'alice@example.com' },
};
const BOB: StoredVCard = { xml: "<vCard xmlns='vcard-temp'><NICKNAME>bobby</NICKNAME></vCard>", fields: { nickname: 'bobby' } };

export function vcardStoreContract(name: string, makeStore: () => Promise<VCardStoreFixture>): void {
  describe(`VCardStore contract: ${name}`, () => {
    let store: VCardStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('stores a vCard and reads back its XML and every field (XEP-0054 §3.2)', async () => {
      await store.setVCard('alice', ALICE);
      await expect(store.getVCard('alice')).resolves.toStrictEqual(ALICE);
    });

    it('answers undefined for a user without a vCard (expected absence is not an error)', async () => {
      await store.setVCard('alice', ALICE);
      await expect(store.getVCard('bob')).resolves.toBeUndefined();
      await expect(store.getVCard('Alice')).resolves.toBeUndefined();
    });

    it('leaves absent fields absent rather than empty', async () => {
      await store.setVCard('bob', BOB);
      const got = await store.getVCard('bob');
      expect(got?.fields).toStrictEqual({ nickname: 'bobby' });
      expect(got?.fields).not.toHaveProperty('fn');
    });

    it('replaces the whole vCard on a second set (XEP-0054 has no partial update)', async () => {
      await store.setVCard('alice', ALICE);
      await store.setVCard('alice', BOB);
      await expect(store.getVCard('alice')).resolves.toStrictEqual(BOB);
    });

    it('keeps XML with non-ASCII text and a large PHOTO byte for byte', async () => {
      const photo = 'A'.repeat(60_000);
      const vcard: StoredVCard = {
        xml: `<vCard xmlns='vcard-temp'><FN>Zoë Ñandú 🦜</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>${photo}</BINVAL></PHOTO></vCard>`,
        fields: { fn: 'Zoë Ñandú 🦜' },
      };
      await store.setVCard('zoe', vcard);
      await expect(store.getVCard('zoe')).resolves.toStrictEqual(vcard);
    });

    it('returns a copy: changing what was read or written does not change the store', async () => {
      const written = structuredClone(ALICE);
      await store.setVCard('alice', written);
      written.fields.fn = 'changed';
      const read = await store.getVCard('alice');
      read!.fields.given = 'changed';
      await expect(store.getVCard('alice')).resolves.toStrictEqual(ALICE);
    });

    it('removes a vCard and says whether there was one', async () => {
      await store.setVCard('alice', ALICE);
      await expect(store.removeVCard('alice')).resolves.toBe(true);
      await expect(store.removeVCard('alice')).resolves.toBe(false);
      await expect(store.getVCard('alice')).resolves.toBeUndefined();
    });

    it('returns the directory fields of the listed users that have a vCard, and only theirs', async () => {
      await store.setVCard('alice', ALICE);
      await store.setVCard('bob', BOB);
      await store.setVCard('carol', { xml: "<vCard xmlns='vcard-temp'/>", fields: {} });
      const fields = await store.getDirectoryFields(['alice', 'carol', 'dave']);
      expect([...fields.keys()].sort()).toEqual(['alice', 'carol']);
      expect(fields.get('alice')).toStrictEqual(ALICE.fields);
      expect(fields.get('carol')).toStrictEqual({});
      await expect(store.getDirectoryFields([])).resolves.toEqual(new Map());
    });

    it('answers a batch of 1,000 usernames at once (one page of accounts)', async () => {
      const usernames = Array.from({ length: 1000 }, (_, i) => `user${i}`);
      for (const u of usernames.filter((_, i) => i % 100 === 0)) await store.setVCard(u, BOB);
      const fields = await store.getDirectoryFields(usernames);
      expect(fields.size).toBe(10);
    });

    it("removes a user's vCard on account removal and leaves other users' alone", async () => {
      await store.setVCard('alice', ALICE);
      await store.setVCard('bob', BOB);
      await store.removeUser('alice');
      await store.removeUser('nobody');
      await expect(store.getVCard('alice')).resolves.toBeUndefined();
      await expect(store.getVCard('bob')).resolves.toStrictEqual(BOB);
    });
  });
}
