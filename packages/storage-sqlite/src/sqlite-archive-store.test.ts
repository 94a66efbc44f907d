import { describe, expect, it } from '@jest/globals';
import { archiveStoreContract } from '@deskchat/testing';
import { freshStores } from './__tests__/fixture.js';

archiveStoreContract('sqlite', freshStores((stores) => stores.archive));

describe('appends in one turn of the event loop (one transaction)', () => {
  const open = freshStores((stores) => stores.archive);
  const limits = { maxMessages: 1000, maxBytes: 10_000_000 };
  const message = (n: number) => ({ at: 1_700_000_000_000, with: ['bob@localhost'], stanza: `<message><body>${n}</body></message>` });

  it('give each append its own id, in order, and every one is read back at once', async () => {
    const { store, cleanup } = await open();
    try {
      const ids = await Promise.all(Array.from({ length: 50 }, (_, n) => store.append(n % 2 === 0 ? 'alice' : 'carol', message(n), limits)));
      expect(new Set(ids).size).toBe(50);
      const alice = ids.filter((_, n) => n % 2 === 0);
      expect([...alice].sort()).toEqual(alice); // ids follow the order of the appends
      const page = await store.query('alice', { max: 100 });
      expect(page?.messages.map((m) => m.id)).toEqual(alice);
    } finally {
      await cleanup();
    }
  });

  it('are written before any read that follows them, even in the same turn', async () => {
    const { store, cleanup } = await open();
    try {
      const appended = store.append('alice', message(1), limits);
      const usage = store.usage('alice'); // called before the append's transaction would run
      expect(await usage).toEqual({ messages: 1, bytes: Buffer.byteLength(message(1).stanza) });
      await appended;
    } finally {
      await cleanup();
    }
  });
});
