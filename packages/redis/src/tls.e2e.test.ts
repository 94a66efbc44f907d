// TLS to Redis behind Sentinel and to a Redis Cluster (issue 14: "Sentinel and data-node passwords
// and TLS supported"): real servers that listen on TLS only (no plain port), with one self-signed
// certificate the client is given as its CA (`tls.ca`) — the Sentinels, the primary and its replica
// (replication over TLS too), or three Cluster primaries (cluster bus over TLS). The stores, durable
// writes with WAIT, the node bus and a Sentinel promotion all work over it, and a client that does not
// trust the certificate is refused at start with a message that says so.
import { afterAll, describe, expect, it } from '@jest/globals';
import type { BusMessage, RosterItem } from '@deskchat/core';
import { startRedisCluster, startRedisSentinelGroup, type RedisSentinelGroup, type RedisTestCluster } from '@deskchat/testing';
import { connectRedis, type RedisConnection } from './connection.js';
import { RedisConnectError } from './errors.js';
import { openRedisSharedState } from './open-shared-state.js';
import { openRedisStores } from './open-stores.js';
import { parseRedisOptions } from './options.js';

const PASSWORD = 'tls-data-secret';
const FAST = { commandTimeoutMs: 500, healthCheckIntervalMs: 100, reconnect: { minDelayMs: 20, maxDelayMs: 200 }, keyPrefix: 'tls-test:' };
const item = (jid: string): RosterItem => ({ jid, groups: [], subscription: 'both', isPendingOut: false, isPreApproved: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

const closing: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closing.reverse()) await close().catch(() => undefined);
});

describe('Redis behind Sentinel over TLS', () => {
  let group: RedisSentinelGroup;
  let redis: RedisConnection;

  it('reaches the primary through TLS-only Sentinels: stores, a durable write acknowledged by the replica (WAIT), and the node bus', async () => {
    group = await startRedisSentinelGroup({ tls: true, password: PASSWORD, downAfterMs: 1000 });
    closing.push(() => group.stop());
    expect(group.ca).toMatch(/BEGIN CERTIFICATE/);
    redis = await connectRedis(parseRedisOptions({ sentinels: group.sentinelAddresses.join(','), masterName: group.masterName, password: PASSWORD, tls: { enabled: true, ca: group.ca }, ...FAST }));
    closing.push(() => redis.close());
    const stores = openRedisStores(redis);
    await expect(stores.roster.setItem('alice', item('bob@localhost'))).resolves.toBe(1);
    // The durable write waited for the replica, which replicates over TLS.
    await expect(group.replicas[0]!.cli('HKEYS', 'tls-test:user:{alice}:roster')).resolves.toBe('bob@localhost');
    const shared = openRedisSharedState(redis, { node: 'n1' });
    closing.push(() => shared.close());
    const received: BusMessage[] = [];
    await shared.bus.subscribe('n1', (m) => void received.push(m));
    await shared.bus.publish('n1', { type: 'stanza', to: 'alice@localhost/a', stanza: '<message id="tls"/>' });
    await waitFor('the bus message', () => received.length === 1, 5000);
  }, 60_000);

  it('follows the replica Sentinel promotes after the primary is killed, over TLS', async () => {
    const stores = openRedisStores(redis);
    const oldPort = group.primary.port;
    const { killedAt } = await group.killPrimary();
    let version: number | undefined;
    while (version === undefined) {
      version = await stores.roster.setItem('alice', item('carol@localhost')).catch(async (err: Error) => {
        // Sentinel may retry a split election after 10 s: the bound is generous; this test is about TLS.
        if (Date.now() - killedAt > 40_000) throw new Error(`no write within 40 s of the kill: ${err.message}`);
        await sleep(50);
        return undefined;
      });
    }
    expect((await group.currentPrimary()).port).not.toBe(oldPort);
    expect((await group.replicas[0]!.cli('HKEYS', 'tls-test:user:{alice}:roster')).split('\n').sort()).toEqual(['bob@localhost', 'carol@localhost']);
  }, 60_000);

  it('refuses at start a certificate it was not told to trust, and says so', async () => {
    const options = parseRedisOptions({ sentinels: group.sentinelAddresses.join(','), masterName: group.masterName, password: PASSWORD, tls: { enabled: true }, ...FAST, startTimeoutMs: 1000 });
    const err = await connectRedis(options).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RedisConnectError);
    expect(String((err as Error).message)).toMatch(/certificate/i);
  });
});

describe('Redis Cluster over TLS', () => {
  let cluster: RedisTestCluster;

  it('reads the slot map and writes on every shard over TLS (clients and cluster bus)', async () => {
    cluster = await startRedisCluster({ tls: true, password: PASSWORD });
    closing.push(() => cluster.stop());
    const redis = await connectRedis(parseRedisOptions({ clusterNodes: cluster.addresses[0]!, password: PASSWORD, tls: { enabled: true, ca: cluster.ca }, ...FAST }));
    closing.push(() => redis.close());
    const stores = openRedisStores(redis);
    const users = Array.from({ length: 12 }, (_, i) => `user${i}`);
    for (const user of users) await stores.roster.setItem(user, item('bob@localhost'));
    for (const user of users) await expect(stores.roster.getRoster(user)).resolves.toMatchObject({ items: [item('bob@localhost')] });
    // Twelve users' keys landed on more than one shard: the cluster client really routed over TLS.
    const sizes = await redis.runOnPrimaries('dbSize', (c) => c.dbSize());
    expect(sizes.filter((n) => n > 0).length).toBeGreaterThan(1);
  }, 60_000);
});
