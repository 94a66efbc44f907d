// Contract suite for core's AccountStore port (accounts with RFC 5802 / RFC 7677 SCRAM credentials).
// Every backend (memory, SQLite, Redis) runs this same suite, the way Prosody runs one storage spec
// over all of its backends: a behaviour that differs between backends is a bug in one of them.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { deriveCredentials } from '@deskchat/core';
import type { Account, AccountStore, Credentials } from '@deskchat/core';

export interface AccountStoreFixture {
  store: AccountStore;
  cleanup?: () => Promise<void>;
}

/** Distinct, recognisable credentials per seed, so that mixing up two accounts' rows shows. */
function fakeCredentials(seed: string): Credentials {
  const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  return {
    'SHA-1': { salt: b64(`s1-salt-${seed}`), iterations: 4096, storedKey: b64(`s1-stored-${seed}`), serverKey: b64(`s1-server-${seed}`) },
    'SHA-256': { salt: b64(`s256-salt-${seed}`), iterations: 8192, storedKey: b64(`s256-stored-${seed}`), serverKey: b64(`s256-server-${seed}`) },
  };
}

function account(username: string, extra: Partial<Account> = {}): Account {
  return { username, createdAt: 1_700_000_000_000, credentials: fakeCredentials(username), ...extra };
}

const usernames = (summaries: { username: string }[]): string[] => summaries.map((s) => s.username);

export function accountStoreContract(name: string, makeStore: () => Promise<AccountStoreFixture>): void {
  describe(`AccountStore contract: ${name}`, () => {
    let store: AccountStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    describe('create, get, has', () => {
      it('creates an account and reads back every field', async () => {
        const alice = account('alice', { name: 'Alice Liddell', email: 'alice@example.com', createdAt: 1_234_567_890_123 });
        await expect(store.createAccount(alice)).resolves.toBe(true);
        await expect(store.getAccount('alice')).resolves.toStrictEqual(alice);
        await expect(store.hasAccount('alice')).resolves.toBe(true);
      });

      it('answers undefined and false for an unknown username (expected absence is not an error)', async () => {
        await store.createAccount(account('alice'));
        await expect(store.getAccount('bob')).resolves.toBeUndefined();
        await expect(store.hasAccount('bob')).resolves.toBe(false);
        await expect(store.hasAccount('Alice')).resolves.toBe(false);
      });

      it('leaves name and email absent when the account was created without them', async () => {
        await store.createAccount(account('alice'));
        const got = await store.getAccount('alice');
        expect(got).not.toHaveProperty('name');
        expect(got).not.toHaveProperty('email');
      });

      it('keeps an empty name distinct from an absent one', async () => {
        await store.createAccount(account('alice', { name: '' }));
        await expect(store.getAccount('alice')).resolves.toHaveProperty('name', '');
      });

      it('returns false for a taken username and changes nothing', async () => {
        const first = account('alice', { name: 'First' });
        await store.createAccount(first);
        await expect(store.createAccount(account('alice', { name: 'Second', credentials: fakeCredentials('x') }))).resolves.toBe(false);
        await expect(store.getAccount('alice')).resolves.toStrictEqual(first);
        await expect(store.countAccounts()).resolves.toBe(1);
      });
    });

    describe('createAccounts', () => {
      it('returns, in input order, whether each account was created (false: taken)', async () => {
        await store.createAccount(account('bob', { name: 'Old Bob' }));
        const result = await store.createAccounts([account('carol'), account('bob', { name: 'New Bob' }), account('alice')]);
        expect(result).toEqual([true, false, true]);
        await expect(store.getAccount('bob')).resolves.toHaveProperty('name', 'Old Bob');
        expect(usernames(await store.listAccounts())).toEqual(['alice', 'bob', 'carol']);
      });

      it('lets the first of two duplicates within one batch win', async () => {
        const result = await store.createAccounts([
          account('dup', { name: 'first' }),
          account('other'),
          account('dup', { name: 'second' }),
        ]);
        expect(result).toEqual([true, true, false]);
        await expect(store.getAccount('dup')).resolves.toHaveProperty('name', 'first');
        await expect(store.countAccounts()).resolves.toBe(2);
      });

      it('accepts an empty batch', async () => {
        await expect(store.createAccounts([])).resolves.toEqual([]);
        await expect(store.countAccounts()).resolves.toBe(0);
      });

      it('creates 1,000 accounts in one call', async () => {
        const batch = Array.from({ length: 1000 }, (_, i) => account(`user${String(i).padStart(4, '0')}`));
        const result = await store.createAccounts(batch);
        expect(result).toHaveLength(1000);
        expect(result.every((created) => created)).toBe(true);
        await expect(store.countAccounts()).resolves.toBe(1000);
        await expect(store.getAccount('user0742')).resolves.toStrictEqual(batch[742]);
        expect(usernames(await store.listAccounts({ offset: 998 }))).toEqual(['user0998', 'user0999']);
      });
    });

    describe('credentials (RFC 5802 §3: only salted keys are stored)', () => {
      it('round-trips derived credentials exactly for SHA-1 and SHA-256', async () => {
        const credentials = deriveCredentials('pencil');
        await store.createAccount(account('alice', { credentials }));
        const got = await store.getAccount('alice');
        expect(got?.credentials).toStrictEqual(credentials);
      });

      it('round-trips unusual but valid values exactly (large iteration counts, unpadded base64)', async () => {
        const credentials: Credentials = {
          'SHA-1': { salt: 'QSXCR+Q6sek8bf92', iterations: 1, storedKey: 'AA==', serverKey: '/+/+' },
          'SHA-256': { salt: 'W22ZaJ0SNY7soEsUEjb6gQ', iterations: 2_000_000_000, storedKey: 'a', serverKey: '' },
        };
        await store.createAccount(account('alice', { credentials }));
        await expect(store.getAccount('alice')).resolves.toHaveProperty('credentials', credentials);
      });

      it('setCredentials replaces both hashes and touches no other account', async () => {
        await store.createAccounts([account('alice'), account('bob')]);
        const replacement = deriveCredentials('new password');
        await expect(store.setCredentials('alice', replacement)).resolves.toBe(true);
        await expect(store.getAccount('alice')).resolves.toHaveProperty('credentials', replacement);
        await expect(store.getAccount('bob')).resolves.toStrictEqual(account('bob'));
      });

      it('setCredentials returns false for an unknown user and creates nothing', async () => {
        await expect(store.setCredentials('ghost', fakeCredentials('ghost'))).resolves.toBe(false);
        await expect(store.hasAccount('ghost')).resolves.toBe(false);
      });
    });

    describe('profile and removal', () => {
      it('updateProfile changes only the fields given', async () => {
        await store.createAccounts([account('alice', { name: 'Alice', email: 'a@example.com' }), account('bob', { name: 'Bob' })]);
        await expect(store.updateProfile('alice', { email: 'alice@example.org' })).resolves.toBe(true);
        await expect(store.getAccount('alice')).resolves.toStrictEqual(account('alice', { name: 'Alice', email: 'alice@example.org' }));
        await expect(store.updateProfile('alice', { name: 'Alice L.' })).resolves.toBe(true);
        await expect(store.updateProfile('alice', {})).resolves.toBe(true);
        await expect(store.getAccount('alice')).resolves.toStrictEqual(account('alice', { name: 'Alice L.', email: 'alice@example.org' }));
        await expect(store.getAccount('bob')).resolves.toStrictEqual(account('bob', { name: 'Bob' }));
      });

      it('updateProfile returns false for an unknown user and creates nothing', async () => {
        await expect(store.updateProfile('ghost', { name: 'Ghost' })).resolves.toBe(false);
        await expect(store.hasAccount('ghost')).resolves.toBe(false);
      });

      it('removeAccount removes only that account, and frees the username', async () => {
        await store.createAccounts([account('alice'), account('bob')]);
        await expect(store.removeAccount('alice')).resolves.toBe(true);
        await expect(store.getAccount('alice')).resolves.toBeUndefined();
        await expect(store.hasAccount('bob')).resolves.toBe(true);
        await expect(store.countAccounts()).resolves.toBe(1);
        await expect(store.createAccount(account('alice', { name: 'Reborn' }))).resolves.toBe(true);
        await expect(store.getAccount('alice')).resolves.toHaveProperty('name', 'Reborn');
      });

      it('removeAccount returns false for an unknown user, and on a second removal', async () => {
        await store.createAccount(account('alice'));
        await expect(store.removeAccount('ghost')).resolves.toBe(false);
        await expect(store.removeAccount('alice')).resolves.toBe(true);
        await expect(store.removeAccount('alice')).resolves.toBe(false);
      });
    });

    describe('listing', () => {
      beforeEach(async () => {
        await store.createAccounts(['dave', 'alice', 'erin', 'carol', 'bob'].map((u) => account(u, { name: u.toUpperCase() })));
      });

      it('lists summaries ordered by username, without credentials', async () => {
        const list = await store.listAccounts();
        expect(usernames(list)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
        expect(list[0]).toStrictEqual({ username: 'alice', name: 'ALICE', createdAt: 1_700_000_000_000 });
      });

      it('applies offset and limit after ordering', async () => {
        expect(usernames(await store.listAccounts({ offset: 1, limit: 2 }))).toEqual(['bob', 'carol']);
        expect(usernames(await store.listAccounts({ limit: 2 }))).toEqual(['alice', 'bob']);
        expect(usernames(await store.listAccounts({ offset: 3 }))).toEqual(['dave', 'erin']);
        expect(await store.listAccounts({ offset: 5 })).toEqual([]);
        expect(await store.listAccounts({ offset: 2, limit: 0 })).toEqual([]);
        expect(usernames(await store.listAccounts({ offset: 4, limit: 10 }))).toEqual(['erin']);
      });

      it('counts accounts, following creations and removals', async () => {
        await expect(store.countAccounts()).resolves.toBe(5);
        await store.removeAccount('carol');
        await store.createAccount(account('zed'));
        await store.createAccount(account('zed'));
        await expect(store.countAccounts()).resolves.toBe(5);
      });
    });

    describe('isolation: callers get copies', () => {
      it('mutating a returned account does not change the store', async () => {
        await store.createAccount(account('alice', { name: 'Alice' }));
        const got = (await store.getAccount('alice'))!;
        got.name = 'Mallory';
        got.credentials['SHA-256'].storedKey = 'tampered';
        got.credentials['SHA-1'] = fakeCredentials('mallory')['SHA-1'];
        await expect(store.getAccount('alice')).resolves.toStrictEqual(account('alice', { name: 'Alice' }));
      });

      it('mutating an argument after the call does not change the store', async () => {
        const alice = account('alice', { name: 'Alice' });
        await store.createAccount(alice);
        alice.name = 'Mallory';
        alice.credentials['SHA-1'].salt = 'tampered';
        const bob = account('bob');
        await store.createAccounts([bob]);
        bob.credentials['SHA-256'].iterations = 1;
        const fresh = fakeCredentials('fresh');
        await store.setCredentials('bob', fresh);
        fresh['SHA-1'].serverKey = 'tampered';
        await expect(store.getAccount('alice')).resolves.toStrictEqual(account('alice', { name: 'Alice' }));
        await expect(store.getAccount('bob')).resolves.toHaveProperty('credentials', fakeCredentials('fresh'));
      });

      it('mutating a listed summary does not change the store', async () => {
        await store.createAccount(account('alice', { name: 'Alice' }));
        const [summary] = await store.listAccounts();
        summary!.name = 'Mallory';
        summary!.username = 'mallory';
        expect(await store.listAccounts()).toStrictEqual([{ username: 'alice', name: 'Alice', createdAt: 1_700_000_000_000 }]);
      });
    });

    describe('awkward usernames and values', () => {
      const awkward = ['jürgen', 'дмитрий', '李小龙', 'smile😀', "o'brien", 'x"; drop table accounts; --', 'a%b', 'a_b', 'back\\slash'];

      it.each(awkward)('round-trips the username %j and finds it exactly', async (username) => {
        const acc = account(username, { name: `${username} ' " ; --`, email: `${username}@example.com` });
        await expect(store.createAccount(acc)).resolves.toBe(true);
        await expect(store.getAccount(username)).resolves.toStrictEqual(acc);
        await expect(store.updateProfile(username, { name: 'renamed' })).resolves.toBe(true);
        await expect(store.setCredentials(username, fakeCredentials('new'))).resolves.toBe(true);
        expect(usernames(await store.listAccounts())).toEqual([username]);
        await expect(store.removeAccount(username)).resolves.toBe(true);
        await expect(store.countAccounts()).resolves.toBe(0);
      });

      it('matches usernames literally (no LIKE wildcards, no normalisation inside the store)', async () => {
        await store.createAccounts([account('a%b'), account('jürgen')]);
        await expect(store.hasAccount('a_b')).resolves.toBe(false);
        await expect(store.hasAccount('a%')).resolves.toBe(false);
        await expect(store.hasAccount('axb')).resolves.toBe(false);
        // The same name in decomposed form (u + combining diaeresis) is a different key.
        await expect(store.hasAccount('ju\u0308rgen')).resolves.toBe(false);
        await expect(store.getAccount('JÜRGEN')).resolves.toBeUndefined();
      });

      it('keeps every awkward account intact side by side', async () => {
        const batch = awkward.map((u) => account(u));
        expect(await store.createAccounts(batch)).toEqual(awkward.map(() => true));
        await expect(store.countAccounts()).resolves.toBe(awkward.length);
        for (const acc of batch) await expect(store.getAccount(acc.username)).resolves.toStrictEqual(acc);
      });
    });
  });
}
