// Contract suites for core's administration ports: AdminAccountStore, ApiTokenStore, AuditLog and
// InvitationStore.
// Every backend (memory, SQLite, later Redis) runs these same suites.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { AdminAccount, AdminStores, Invitation } from '@deskchat/core';

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

  describe(`InvitationStore contract: ${name}`, () => {
    const invitation = (hash: string, expiresAt = 2_000): Invitation => ({ hash, createdAt: 1_000, createdBy: 'admin:root', expiresAt });

    it('gives an invitation to the first taker only', async () => {
      await stores.invitations.createInvitation(invitation('a'.repeat(64)));
      const takers = await Promise.all([1, 2, 3].map(() => stores.invitations.takeInvitation('a'.repeat(64), 1_500)));
      expect(takers.filter(Boolean)).toEqual([invitation('a'.repeat(64))]);
      await expect(stores.invitations.takeInvitation('a'.repeat(64), 1_500)).resolves.toBeUndefined();
    });

    it('does not give an expired or unknown invitation, and forgets the expired one', async () => {
      await stores.invitations.createInvitation(invitation('b'.repeat(64), 2_000));
      await expect(stores.invitations.takeInvitation('c'.repeat(64), 1_500)).resolves.toBeUndefined();
      await expect(stores.invitations.takeInvitation('b'.repeat(64), 2_000)).resolves.toBeUndefined();
      await expect(stores.invitations.listInvitations(0)).resolves.toEqual([]);
    });

    it('takes back an invitation created again after it was taken (a failed registration)', async () => {
      await stores.invitations.createInvitation(invitation('d'.repeat(64)));
      const taken = await stores.invitations.takeInvitation('d'.repeat(64), 1_500);
      await stores.invitations.createInvitation(taken!);
      await expect(stores.invitations.takeInvitation('d'.repeat(64), 1_500)).resolves.toEqual(invitation('d'.repeat(64)));
    });

    it('lists the invitations still valid, by expiry, without hashes', async () => {
      await stores.invitations.createInvitation(invitation('e'.repeat(64), 5_000));
      await stores.invitations.createInvitation(invitation('f'.repeat(64), 3_000));
      await stores.invitations.createInvitation(invitation('0'.repeat(64), 1_200));
      await expect(stores.invitations.listInvitations(1_500)).resolves.toEqual([
        { createdAt: 1_000, createdBy: 'admin:root', expiresAt: 3_000 },
        { createdAt: 1_000, createdBy: 'admin:root', expiresAt: 5_000 },
      ]);
    });
  });
}
