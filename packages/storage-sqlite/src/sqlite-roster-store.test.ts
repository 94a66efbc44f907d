// SqliteRosterStore: the RosterStore contract (RFC 6121 rosters, XEP-0237 versions, RFC 6121 §3.1.3
// pending requests) on SQLite, plus what only a durable store must do: survive reopening.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { rosterStoreContract } from '@deskchat/testing';
import { openSqliteStores } from './index.js';
import { freshStores } from './__tests__/fixture.js';

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

rosterStoreContract('sqlite', freshStores((stores) => stores.roster));


describe('SqliteRosterStore durability', () => {
  it('keeps items, groups, subscription states, the version and pending requests across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-roster-'));
    tempDirs.push(dir);
    const first = openSqliteStores(dir);
    const bob = { jid: 'bob@localhost', name: 'Bob', groups: ['Friends', 'Work'], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
    const carol = { jid: 'carol@localhost', groups: [], subscription: 'none' as const, isPendingOut: true, isPreApproved: true };
    await first.roster.setItem('alice', bob);
    const version = await first.roster.setItem('alice', carol);
    await first.roster.setRequest('alice', { jid: 'dave@localhost', receivedAt: 42, stanza: '<presence type="subscribe"/>' });
    first.close();

    const second = openSqliteStores(dir);
    await expect(second.roster.getRoster('alice')).resolves.toStrictEqual({ version, items: [bob, carol] });
    await expect(second.roster.getRequests('alice')).resolves.toStrictEqual([{ jid: 'dave@localhost', receivedAt: 42, stanza: '<presence type="subscribe"/>' }]);
    second.close();
  });
});
