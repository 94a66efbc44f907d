// The single node's PresenceStore: in memory in front of SQLite (last seen, outside sources), run
// against the PresenceStore contract; and the durable half surviving a reopen (a restart).
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryPresenceStore } from '@deskchat/core';
import { presenceStoreContract } from '@deskchat/testing';
import { openSqliteStores } from './index.js';
import { freshStores } from './__tests__/fixture.js';

presenceStoreContract('memory over sqlite', freshStores((stores) => new MemoryPresenceStore(stores.presenceState)));

describe('presence kept across a restart', () => {
  it('keeps outside sources and last seen when the database is opened again, and drops available presence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-presence-'));
    try {
      const first = openSqliteStores(dir);
      const before = new MemoryPresenceStore(first.presenceState);
      await before.setSource('alice', 'phone', 'on-call');
      await before.setLastSeen('bob', { stanza: '<presence type="unavailable"/>', at: 7 });
      await before.setAvailable('alice', 'desk', 's1', '<presence/>');
      first.close();
      const second = openSqliteStores(dir);
      const after = new MemoryPresenceStore(second.presenceState);
      await expect(after.getSources('alice')).resolves.toEqual({ phone: 'on-call' });
      await expect(after.getLastSeen('bob')).resolves.toEqual({ stanza: '<presence type="unavailable"/>', at: 7 });
      await expect(after.availableOf('alice')).resolves.toEqual([]);
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
