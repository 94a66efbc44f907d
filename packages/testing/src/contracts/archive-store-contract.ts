// Contract suite for core's ArchiveStore port (XEP-0313 archives, XEP-0059 paging). Every backend
// runs this same suite.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { archiveSeq, type ArchiveStore } from '@deskchat/core';

export interface ArchiveStoreFixture {
  store: ArchiveStore;
  cleanup?: () => Promise<void>;
}

const LIMITS = { maxMessages: 1000, maxBytes: 1_000_000 };
const T = 1_700_000_000_000;
const msg = (n: number) => `<message><body>m${n}</body></message>`;
const bodies = (page: { messages: { stanza: string }[] } | undefined) => page?.messages.map((m) => /m(\d+)/.exec(m.stanza)![1]).join(',');

export function archiveStoreContract(name: string, makeStore: () => Promise<ArchiveStoreFixture>): void {
  describe(`ArchiveStore contract: ${name}`, () => {
    let store: ArchiveStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    /** Ten messages one second apart, every other one with bob (full JID bob@localhost/desk), the rest with carol. */
    async function ten(archive = 'alice'): Promise<string[]> {
      const ids: string[] = [];
      for (let n = 0; n < 10; n++) {
        const withJids = n % 2 === 0 ? ['bob@localhost', 'bob@localhost/desk'] : ['carol@localhost'];
        ids.push(await store.append(archive, { at: T + n * 1000, with: withJids, stanza: msg(n) }, LIMITS));
      }
      return ids;
    }

    it('returns an empty, complete page for an empty archive (expected absence is not an error)', async () => {
      await expect(store.query('alice', { max: 10 })).resolves.toEqual({ messages: [], count: 0, index: 0, complete: true });
      await expect(store.usage('alice')).resolves.toEqual({ messages: 0, bytes: 0 });
      await expect(store.getPrefs('alice')).resolves.toBeUndefined();
    });

    it('hands out unique ids that sort like the messages, even several in one millisecond or with the clock going back', async () => {
      const a = await store.append('alice', { at: T, with: ['bob@localhost'], stanza: msg(1) }, LIMITS);
      const b = await store.append('alice', { at: T, with: ['bob@localhost'], stanza: msg(2) }, LIMITS);
      const c = await store.append('alice', { at: T - 5000, with: ['bob@localhost'], stanza: msg(3) }, LIMITS);
      expect(new Set([a, b, c]).size).toBe(3);
      expect([a, b, c]).toEqual([a, b, c].sort());
      const page = await store.query('alice', { max: 10 });
      expect(page!.messages.map((m) => m.id)).toEqual([a, b, c]);
      expect(page!.messages[0]).toEqual({ id: a, at: T, stanza: msg(1) });
      expect(page!.messages[2]!.at).toBe(T); // archived after b: never before it in time
    });

    it('keeps archives apart', async () => {
      await store.append('alice', { at: T, with: ['bob@localhost'], stanza: msg(1) }, LIMITS);
      await store.append('room@conference.localhost', { at: T, with: ['room@conference.localhost/Bob'], stanza: msg(2) }, LIMITS);
      expect(bodies(await store.query('alice', { max: 10 }))).toBe('1');
      expect(bodies(await store.query('room@conference.localhost', { max: 10 }))).toBe('2');
      expect(bodies(await store.query('bob', { max: 10 }))).toBe('');
    });

    it('pages forward with RSM after, counting the whole result set and giving each page its index (XEP-0059 §2.1)', async () => {
      const ids = await ten();
      const first = await store.query('alice', { max: 4 });
      expect(first).toMatchObject({ count: 10, index: 0, complete: false });
      expect(bodies(first)).toBe('0,1,2,3');
      const second = await store.query('alice', { max: 4, rsmAfter: ids[3] });
      expect(second).toMatchObject({ count: 10, index: 4, complete: false });
      expect(bodies(second)).toBe('4,5,6,7');
      const last = await store.query('alice', { max: 4, rsmAfter: ids[7] });
      expect(last).toMatchObject({ count: 10, index: 8, complete: true });
      expect(bodies(last)).toBe('8,9');
      expect(await store.query('alice', { max: 4, rsmAfter: ids[9] })).toMatchObject({ messages: [], complete: true, count: 10 });
    });

    it('pages backward from the end with RSM before (XEP-0059 §2.5)', async () => {
      const ids = await ten();
      const last = await store.query('alice', { max: 4, fromEnd: true });
      expect(bodies(last)).toBe('6,7,8,9');
      expect(last).toMatchObject({ index: 6, complete: false, count: 10 });
      const before = await store.query('alice', { max: 4, fromEnd: true, rsmBefore: ids[6] });
      expect(bodies(before)).toBe('2,3,4,5');
      const first = await store.query('alice', { max: 4, fromEnd: true, rsmBefore: ids[2] });
      expect(bodies(first)).toBe('0,1');
      expect(first).toMatchObject({ index: 0, complete: true });
    });

    it('jumps to an index (XEP-0059 §2.6) and answers max 0 with the count alone (§2.7)', async () => {
      await ten();
      const page = await store.query('alice', { max: 3, index: 5 });
      expect(bodies(page)).toBe('5,6,7');
      expect(page).toMatchObject({ index: 5, count: 10 });
      expect(await store.query('alice', { max: 0 })).toMatchObject({ messages: [], count: 10 });
    });

    it('filters by the JID a message is indexed under, by time, and by ids, and pages within the filter', async () => {
      const ids = await ten();
      const bob = await store.query('alice', { max: 2, with: 'bob@localhost' });
      expect(bodies(bob)).toBe('0,2');
      expect(bob).toMatchObject({ count: 5, complete: false });
      expect(bodies(await store.query('alice', { max: 10, with: 'bob@localhost', rsmAfter: ids[2] }))).toBe('4,6,8');
      expect(bodies(await store.query('alice', { max: 10, with: 'bob@localhost/desk', fromEnd: true }))).toBe('0,2,4,6,8');
      expect(bodies(await store.query('alice', { max: 10, with: 'bob@localhost/other' }))).toBe('');
      expect(bodies(await store.query('alice', { max: 10, start: T + 3000, end: T + 6000 }))).toBe('3,4,5,6');
      expect(bodies(await store.query('alice', { max: 10, with: 'carol@localhost', start: T + 3000, end: T + 6000 }))).toBe('3,5');
      expect(bodies(await store.query('alice', { max: 10, afterId: ids[6] }))).toBe('7,8,9');
      expect(bodies(await store.query('alice', { max: 10, beforeId: ids[2], afterId: ids[0] }))).toBe('1');
      expect(await store.query('alice', { max: 10, afterId: ids[6] })).toMatchObject({ count: 3 });
      expect(bodies(await store.query('alice', { max: 10, ids: [ids[5]!, ids[1]!, 'zzzzzzzzzzzzzzzzz', ids[3]!.slice(0, -1) + (ids[3]!.endsWith('0') ? '1' : '0')] }))).toBe('1,5');
    });

    it('answers undefined for an id it does not hold (item-not-found)', async () => {
      const ids = await ten();
      // The same position with another random part: guessing the order is not enough (XEP-0313 §5.2).
      const unknown = ids[0]!.slice(0, -1) + (ids[0]!.endsWith('0') ? '1' : '0');
      expect(archiveSeq(unknown)).toBe(archiveSeq(ids[0]!));
      await expect(store.query('alice', { max: 10, rsmAfter: 'not-an-id' })).resolves.toBeUndefined();
      await expect(store.query('alice', { max: 10, rsmBefore: unknown })).resolves.toBeUndefined();
      await expect(store.query('alice', { max: 10, afterId: unknown })).resolves.toBeUndefined();
      await expect(store.query('bob', { max: 10, rsmAfter: ids[1] })).resolves.toBeUndefined();
    });

    it('drops the oldest messages past the count or the byte bound', async () => {
      for (let n = 0; n < 5; n++) await store.append('alice', { at: T + n, with: ['bob@localhost'], stanza: msg(n) }, { maxMessages: 3, maxBytes: 1_000_000 });
      expect(bodies(await store.query('alice', { max: 10 }))).toBe('2,3,4');
      expect(bodies(await store.query('alice', { max: 10, with: 'bob@localhost' }))).toBe('2,3,4');
      const size = Buffer.byteLength(msg(5));
      await store.append('alice', { at: T + 10, with: ['bob@localhost'], stanza: msg(5) }, { maxMessages: 100, maxBytes: 2 * size });
      expect(bodies(await store.query('alice', { max: 10 }))).toBe('4,5');
      await expect(store.usage('alice')).resolves.toEqual({ messages: 2, bytes: 2 * size });
    });

    it('expires messages archived before a time, on append and on request', async () => {
      await ten();
      await expect(store.expire('alice', T + 3000)).resolves.toBe(3);
      expect(bodies(await store.query('alice', { max: 10 }))).toBe('3,4,5,6,7,8,9');
      expect(bodies(await store.query('alice', { max: 10, with: 'bob@localhost' }))).toBe('4,6,8');
      await store.append('alice', { at: T + 20_000, with: ['bob@localhost'], stanza: msg(10) }, { ...LIMITS, expireBefore: T + 8000 });
      expect(bodies(await store.query('alice', { max: 10 }))).toBe('8,9,10');
      expect((await store.usage('alice')).messages).toBe(3);
    });

    it('stores preferences per user, replacing them whole', async () => {
      await store.setPrefs('alice', { default: 'roster', always: ['bob@localhost'], never: ['mallory@localhost', 'eve@localhost'] });
      await expect(store.getPrefs('alice')).resolves.toEqual({ default: 'roster', always: ['bob@localhost'], never: ['mallory@localhost', 'eve@localhost'] });
      await store.setPrefs('alice', { default: 'never', always: [], never: [] });
      await expect(store.getPrefs('alice')).resolves.toEqual({ default: 'never', always: [], never: [] });
      await expect(store.getPrefs('bob')).resolves.toBeUndefined();
    });

    it('removes one user\'s archive and preferences, or one room\'s archive, and nothing else', async () => {
      await ten('alice');
      await ten('bob');
      await ten('room@conference.localhost');
      await store.setPrefs('alice', { default: 'always', always: [], never: [] });
      await store.removeUser('alice');
      await store.removeArchive('room@conference.localhost');
      expect(bodies(await store.query('alice', { max: 10, with: 'bob@localhost' }))).toBe('');
      await expect(store.usage('alice')).resolves.toEqual({ messages: 0, bytes: 0 });
      await expect(store.usage('room@conference.localhost')).resolves.toEqual({ messages: 0, bytes: 0 });
      await expect(store.getPrefs('alice')).resolves.toBeUndefined();
      expect((await store.query('bob', { max: 100 }))!.count).toBe(10);
      const id = await store.append('alice', { at: T + 100_000, with: ['bob@localhost'], stanza: msg(1) }, LIMITS);
      expect(archiveSeq(id)).toBeDefined();
    });
  });
}
