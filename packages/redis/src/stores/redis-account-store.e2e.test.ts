// The AccountStore contract suite, run against a real redis-server.
import { accountStoreContract } from '@deskchat/testing';
import { describe, expect, it } from '@jest/globals';
import type { Account } from '@deskchat/core';
import { reindexAccounts } from '../maintenance.js';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisAccountStore } from './redis-account-store.js';

const fixture = useRedisServer();

accountStoreContract('redis', async () => ({ store: new RedisAccountStore(await fixture.fresh()) }));

describe('RedisAccountStore beyond the contract: the global account index', () => {
  const account = (username: string): Account => ({
    username,
    createdAt: 1,
    credentials: { 'SHA-1': { salt: 'a', iterations: 1, storedKey: 'b', serverKey: 'c' }, 'SHA-256': { salt: 'd', iterations: 1, storedKey: 'e', serverKey: 'f' } },
  });

  it('reindexAccounts puts back an account a crash left out of the index, and drops entries without an account', async () => {
    const redis = await fixture.fresh();
    const store = new RedisAccountStore(redis);
    await store.createAccounts([account('alice'), account('bob'), account('b{o}b%')]);
    // What a crash between the two steps of a create (or a remove) leaves behind: an unindexed account.
    await redis.client.zRem(redis.keys.accountIndex, 'b{o}b%');
    await redis.client.zAdd(redis.keys.accountIndex, { score: 0, value: 'ghost' });
    expect((await store.listAccounts()).map((a) => a.username)).toEqual(['alice', 'bob']);
    await expect(store.countAccounts()).resolves.toBe(3);

    await expect(reindexAccounts(redis)).resolves.toEqual({ accounts: 3, added: 1, removed: 1 });
    expect((await store.listAccounts()).map((a) => a.username)).toEqual(['alice', 'bob', 'b{o}b%']); // '{' sorts after 'o'
    await expect(store.countAccounts()).resolves.toBe(3);
    await expect(reindexAccounts(redis)).resolves.toEqual({ accounts: 3, added: 0, removed: 0 });
  });

  it('a taken username leaves both the account and the index as they were', async () => {
    const redis = await fixture.fresh();
    const store = new RedisAccountStore(redis);
    await store.createAccount(account('alice'));
    await redis.client.zRem(redis.keys.accountIndex, 'alice');
    // The create that finds the name taken must not index it either: only the create that wrote the hash does.
    await expect(store.createAccount(account('alice'))).resolves.toBe(false);
    await expect(store.countAccounts()).resolves.toBe(0);
  });
});
