// A DeskChat node process behind Redis Sentinel (issue 14): the node is started with
// DESKCHAT_REDIS_SENTINELS and DESKCHAT_REDIS_MASTER_NAME only (no URL), serves real XMPP clients
// over TCP, and when the Redis primary is killed (SIGKILL) and Sentinel promotes the replica, the
// node follows by itself: /readyz is ready again, a new sign-in (a session directory write) works
// within 10 s and its message reaches a session that was signed in before the kill, without
// restarting the node. Runs the built dist/
// (`npm run build` first).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { deriveCredentials } from '@deskchat/core';
import { RedisClusterRegistry, connectRedis, openRedisStores, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { startRedisSentinelGroup, type RedisSentinelGroup } from '@deskchat/testing';
import { startNodeProcess, type NodeProcess } from './__tests__/node-process.js';

// A Redis outage longer than cluster.deadAfterSeconds (default 6 s, heartbeat 2 s) gets a node
// declared dead and fenced — every stream closed — when Redis returns (docs/cluster.md). A
// Sentinel switch-over takes ~4–5 s here, so the node is given room: heartbeat 1 s, dead after 12 s.
// No fencing during a switch-over, even one whose Sentinel election is retried (~15 s): heartbeat 1 s, dead after 30 s.
const NO_FENCING = { DESKCHAT_HEARTBEAT_SECONDS: '1', DESKCHAT_DEAD_AFTER_SECONDS: '30' };

let group: RedisSentinelGroup;
let connection: RedisConnection;
let node: NodeProcess;
const clients: Client[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function signIn(user: string, resource: string, onStanza: (el: Element) => void = () => undefined): Promise<Client> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${node.c2s}`, domain: 'localhost', username: user, password: `pw-${user}`, resource, timeout: 5000 });
  xmpp.on('error', () => {});
  xmpp.on('stanza', onStanza);
  xmpp.reconnect.stop();
  clients.push(xmpp);
  await xmpp.start();
  return xmpp;
}

async function isReady(): Promise<boolean> {
  return fetch(`http://127.0.0.1:${node.admin}/readyz`).then((r) => r.ok, () => false);
}

beforeAll(async () => {
  group = await startRedisSentinelGroup({ downAfterMs: 1000 });
  const sentinels = group.sentinelAddresses.join(',');
  connection = await connectRedis(parseRedisOptions({ sentinels, masterName: group.masterName }, 'test'));
  const stores = openRedisStores(connection);
  const registry = new RedisClusterRegistry(connection);
  for (const user of ['alice', 'bob']) {
    await stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`, 4096) });
    await registry.assign(user, 'n1');
  }
  node = await startNodeProcess({ name: 'n1', pair: 'p1', redisUrl: '', env: { DESKCHAT_REDIS_SENTINELS: sentinels, DESKCHAT_REDIS_MASTER_NAME: group.masterName, DESKCHAT_FILES_PROXY_PORT: '0', ...NO_FENCING } });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
  await node?.stop();
  await connection?.close();
  await group?.stop();
});

describe('a DeskChat node behind Redis Sentinel', () => {
  it('follows the promoted replica after the primary is killed: ready again, sign-in and messages within 10 s', async () => {
    expect(await isReady()).toBe(true);
    const received: string[] = [];
    const bob = await signIn('bob', 'desk', (el) => {
      if (el.is('message') && el.getChildText('body')) received.push(el.getChildText('body')!);
    });
    await bob.send(xml('presence'));
    const alice = await signIn('alice', 'desk');
    await alice.send(xml('message', { to: 'bob@localhost/desk', type: 'chat' }, xml('body', {}, 'before')));
    for (const deadline = Date.now() + 5000; !received.includes('before'); await sleep(20)) if (Date.now() > deadline) throw new Error('no message before the failover');

    const { killedAt, promotedMs: promotion } = await group.killPrimary();
    for (const deadline = Date.now() + 5000; await isReady(); await sleep(20)) if (Date.now() > deadline) throw new Error('/readyz never noticed the primary was gone');
    const notReadyMs = Date.now() - killedAt;
    let readyMs = 0;
    for (;;) {
      if (await isReady()) break;
      if (Date.now() - killedAt > 40_000) throw new Error(`/readyz not ready 40 s after the kill: ${node.log().slice(-2000)}`);
      await sleep(50);
    }
    readyMs = Date.now() - killedAt;
    // A new session: its directory entry is written to the new primary.
    let after: Client | undefined;
    while (!after) {
      after = await signIn('alice', 'after').catch(() => undefined);
      if (!after && Date.now() - killedAt > 40_000) throw new Error('no sign-in within 40 s of the kill');
    }
    const signInMs = Date.now() - killedAt;
    await after.send(xml('message', { to: 'bob@localhost/desk', type: 'chat' }, xml('body', {}, 'after')));
    for (const deadline = Date.now() + 5000; !received.includes('after'); await sleep(20)) if (Date.now() > deadline) throw new Error(`no message after the failover: ${node.log().slice(-4000)}`);
    const promotedMs = await promotion;
    process.stdout.write(`sentinel failover with a node process: promoted ${promotedMs} ms after the kill; /readyz not ready after ${notReadyMs} ms, ready again after ${readyMs} ms, new sign-in after ${signInMs} ms\n`);

    // Issue 14's bound, from Sentinel's promotion (its own election is not DeskChat's to bound).
    expect(readyMs - promotedMs).toBeLessThan(10_000);
    expect(signInMs - promotedMs).toBeLessThan(10_000);
    expect((await group.currentPrimary()).port).toBe(group.replicas[0]!.port);
    expect(node.log()).not.toMatch(/uncaught|unhandled/i);
  }, 90_000);
});
