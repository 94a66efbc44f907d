// Issue 14, "Keys ready for Redis Cluster": every storage contract suite of the single-server e2e
// tests again, on a three-primary Redis Cluster started by the test (`redis-cli --cluster create`),
// through `clusterNodes` (node-redis's cluster client, cluster-link.ts). A multi-key MULTI or
// script crossing slots would fail here with CROSSSLOT; a command sent to "the server" would reach
// one random primary. And what the cluster adds: the data really spread over the three primaries,
// maintenance and the persistence check on every primary, the node bus's blocking reads on the
// shard of each node's stream, rate limiters counted once for two nodes.
import { describe, expect, it } from '@jest/globals';
import { MemoryPresenceStore, RateLimitedSignIns, type Account } from '@deskchat/core';
import {
  accountStoreContract,
  adminStoresContract,
  blockListStoreContract,
  archiveStoreContract,
  pepStoreContract,
  pubsubSubscriptionStoreContract,
  boshStateContract,
  clusterRegistryContract,
  coordinationContract,
  mucOccupantStoreContract,
  mucRoomStoreContract,
  offlineStoreContract,
  presenceStoreContract,
  privateXmlStoreContract,
  rosterStoreContract,
  sessionDirectoryContract,
  settingsStoreContract,
  streamResumptionStoreContract,
  vcardStoreContract,
  freePort,
} from '@deskchat/testing';
import { allKeys, useRedisCluster } from './__tests__/redis-fixture.js';
import { RedisClusterRegistry } from './cluster/redis-cluster-registry.js';
import { RedisBlockListStore } from './stores/redis-block-list-store.js';
import { RedisArchiveStore } from './stores/redis-archive-store.js';
import { RedisPepStore } from './stores/redis-pep-store.js';
import { RedisPubsubSubscriptionStore } from './stores/redis-pubsub-subscription-store.js';
import { connectRedis } from './connection.js';
import { RedisUnavailableError } from './errors.js';
import { parseRedisOptions } from './options.js';
import { importAdmin, importSettings, importUser } from './import.js';
import { reindexAccounts } from './maintenance.js';
import { openRedisAdminStores } from './open-stores.js';
import { checkPersistence } from './persistence.js';
import { RedisAccountStore } from './stores/redis-account-store.js';
import { RedisMucRoomStore } from './stores/redis-muc-room-store.js';
import { RedisOfflineStore } from './stores/redis-offline-store.js';
import { RedisPresenceStateStore } from './stores/redis-presence-state-store.js';
import { RedisPrivateXmlStore } from './stores/redis-private-xml-store.js';
import { RedisRosterStore } from './stores/redis-roster-store.js';
import { RedisSettingsStore } from './stores/redis-settings-store.js';
import { RedisVCardStore } from './stores/redis-vcard-store.js';
import { redisSignInCounters } from './volatile/rate-limiters.js';
import { RedisBoshStateStore } from './volatile/redis-bosh-state.js';
import { RedisChatLockStore } from './volatile/redis-chat-lock-store.js';
import { RedisLocks } from './volatile/redis-locks.js';
import { RedisMucOccupantStore } from './volatile/redis-muc-occupant-store.js';
import { RedisNodeBus } from './volatile/redis-node-bus.js';
import { RedisPresenceStore } from './volatile/redis-presence-store.js';
import { RedisSessionDirectory } from './volatile/redis-session-directory.js';
import { RedisStreamResumptionStore } from './volatile/redis-stream-resumption-store.js';

const fixture = useRedisCluster();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const account = (username: string): Account => ({
  username,
  createdAt: 1,
  credentials: { 'SHA-1': { salt: 'a', iterations: 1, storedKey: 'b', serverKey: 'c' }, 'SHA-256': { salt: 'd', iterations: 1, storedKey: 'e', serverKey: 'f' } },
});

// The durable stores.
accountStoreContract('redis cluster', async () => ({ store: new RedisAccountStore(await fixture.fresh()) }));
blockListStoreContract('redis cluster', async () => ({ store: new RedisBlockListStore(await fixture.fresh()) }));
archiveStoreContract('redis cluster', async () => ({ store: new RedisArchiveStore(await fixture.fresh()) }));
pepStoreContract('redis cluster', async () => ({ store: new RedisPepStore(await fixture.fresh()) }));
pubsubSubscriptionStoreContract('redis cluster', async () => ({ store: new RedisPubsubSubscriptionStore(await fixture.fresh()) }));
adminStoresContract('redis cluster', async () => ({ stores: openRedisAdminStores(await fixture.fresh()) }));
mucRoomStoreContract('redis cluster', async () => ({ store: new RedisMucRoomStore(await fixture.fresh()) }));
offlineStoreContract('redis cluster', async () => ({ store: new RedisOfflineStore(await fixture.fresh()) }));
presenceStoreContract('memory over redis cluster', async () => ({ store: new MemoryPresenceStore(new RedisPresenceStateStore(await fixture.fresh())) }));
privateXmlStoreContract('redis cluster', async () => ({ store: new RedisPrivateXmlStore(await fixture.fresh()) }));
rosterStoreContract('redis cluster', async () => ({ store: new RedisRosterStore(await fixture.fresh()) }));
settingsStoreContract('redis cluster', async () => ({ store: new RedisSettingsStore(await fixture.fresh()) }));
vcardStoreContract('redis cluster', async () => ({ store: new RedisVCardStore(await fixture.fresh()) }));

// The shared (volatile) state, two connections standing for two nodes where the contract has two.
boshStateContract('redis cluster', async () => ({ store: new RedisBoshStateStore(await fixture.fresh()) }));
mucOccupantStoreContract('redis cluster', async () => ({ store: new RedisMucOccupantStore(await fixture.fresh()) }));
presenceStoreContract('redis cluster', async () => ({ store: new RedisPresenceStore(await fixture.fresh()) }));
sessionDirectoryContract('redis cluster', async () => ({ directory: new RedisSessionDirectory(await fixture.fresh()) }));
streamResumptionStoreContract('redis cluster', async () => {
  const redis = await fixture.fresh();
  const other = await fixture.connect();
  return { stores: [new RedisStreamResumptionStore(redis), new RedisStreamResumptionStore(other)], cleanup: () => other.close() };
});
coordinationContract('redis cluster', async () => {
  const first = await fixture.fresh();
  const second = await fixture.connect();
  const buses = [new RedisNodeBus(first, { listenerTtlMs: 1_000 }), new RedisNodeBus(second, { listenerTtlMs: 1_000 })] as const;
  return {
    bus: [buses[0], buses[1]],
    locks: [new RedisLocks(first), new RedisLocks(second)],
    chatLocks: new RedisChatLockStore(first),
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()));
      await second.close();
    },
  };
});
clusterRegistryContract('redis cluster', async () => ({
  registry: new RedisClusterRegistry(await fixture.fresh()),
  advance: (ms) => sleep(ms),
  ttl: { long: 30_000, short: 1_200 },
}));

describe('DeskChat on a three-primary Redis Cluster', () => {
  it('spreads users over every primary, each user\'s keys on one of them', async () => {
    const redis = await fixture.fresh();
    const accounts = new RedisAccountStore(redis);
    const rosters = new RedisRosterStore(redis);
    const users = Array.from({ length: 30 }, (_, i) => `user${i}`);
    await accounts.createAccounts(users.map(account));
    for (const u of users) await rosters.setRequest(u, { jid: 'bob@localhost', receivedAt: 5 });
    const perPrimary = await redis.runOnPrimaries('test:keys', (c) => c.keys('test:user:*'));
    expect(perPrimary).toHaveLength(3);
    for (const keys of perPrimary) expect(keys.length).toBeGreaterThan(0);
    // Each user's account and roster keys sit on the same primary.
    for (const u of users) {
      const holders = perPrimary.filter((keys) => keys.some((k) => k.startsWith(`test:user:{${u}}:`)));
      expect(holders).toHaveLength(1);
      expect(holders[0]!.filter((k) => k.startsWith(`test:user:{${u}}:`)).sort()).toEqual([`test:user:{${u}}:account`, `test:user:{${u}}:roster:meta`, `test:user:{${u}}:roster:requests`]);
    }
    // And the one global key here, the account index, on one of them.
    expect(await allKeys(redis)).toEqual([...perPrimary.flat(), 'test:accounts'].sort());
  });

  it('rebuilds the account index from the account hashes of every primary', async () => {
    const redis = await fixture.fresh();
    const accounts = new RedisAccountStore(redis);
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    await accounts.createAccounts(users.map(account));
    await redis.run('test', (c) => c.del(redis.keys.accountIndex));
    await expect(accounts.listAccounts()).resolves.toEqual([]);
    await expect(reindexAccounts(redis)).resolves.toEqual({ accounts: 12, added: 12, removed: 0 });
    expect((await accounts.listAccounts()).map((a) => a.username).sort()).toEqual([...users].sort());
  });

  it('imports users, settings and administration (deskchat migrate) each in one MULTI on its own primary', async () => {
    const redis = await fixture.fresh();
    const item = { jid: 'bob@localhost', groups: ['Friends'], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
    for (const username of ['alice', 'carol', 'dave']) {
      await importUser(redis, {
        username,
        account: account(username),
        roster: { version: 7, items: [item] },
        requests: [{ jid: 'eve@localhost', receivedAt: 5 }],
        offline: [{ id: 3, stanza: '<message><body>hi</body></message>', storedAt: 9 }],
        privateXml: {},
        presenceSources: { phone: 'away' },
      });
    }
    await importSettings(redis, { motd: { value: 'hello', updatedAt: 1, revision: 4 } });
    await importAdmin(redis, { admins: [], apiTokens: [{ name: 'ci', hash: 'ab'.repeat(32), createdAt: 1, createdBy: 'cli' }], audit: [{ id: 12, at: 1, actor: 'cli', action: 'user.add', target: 'alice' }] });
    await reindexAccounts(redis);
    const stores = { accounts: new RedisAccountStore(redis), rosters: new RedisRosterStore(redis), offline: new RedisOfflineStore(redis), settings: new RedisSettingsStore(redis), admin: openRedisAdminStores(redis) };
    expect((await stores.accounts.listAccounts()).map((a) => a.username)).toEqual(['alice', 'carol', 'dave']);
    for (const username of ['alice', 'carol', 'dave']) {
      await expect(stores.rosters.getRoster(username)).resolves.toEqual({ version: 7, items: [item] });
      expect((await stores.rosters.getRequests(username)).map((r) => r.jid)).toEqual(['eve@localhost']);
      await expect(stores.offline.listMessages(username)).resolves.toEqual([{ id: 3, stanza: '<message><body>hi</body></message>', storedAt: 9 }]);
    }
    await expect(stores.settings.list()).resolves.toEqual({ motd: { value: 'hello', updatedAt: 1, revision: 4 } });
    await expect(stores.admin.apiTokens.findTokenByHash('ab'.repeat(32))).resolves.toMatchObject({ name: 'ci' });
    expect((await stores.admin.audit.list()).map((e) => e.id)).toEqual([12]);
  });

  it('asks every primary whether it persists (none does here)', async () => {
    const report = await checkPersistence(await fixture.fresh());
    expect(report).toMatchObject({ isPersistent: false, source: 'config', summary: '3 primaries: AOF off, RDB snapshots off' });
  });

  it('counts failed sign-ins once for two nodes', async () => {
    const redis = await fixture.fresh();
    const other = await fixture.connect();
    try {
      const limits = { authFailuresPerUser: 2, authFailuresPerAddress: 5, authLockoutSeconds: 60 };
      const a = new RateLimitedSignIns(redisSignInCounters(redis, limits));
      const b = new RateLimitedSignIns(redisSignInCounters(other, limits));
      await a.recordFailure('10.0.0.1', 'alice');
      await expect(b.isAllowed('10.0.0.1', 'alice')).resolves.toBe(true);
      await b.recordFailure('10.0.0.1', 'alice');
      await expect(a.isAllowed('10.0.0.1', 'alice')).resolves.toBe(false);
    } finally {
      await other.close();
    }
  });

  it('finds every primary from one node it is given, and gives up on an unreachable cluster with a message', async () => {
    const one = await fixture.connect({ clusterNodes: fixture.cluster.addresses[2] });
    try {
      const ports = await one.runOnPrimaries('test:port', async (c) => Number((await c.configGet('port')).port));
      expect(ports.sort()).toEqual(fixture.cluster.nodes.map((n) => n.port).sort());
    } finally {
      await one.close();
    }
    const port = await freePort();
    const started = Date.now();
    await expect(connectRedis(parseRedisOptions({ clusterNodes: `127.0.0.1:${port}`, startTimeoutMs: 500 }))).rejects.toThrow(
      new RegExp(`^Redis Cluster redis-cluster://127\\.0\\.0\\.1:${port} gave no slot map or unreachable primaries \\(.*ECONNREFUSED.*\\) after 0\\.[5-9] s$`),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('sends the password to every node, and says so when the nodes refuse it', async () => {
    const started = Date.now();
    await expect(fixture.connect({ password: 'wrong', startTimeoutMs: 5000 })).rejects.toThrow(/^Redis Cluster redis-cluster:\/\/.* refused the credentials \(WRONGPASS.*\); check cluster\.redis\.password$/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('is unavailable while one primary does not answer, and available again when it does', async () => {
    const other = await fixture.connect({ healthCheckIntervalMs: 100, commandTimeoutMs: 300 });
    const accounts = new RedisAccountStore(other);
    const waitFor = async (what: string, test: () => boolean) => {
      for (const deadline = Date.now() + 10_000; !test(); await sleep(20)) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    };
    try {
      await fixture.fresh();
      await expect(accounts.countAccounts()).resolves.toBe(0);
      fixture.cluster.nodes[1]!.pause();
      await waitFor('the health PING to notice', () => !other.isAvailable);
      await expect(accounts.countAccounts()).rejects.toThrow(RedisUnavailableError);
      fixture.cluster.nodes[1]!.resume();
      await waitFor('every primary to answer again', () => other.isAvailable);
      await expect(accounts.countAccounts()).resolves.toBe(0);
    } finally {
      fixture.cluster.nodes[1]!.resume();
      await other.close();
    }
  });
});
