// The key layout of README.md, checked on a real server: which keys the stores write, that every
// key of one user carries that user's hash tag (so each multi-key step stays in one Redis Cluster
// slot), that only the documented global keys have none, and that the key prefix keeps two
// deployments sharing one Redis apart.
import { describe, expect, it } from '@jest/globals';
import { deriveCredentials, removeAccount } from '@deskchat/core';
import { allKeys, hashTagOf, redisOptions, useRedisServer } from './__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { userTag } from './keys.js';
import { openRedisAdminStores, openRedisStores } from './open-stores.js';

const fixture = useRedisServer();

async function useEverything(redis: RedisConnection, username: string): Promise<void> {
  const s = openRedisStores(redis);
  await s.accounts.createAccount({ username, createdAt: 1, credentials: deriveCredentials('pw', 1) });
  await s.vcards.setVCard(username, { xml: '<vCard xmlns="vcard-temp"/>', fields: {} });
  await s.roster.setItem(username, { jid: 'bob@localhost', groups: [], subscription: 'none', isPendingOut: true, isPreApproved: false });
  await s.roster.setRequest(username, { jid: 'carol@localhost', receivedAt: 1 });
  await s.offline.storeMessage(username, { stanza: '<message/>', storedAt: 1 }, { maxMessages: 10, maxBytes: 1_000_000 });
  await s.privateXml.setItem(username, 'prefs urn:x', '<prefs xmlns="urn:x"/>');
  await s.presenceState.setLastSeen(username, { stanza: '<presence type="unavailable"/>', at: 1 });
  await s.presenceState.setSource(username, 'phone', 'on-call');
  await s.settings.set('chat-servers', { primary: 'https://a' });
  const admin = openRedisAdminStores(redis);
  await admin.admins.createAdmin({ name: 'root', passwordHash: 'scrypt$x', createdAt: 1, passwordChangedAt: 1 });
  await admin.apiTokens.createToken({ name: `t-${username}`, hash: Buffer.from(username).toString('hex'), createdAt: 1, createdBy: 'cli' });
  await admin.audit.append({ at: 1, actor: 'cli', action: 'user.add', target: username });
}

const USER_SUFFIXES = ['account', 'offline', 'offline:meta', 'presence:last-seen', 'presence:sources', 'private', 'private:meta', 'roster', 'roster:meta', 'roster:requests', 'vcard'];

describe('key layout (README.md)', () => {
  it('writes exactly the documented keys, each of a user in the slot of {user}', async () => {
    const redis = await fixture.fresh();
    const awkward = 'a}b{c%d';
    await useEverything(redis, 'alice');
    await useEverything(redis, awkward);
    const keys = await allKeys(redis);
    const expected = [
      'test:accounts',
      'test:{admin}:admins',
      'test:{admin}:audit',
      'test:{admin}:audit:last-id',
      'test:{admin}:token-hashes',
      'test:{admin}:tokens',
      'test:{settings}:revision',
      'test:{settings}:values',
      ...USER_SUFFIXES.map((s) => `test:user:{alice}:${s}`),
      ...USER_SUFFIXES.map((s) => `test:user:{a%7Db%7Bc%25d}:${s}`),
    ].sort();
    expect(keys).toEqual(expected);
    for (const username of ['alice', awkward]) {
      const own = keys.filter((k) => k.startsWith(`test:user:{${userTag(username)}}:`));
      expect(new Set(own.map(hashTagOf))).toEqual(new Set([userTag(username)]));
    }
    expect(hashTagOf('test:{settings}:values')).toBe(hashTagOf('test:{settings}:revision'));
    expect(new Set(keys.filter((k) => k.startsWith('test:{admin}')).map(hashTagOf))).toEqual(new Set(['admin']));
  });

  it('removes every key of a user on account removal, and only theirs', async () => {
    const redis = await fixture.fresh();
    await useEverything(redis, 'alice');
    await useEverything(redis, 'bob');
    const s = openRedisStores(redis);
    await expect(removeAccount(s, 'alice')).resolves.toBe(true); // core's account removal, over every store
    const keys = await allKeys(redis);
    expect(keys.filter((k) => k.includes('{alice}'))).toEqual([]);
    expect(keys.filter((k) => k.includes('{bob}'))).toHaveLength(USER_SUFFIXES.length);
  });

  it('keeps two key prefixes on one Redis apart', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server, { keyPrefix: 'other:' }));
    try {
      await useEverything(redis, 'alice');
      const mine = openRedisStores(redis);
      const theirs = openRedisStores(other);
      await expect(theirs.accounts.hasAccount('alice')).resolves.toBe(false);
      await expect(theirs.accounts.countAccounts()).resolves.toBe(0);
      await expect(theirs.settings.list()).resolves.toEqual({});
      await theirs.accounts.createAccount({ username: 'alice', createdAt: 2, credentials: deriveCredentials('other', 1) });
      await expect(mine.accounts.getAccount('alice')).resolves.toHaveProperty('createdAt', 1);
      expect((await allKeys(redis)).every((k) => k.startsWith('test:') || k.startsWith('other:'))).toBe(true);
    } finally {
      await other.close();
    }
  });
});
