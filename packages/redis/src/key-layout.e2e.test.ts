// The key layout of README.md, checked on a real server: which keys the stores write, that every
// key of one user carries that user's hash tag (so each multi-key step stays in one Redis Cluster
// slot), that only the documented global keys have none, and that the key prefix keeps two
// deployments sharing one Redis apart.
import { describe, expect, it } from '@jest/globals';
import { RateLimitedSignIns, deriveCredentials, removeAccount } from '@deskchat/core';
import { allKeys, hashTagOf, redisOptions, useRedisServer } from './__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { userTag } from './keys.js';
import { openRedisSharedState } from './open-shared-state.js';
import { openRedisAdminStores, openRedisStores } from './open-stores.js';
import { redisSignInCounters } from './volatile/rate-limiters.js';

const fixture = useRedisServer();

async function useEverything(redis: RedisConnection, username: string): Promise<void> {
  const s = openRedisStores(redis);
  await s.accounts.createAccount({ username, createdAt: 1, credentials: deriveCredentials('pw', 1) });
  await s.vcards.setVCard(username, { xml: '<vCard xmlns="vcard-temp"/>', fields: {} });
  await s.roster.setItem(username, { jid: 'bob@localhost', groups: [], subscription: 'none', isPendingOut: true, isPreApproved: false });
  await s.roster.setRequest(username, { jid: 'carol@localhost', receivedAt: 1 });
  await s.offline.storeMessage(username, { stanza: '<message/>', storedAt: 1 }, { maxMessages: 10, maxBytes: 1_000_000 });
  await s.privateXml.setItem(username, 'prefs urn:x', '<prefs xmlns="urn:x"/>');
  await s.blockList.block(username, ['mallory@localhost']);
  await s.archive.append(username, { at: 1, with: ['bob@localhost'], stanza: '<message/>' }, { maxMessages: 10, maxBytes: 1_000_000 });
  await s.archive.setPrefs(username, { default: 'always', always: [], never: [] });
  await s.pep.setNode(username, 'urn:xmpp:avatar:metadata', { accessModel: 'presence', maxItems: 1, persistItems: true, notifyRetract: false, sendLastPublishedItem: 'on_sub_and_presence' });
  await s.pep.publishItem(username, 'urn:xmpp:avatar:metadata', { id: 'a', xml: '<metadata xmlns="urn:xmpp:avatar:metadata"/>', publisher: `${username}@localhost/desk`, publishedAt: 1 });
  await s.pep.setCaps('sha-1 x=', ['urn:xmpp:avatar:metadata+notify']);
  await s.presenceState.setLastSeen(username, { stanza: '<presence type="unavailable"/>', at: 1 });
  await s.presenceState.setSource(username, 'phone', 'on-call');
  await s.settings.set('chat-servers', { primary: 'https://a' });
  const admin = openRedisAdminStores(redis);
  await admin.admins.createAdmin({ name: 'root', passwordHash: 'scrypt$x', createdAt: 1, passwordChangedAt: 1 });
  await admin.apiTokens.createToken({ name: `t-${username}`, hash: Buffer.from(username).toString('hex'), createdAt: 1, createdBy: 'cli' });
  await admin.audit.append({ at: 1, actor: 'cli', action: 'user.add', target: username });
  await admin.invitations.createInvitation({ hash: Buffer.from(username).toString('hex'), createdAt: 1, createdBy: 'cli', expiresAt: 2 });
}

const USER_SUFFIXES = ['account', 'archive', 'archive:messages', 'archive:meta', 'archive:prefs', 'archive:with', 'blocked', 'offline', 'offline:meta', 'pep:items', 'pep:meta', 'pep:nodes', 'pep:order', 'presence:last-seen', 'presence:sources', 'private', 'private:meta', 'roster', 'roster:meta', 'roster:requests', 'vcard'];

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
      'test:{admin}:invitations',
      'test:{admin}:token-hashes',
      'test:{admin}:tokens',
      'test:{caps}:features',
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

  it('writes exactly the documented shared-state keys: per user under {user}, per node under {node}, per lock under {lock}, per resumable stream under {SM-ID}, the registry in {cluster}', async () => {
    const redis = await fixture.fresh();
    const shared = openRedisSharedState(redis, { node: 'imp1a' });
    const awkward = 'a}b{c%d';
    for (const user of ['alice', awkward]) {
      await shared.directory.register({ username: user, resource: 'desk', sessionId: 's1', node: 'imp1a', transport: 'tcp', isAvailable: true, priority: 0, carbons: false, interested: false, boundAt: 1 }, { maxPerUser: 5, onConflict: 'replace' });
      await shared.presence.setAvailable(user, 'desk', 's1', '<presence/>');
      await shared.presence.addDirected(user, 'desk', 's1', 'room@conference.localhost/x');
      await shared.chatLocks.lock(user, 'bob@localhost', { resource: 'desk', sessionId: 's1', lastActive: 1 });
    }
    await shared.bus.publish('imp1b', { type: 'iq-reply', stanza: '<iq type="result" id="x"/>' });
    const off = await shared.bus.subscribe('imp1a', () => undefined);
    await shared.registry.join({ name: 'imp1a', pair: 'pair1', instance: 'i1', host: 'h', port: 5222, bosh: 'https://h/http-bind', websocket: 'wss://h/ws', startedAt: 1 }, 10_000);
    await shared.registry.assign('alice', 'imp1a');
    // A lock being waited for: its holder key, queue and waiters.
    let release!: () => void;
    const held = shared.locks.withLock('roster:alice', () => new Promise<void>((r) => (release = r)));
    const waiting = openRedisSharedState(redis, { node: 'imp1b' }).locks.withLock('roster:alice', async () => undefined);
    while ((await redis.client.exists('test:lock:{roster:alice}:queue')) === 0) await new Promise((r) => setTimeout(r, 5));
    await shared.resumption.create({ id: 'sm-1', username: 'alice', resource: 'desk', sessionId: 's1', node: 'imp1a', epoch: 0, maxSeconds: 300, inbound: 0, acked: 0, unacked: [] });
    await shared.resumption.push('sm-1', 0, '<message/>');
    await new RateLimitedSignIns(redisSignInCounters(redis, { authFailuresPerUser: 5, authFailuresPerAddress: 50, authLockoutSeconds: 60 })).recordFailure('10.0.0.1', 'alice');

    const keys = await allKeys(redis);
    const perUser = (t: string) => ['chat-locks', 'presence:available', 'presence:directed', 'sessions'].map((s) => `test:user:{${t}}:${s}`);
    expect(keys).toEqual(
      [
        ...perUser('alice'),
        ...perUser('a%7Db%7Bc%25d'),
        'test:node:{imp1a}:sessions',
        'test:node:{imp1a}:bus:listener',
        'test:node:{imp1a}:sm',
        'test:node:{imp1b}:bus',
        'test:sm:{sm-1}:record',
        'test:sm:{sm-1}:unacked',
        'test:lock:{roster:alice}',
        'test:lock:{roster:alice}:queue',
        'test:lock:{roster:alice}:waiters',
        'test:{cluster}:alive:imp1a',
        'test:{cluster}:assigned-counts',
        'test:{cluster}:assignments',
        'test:{cluster}:last-seen',
        'test:{cluster}:nodes',
        'test:{chat-locks}:idle',
        'test:rate:sign-in-address:10.0.0.1',
        'test:rate:sign-in-user:10.0.0.1\u0000alice',
      ].sort(),
    );
    for (const [prefix, tag] of [['test:user:{alice}', 'alice'], ['test:node:{imp1a}', 'imp1a'], ['test:lock:{roster:alice}', 'roster:alice'], ['test:sm:{sm-1}', 'sm-1'], ['test:{cluster}', 'cluster']]) {
      expect(new Set(keys.filter((k) => k.startsWith(prefix!)).map(hashTagOf))).toEqual(new Set([tag]));
    }
    // TTLs: liveness, locks and resumable streams lapse by themselves; the directory, presence and assignments do not.
    for (const k of ['test:sm:{sm-1}:record', 'test:sm:{sm-1}:unacked', 'test:node:{imp1a}:bus:listener', 'test:lock:{roster:alice}', 'test:lock:{roster:alice}:queue', 'test:{cluster}:alive:imp1a', 'test:rate:sign-in-address:10.0.0.1']) {
      expect(await redis.client.pTTL(k)).toBeGreaterThan(0);
    }
    for (const k of ['test:user:{alice}:sessions', 'test:node:{imp1a}:sessions', 'test:node:{imp1a}:sm', 'test:node:{imp1b}:bus', 'test:{cluster}:assignments']) expect(await redis.client.pTTL(k)).toBe(-1);
    release();
    await Promise.all([held, waiting]);
    await off();
  });

  it('removes every key of a user on account removal, and only theirs', async () => {
    const redis = await fixture.fresh();
    await useEverything(redis, 'alice');
    await useEverything(redis, 'bob');
    const s = openRedisStores(redis);
    await expect(removeAccount(s, 'alice', { domain: 'localhost' })).resolves.toBe(true); // core's account removal, over every store
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
