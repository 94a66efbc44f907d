// Contract suites for core's administration ports: AdminAccountStore, ApiTokenStore and AuditLog.
// Every backend (memory, SQLite, later Redis) runs these same suites.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { AdminAccount, AdminStores } from '@deskchat/core';

export interface AdminStoresFixture {
  stores: AdminStores;
  cleanup?: () => Promise<void>;
}

const admin = (name: string, hash = `scrypt$1$1$1$salt-${name}$key-${name}`): AdminAccount => ({ name, passwordHash: hash, createdAt: 1_700_000_000_000, passwordChangedAt: 1_700_000_000_000 });

export function adminStoresContract(name: string, makeStores: () => Promise<AdminStoresFixture>): void {
  let stores: AdminStores;
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    ({ stores, cleanup } = await makeStores());
  });
  afterEach(async () => {
    await cleanup?.();
  });

  describe(`AdminAccountStore contract: ${name}`, () => {
    it('creates an admin once; a second create with the same name changes nothing', async () => {
      await expect(stores.admins.createAdmin(admin('root'))).resolves.toBe(true);
      await expect(stores.admins.createAdmin(admin('root', 'other'))).resolves.toBe(false);
      await expect(stores.admins.getAdmin('root')).resolves.toEqual(admin('root'));
    });

    it('returns undefined for an unknown admin and false when changing or removing one', async () => {
      await expect(stores.admins.getAdmin('ghost')).resolves.toBeUndefined();
      await expect(stores.admins.setPasswordHash('ghost', 'x', 1)).resolves.toBe(false);
      await expect(stores.admins.removeAdmin('ghost')).resolves.toBe(false);
    });

    it('replaces the password hash with the time of the change', async () => {
      await stores.admins.createAdmin(admin('root'));
      await expect(stores.admins.setPasswordHash('root', 'scrypt$new', 1_800_000_000_000)).resolves.toBe(true);
      await expect(stores.admins.getAdmin('root')).resolves.toMatchObject({ passwordHash: 'scrypt$new', passwordChangedAt: 1_800_000_000_000, createdAt: 1_700_000_000_000 });
    });

    it('lists admins by name without their password hashes, and removes one', async () => {
      await stores.admins.createAdmin(admin('zoe'));
      await stores.admins.createAdmin(admin('adam'));
      const list = await stores.admins.listAdmins();
      expect(list.map((a) => a.name)).toEqual(['adam', 'zoe']);
      expect(list[0]).not.toHaveProperty('passwordHash');
      await expect(stores.admins.removeAdmin('adam')).resolves.toBe(true);
      await expect(stores.admins.getAdmin('adam')).resolves.toBeUndefined();
      expect((await stores.admins.listAdmins()).map((a) => a.name)).toEqual(['zoe']);
    });
  });

  describe(`ApiTokenStore contract: ${name}`, () => {
    const token = (n: string, hash: string) => ({ name: n, hash, createdAt: 1_700_000_000_000, createdBy: 'cli' });

    it('finds a token by its hash only, and refuses a second token with the same name', async () => {
      await expect(stores.apiTokens.createToken(token('ci', 'a'.repeat(64)))).resolves.toBe(true);
      await expect(stores.apiTokens.createToken(token('ci', 'b'.repeat(64)))).resolves.toBe(false);
      await expect(stores.apiTokens.findTokenByHash('a'.repeat(64))).resolves.toEqual(token('ci', 'a'.repeat(64)));
      await expect(stores.apiTokens.findTokenByHash('b'.repeat(64))).resolves.toBeUndefined();
    });

    it('lists tokens by name without hashes; a revoked token is no longer found', async () => {
      await stores.apiTokens.createToken(token('phone-system', '1'.repeat(64)));
      await stores.apiTokens.createToken(token('calendar', '2'.repeat(64)));
      const list = await stores.apiTokens.listTokens();
      expect(list.map((t) => t.name)).toEqual(['calendar', 'phone-system']);
      expect(list[0]).not.toHaveProperty('hash');
      await expect(stores.apiTokens.revokeToken('calendar')).resolves.toBe(true);
      await expect(stores.apiTokens.revokeToken('calendar')).resolves.toBe(false);
      await expect(stores.apiTokens.findTokenByHash('2'.repeat(64))).resolves.toBeUndefined();
      await expect(stores.apiTokens.findTokenByHash('1'.repeat(64))).resolves.toMatchObject({ name: 'phone-system' });
    });
  });

  describe(`AuditLog contract: ${name}`, () => {
    it('assigns increasing ids and keeps old and new values exactly', async () => {
      const first = await stores.audit.append({ at: 1, actor: 'admin:root', action: 'settings.chat-servers.update', target: 'chat-servers', oldValue: { primary: null }, newValue: { primary: 'https://a.example/http-bind', n: [1, 'ü'] } });
      const second = await stores.audit.append({ at: 2, actor: 'cli', action: 'user.add', target: 'alice', newValue: { username: 'alice' } });
      expect(second.id).toBeGreaterThan(first.id);
      const [newest, oldest] = await stores.audit.list();
      expect(newest).toEqual(second);
      expect(oldest).toEqual({ id: first.id, at: 1, actor: 'admin:root', action: 'settings.chat-servers.update', target: 'chat-servers', oldValue: { primary: null }, newValue: { primary: 'https://a.example/http-bind', n: [1, 'ü'] } });
      expect(second).not.toHaveProperty('oldValue');
    });

    it('lists newest first, with a limit and paging backwards by id', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await stores.audit.append({ at: i, actor: 'cli', action: 'user.remove', target: `u${i}` })).id);
      expect((await stores.audit.list({ limit: 2 })).map((e) => e.target)).toEqual(['u4', 'u3']);
      expect((await stores.audit.list({ before: ids[3], limit: 2 })).map((e) => e.target)).toEqual(['u2', 'u1']);
      expect((await stores.audit.list({ before: ids[0] }))).toEqual([]);
    });
  });
}
