// The administration contract suites (admin accounts, API tokens, audit log) on a real redis-server.
import { describe, expect, it } from '@jest/globals';
import { adminStoresContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { openRedisAdminStores } from '../open-stores.js';

const fixture = useRedisServer();

adminStoresContract('redis', async () => ({ stores: openRedisAdminStores(await fixture.fresh()) }));

describe('Redis administration stores beyond the contract', () => {
  it('refuses a second token with the same hash, as SQLite\'s unique column does', async () => {
    const stores = openRedisAdminStores(await fixture.fresh());
    await expect(stores.apiTokens.createToken({ name: 'a', hash: 'f'.repeat(64), createdAt: 1, createdBy: 'cli' })).resolves.toBe(true);
    await expect(stores.apiTokens.createToken({ name: 'b', hash: 'f'.repeat(64), createdAt: 1, createdBy: 'cli' })).resolves.toBe(false);
    await expect(stores.apiTokens.findTokenByHash('f'.repeat(64))).resolves.toMatchObject({ name: 'a' });
  });

  it('keeps creation and change times exactly through a password change', async () => {
    const stores = openRedisAdminStores(await fixture.fresh());
    await stores.admins.createAdmin({ name: 'root', passwordHash: 'scrypt$a/b', createdAt: 1_712_345_678_901, passwordChangedAt: 1_712_345_678_901 });
    await stores.admins.setPasswordHash('root', 'scrypt$c/"d"', 1_899_999_999_999);
    await expect(stores.admins.getAdmin('root')).resolves.toEqual({ name: 'root', passwordHash: 'scrypt$c/"d"', createdAt: 1_712_345_678_901, passwordChangedAt: 1_899_999_999_999 });
  });

  it('appends audit entries atomically from many callers, with distinct ids', async () => {
    const stores = openRedisAdminStores(await fixture.fresh());
    const entries = await Promise.all(Array.from({ length: 30 }, (_, i) => stores.audit.append({ at: i, actor: 'cli', action: 'user.add', target: `u${i}` })));
    expect(new Set(entries.map((e) => e.id)).size).toBe(30);
    await expect(stores.audit.list({ limit: 100 })).resolves.toHaveLength(30);
  });
});
