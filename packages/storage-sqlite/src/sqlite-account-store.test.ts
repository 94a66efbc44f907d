// SqliteAccountStore: the AccountStore contract (RFC 5802 credentials storage) on SQLite, plus what
// only a durable, multi-process store must do: survive reopening and share writes between connections.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { accountStoreContract } from '@deskchat/testing';
import type { Account } from '@deskchat/core';
import { openDatabase, openSqliteStores, SqliteAccountStore } from './index.js';
import { freshStores } from './__tests__/fixture.js';

const tempDirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskchat-sqlite-'));
  tempDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function account(username: string, seed = username): Account {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return {
    username,
    createdAt: 1_700_000_000_000,
    credentials: {
      'SHA-1': { salt: b64(`a${seed}`), iterations: 4096, storedKey: b64(`b${seed}`), serverKey: b64(`c${seed}`) },
      'SHA-256': { salt: b64(`d${seed}`), iterations: 4096, storedKey: b64(`e${seed}`), serverKey: b64(`f${seed}`) },
    },
  };
}

accountStoreContract('sqlite', freshStores((stores) => stores.accounts));


describe('SqliteAccountStore durability', () => {
  it('keeps accounts, profiles and credentials across close and reopen', async () => {
    const dir = freshDir();
    const first = openSqliteStores(dir);
    await first.accounts.createAccounts([account('alice'), account('bob')]);
    await first.accounts.updateProfile('alice', { name: 'Alice', email: 'alice@example.com' });
    await first.accounts.setCredentials('bob', account('bob', 'rotated').credentials);
    await first.accounts.removeAccount('nobody');
    first.close();

    const second = openSqliteStores(dir);
    await expect(second.accounts.getAccount('alice')).resolves.toStrictEqual({ ...account('alice'), name: 'Alice', email: 'alice@example.com' });
    await expect(second.accounts.getAccount('bob')).resolves.toStrictEqual(account('bob', 'rotated'));
    await expect(second.accounts.countAccounts()).resolves.toBe(2);
    second.close();
  });

  it('lets two connections on one data dir (server and CLI) see each other\'s writes', async () => {
    const dir = freshDir();
    const server = new SqliteAccountStore(openDatabase(dir));
    const cliDb = openDatabase(dir);
    const cli = new SqliteAccountStore(cliDb);

    await expect(cli.createAccount(account('alice'))).resolves.toBe(true);
    await expect(server.getAccount('alice')).resolves.toStrictEqual(account('alice'));
    await expect(server.createAccount(account('alice', 'other'))).resolves.toBe(false);

    await server.setCredentials('alice', account('alice', 'new').credentials);
    await expect(cli.getAccount('alice')).resolves.toHaveProperty('credentials', account('alice', 'new').credentials);
    await cli.removeAccount('alice');
    await expect(server.hasAccount('alice')).resolves.toBe(false);

    // A read-only connection (e.g. `deskchat accounts list` while the server runs) sees committed data too.
    await server.createAccount(account('bob'));
    const readerDb = openDatabase(dir, { readonly: true });
    await expect(new SqliteAccountStore(readerDb).listAccounts()).resolves.toEqual([{ username: 'bob', createdAt: 1_700_000_000_000 }]);
    readerDb.close();
    cliDb.close();
  });

  it('creates 10,000 accounts in one batch (speed is measured by the import benchmark, not asserted here)', async () => {
    const { accounts, close } = openSqliteStores(freshDir());
    const batch = Array.from({ length: 10_000 }, (_, i) => account(`user${i}`));
    const result = await accounts.createAccounts(batch);
    expect(result.filter(Boolean)).toHaveLength(10_000);
    await expect(accounts.countAccounts()).resolves.toBe(10_000);
    close();
  });

  it('rolls back the whole batch when one account violates a constraint', async () => {
    const { accounts, close } = openSqliteStores(freshDir());
    const bad = account('bad');
    bad.credentials['SHA-256'].iterations = 0;
    await expect(accounts.createAccounts([account('alice'), bad])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_CHECK' });
    await expect(accounts.countAccounts()).resolves.toBe(0);
    close();
  });
});
