// SqliteOfflineStore: the OfflineStore contract (XEP-0160 offline storage) on SQLite, plus what only
// a durable store must do: keep queued messages, in order, across a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { offlineStoreContract } from '@deskchat/testing';
import { openSqliteStores } from './index.js';
import { freshStores } from './__tests__/fixture.js';

offlineStoreContract('sqlite', freshStores((stores) => stores.offline));


describe('SqliteOfflineStore durability', () => {
  it('keeps queued messages and their order across close and reopen (XEP-0160 survives restarts)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-offline-'));
    try {
      const first = openSqliteStores(dir);
      await first.offline.storeMessage('bob', { stanza: '<message><body>1</body></message>', storedAt: 10 }, { maxMessages: 5, maxBytes: 1_000_000 });
      await first.offline.storeMessage('bob', { stanza: '<message><body>2</body></message>', storedAt: 20 }, { maxMessages: 5, maxBytes: 1_000_000 });
      first.close();

      const second = openSqliteStores(dir);
      const listed = await second.offline.listMessages('bob');
      expect(listed.map((m) => [m.stanza, m.storedAt])).toEqual([
        ['<message><body>1</body></message>', 10],
        ['<message><body>2</body></message>', 20],
      ]);
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteOfflineStore.countAllMessages (the offline queue size on /metrics)', () => {
  it('counts the stored messages of every user', async () => {
    const { store, cleanup } = await freshStores((s) => s.offline)();
    try {
      await expect(store.countAllMessages()).resolves.toBe(0);
      await store.storeMessage('alice', { stanza: '<message/>', storedAt: 1 }, { maxMessages: 10, maxBytes: 10_000 });
      await store.storeMessage('bob', { stanza: '<message/>', storedAt: 2 }, { maxMessages: 10, maxBytes: 10_000 });
      await expect(store.countAllMessages()).resolves.toBe(2);
    } finally {
      await cleanup();
    }
  });
});
