// Redis restarted under light load, with real processes (docs/cluster.md, fencing; packages/redis
// README, persistence): imp1a (pair1) and imp2a (pair2) on a real redis-server with AOF, heartbeat
// 1 s and dead-after 3 s; alice on imp1a and bob on imp2a chat all along. Redis is killed (SIGKILL)
// and stays away longer than dead-after — both nodes fence (their streams end with
// system-shutdown) — then is started again on the same port and directory. Asserted:
//   - the nodes recover by themselves: ready again, new sign-ins accepted, no restart of the nodes;
//   - durable data is intact: accounts (sign-in with the same password), rosters (both ways, with
//     the subscription state) and offline messages stored before the outage (delivered once);
//   - cross-node traffic works again both ways.
// (A shorter outage, less than dead-after, with in-process nodes: cluster-faults.e2e.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { deriveCredentials } from '@deskchat/core';
import { RedisClusterRegistry, connectRedis, openRedisStores, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { startNodeProcess, type NodeProcess } from './__tests__/node-process.js';

const CLUSTER_ENV = { DESKCHAT_HEARTBEAT_SECONDS: '1', DESKCHAT_DEAD_AFTER_SECONDS: '3' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: RedisTestServer;
let connection: RedisConnection;
let imp1a: NodeProcess;
let imp2a: NodeProcess;
const clients: Client[] = [];

async function until<T>(check: () => T | Promise<T>, what: () => string, timeoutMs: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(100);
  }
}

interface Online {
  xmpp: Client;
  stanzas: Element[];
  isOffline: () => boolean;
  /** The stream error the server ended the stream with, if any. */
  streamError: () => string | undefined;
}

async function signIn(node: NodeProcess, user: string, resource: string): Promise<Online> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${node.c2s}`, domain: 'localhost', username: user, password: `pw-${user}`, resource, timeout: 5000 });
  const stanzas: Element[] = [];
  let isOffline = false;
  let streamError: string | undefined;
  xmpp.on('error', (err: { condition?: string }) => void (streamError ??= err.condition));
  xmpp.on('disconnect', () => (isOffline = true));
  xmpp.on('offline', () => (isOffline = true));
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  xmpp.reconnect.stop();
  await xmpp.start();
  clients.push(xmpp);
  return { xmpp, stanzas, isOffline: () => isOffline, streamError: () => streamError };
}

async function signInOnceServed(node: NodeProcess, user: string, resource: string, timeoutMs: number): Promise<Online> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await signIn(node, user, resource);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

const isReady = (node: NodeProcess) => fetch(`http://127.0.0.1:${node.admin}/readyz`).then((r) => r.status === 200, () => false);
const bodies = (o: Online) => o.stanzas.filter((el) => el.is('message') && el.attrs.type !== 'error').map((el) => el.getChildText('body'));
const chat = (to: string, body: string) => xml('message', { to, type: 'chat' }, xml('body', {}, body));

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  connection = await connectRedis(parseRedisOptions({ url: redis.url }, 'test'));
  const stores = openRedisStores(connection);
  const registry = new RedisClusterRegistry(connection);
  for (const user of ['alice', 'bob', 'dave']) await stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`, 4096) });
  await registry.assign('alice', 'imp1a');
  await registry.assign('dave', 'imp1a');
  await registry.assign('bob', 'imp2a');
  const both = { groups: ['friends'], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
  await stores.roster.setItem('alice', { jid: 'bob@localhost', name: 'Bob', ...both });
  await stores.roster.setItem('bob', { jid: 'alice@localhost', name: 'Alice', ...both });
  await connection.close();
  const cluster = { redisUrl: redis.url, env: { ...CLUSTER_ENV } };
  [imp1a, imp2a] = await Promise.all([startNodeProcess({ name: 'imp1a', pair: 'pair1', ...cluster }), startNodeProcess({ name: 'imp2a', pair: 'pair2', ...cluster })]);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
  for (const node of [imp1a, imp2a]) if (node) await node.stop().catch(() => undefined);
  await redis?.stop();
}, 30_000);

describe('redis-server restarted (AOF) after an outage longer than cluster.deadAfterSeconds, under light load', () => {
  it('keeps accounts, rosters and offline messages, and the nodes recover by themselves', async () => {
    const alice = await signIn(imp1a, 'alice', 'desk');
    const bob = await signIn(imp2a, 'bob', 'desk');
    for (const o of [alice, bob]) await o.xmpp.send(xml('presence'));
    // Durable before the outage: two offline messages for dave, stored (bob on imp2a, dave's home imp1a).
    await bob.xmpp.send(chat('dave@localhost', 'offline 1'));
    await bob.xmpp.send(chat('dave@localhost', 'offline 2'));
    // The last one proves both were taken: a marker bob sends to alice after them arrives.
    await bob.xmpp.send(chat('alice@localhost', 'after the offline ones'));
    await until(() => bodies(alice).includes('after the offline ones'), () => `alice got ${bodies(alice).join(', ')}`, 10_000);

    // Light load all along: alice and bob chat every 100 ms (what is sent while Redis is away may fail).
    let isTalking = true;
    let n = 0;
    const talk = (async () => {
      while (isTalking) {
        n++;
        await alice.xmpp.send(chat('bob@localhost', `load a${n}`)).catch(() => undefined);
        await bob.xmpp.send(chat('alice@localhost', `load b${n}`)).catch(() => undefined);
        await sleep(100);
      }
    })();
    await until(() => n >= 5, () => 'some load before the outage', 10_000);

    // 1. Redis dies (SIGKILL: only what AOF holds survives) and stays away past dead-after: both
    //    nodes fence, which ends their streams (the positive sign that dead-after has passed).
    await redis.kill();
    await until(async () => !(await isReady(imp1a)) && !(await isReady(imp2a)), () => 'both nodes not ready', 15_000);
    await until(() => alice.isOffline() && bob.isOffline(), () => `both streams closed by fencing (alice: ${alice.xmpp.status} ${alice.streamError()}, bob: ${bob.xmpp.status} ${bob.streamError()})`, 20_000);
    expect([alice.streamError(), bob.streamError()]).toEqual(['system-shutdown', 'system-shutdown']);
    isTalking = false;
    await talk;

    // 2. Redis is back on the same port and directory; the nodes rejoin without being restarted.
    await redis.restart();
    await until(async () => (await isReady(imp1a)) && (await isReady(imp2a)), () => 'both nodes ready again', 20_000);
    expect(imp1a.log()).toMatch(/back in the cluster: serving again/);
    expect(imp2a.log()).toMatch(/back in the cluster: serving again/);

    // 3. Accounts intact: the same passwords sign in; rosters intact, both ways.
    const alice2 = await signInOnceServed(imp1a, 'alice', 'again', 20_000);
    const bob2 = await signInOnceServed(imp2a, 'bob', 'again', 20_000);
    for (const [o, contact, name] of [[alice2, 'bob@localhost', 'Bob'], [bob2, 'alice@localhost', 'Alice']] as const) {
      const roster = await o.xmpp.iqCaller.get(xml('query', { xmlns: 'jabber:iq:roster' }));
      const items = roster.getChildren('item').map((i: Element) => ({ jid: i.attrs.jid, name: i.attrs.name, subscription: i.attrs.subscription, groups: i.getChildren('group').map((g: Element) => g.text()) }));
      expect(items).toEqual([{ jid: contact, name, subscription: 'both', groups: ['friends'] }]);
    }
    for (const o of [alice2, bob2]) await o.xmpp.send(xml('presence'));

    // 4. Offline messages intact: dave gets both, once each, in order.
    const dave = await signInOnceServed(imp1a, 'dave', 'desk', 20_000);
    await dave.xmpp.send(xml('presence'));
    await until(() => bodies(dave).includes('offline 2'), () => `dave got ${bodies(dave).join(', ')}`, 10_000);
    expect(bodies(dave).filter((b) => b?.startsWith('offline'))).toEqual(['offline 1', 'offline 2']);

    // 5. Cross-node traffic both ways.
    await alice2.xmpp.send(chat('bob@localhost/again', 'after the restart, to bob'));
    await bob2.xmpp.send(chat('alice@localhost/again', 'after the restart, to alice'));
    await until(() => bodies(bob2).includes('after the restart, to bob'), () => `bob got ${bodies(bob2).join(', ')}`, 10_000);
    await until(() => bodies(alice2).includes('after the restart, to alice'), () => `alice got ${bodies(alice2).join(', ')}`, 10_000);
  }, 85_000);
});
