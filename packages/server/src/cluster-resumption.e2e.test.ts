// XEP-0198 §5 resumption across nodes (issue 9): two DeskChat processes of one pair, imp1a and
// imp1b, on a real redis-server. alice (@xmpp/client over TCP, which enables stream management
// with resume by itself) is served by imp1a, her home; bob by imp1b. imp1a is killed with SIGKILL;
// bob writes to alice meanwhile; alice reconnects to imp1b and resumes (<resume previd h/>) the
// stream whose record imp1a kept in Redis (RedisStreamResumptionStore): the same full JID and
// session, every message exactly once, and bob sees no unavailable/available flap.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { deriveCredentials } from '@deskchat/core';
import { RedisClusterRegistry, RedisSessionDirectory, RedisStreamResumptionStore, connectRedis, openRedisStores, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { startNodeProcess, type NodeProcess } from './__tests__/node-process.js';

// Dead after 5 s: long enough that a busy machine's late heartbeat does not fence a live node.
const CLUSTER_ENV = { DESKCHAT_HEARTBEAT_SECONDS: '1', DESKCHAT_DEAD_AFTER_SECONDS: '5' };

type SmClient = Client & { options: { service: string }; streamManagement: { id: string; enabled: boolean; on(event: 'resumed', f: () => void): void } };

let redis: RedisTestServer;
let connection: RedisConnection;
let imp1a: NodeProcess;
let imp1b: NodeProcess;
const clients: Client[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

async function signIn(node: NodeProcess, user: string, onStanza: (el: Element) => void): Promise<SmClient> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${node.c2s}`, domain: 'localhost', username: user, password: `pw-${user}`, resource: 'desk', timeout: 15_000 }) as SmClient;
  xmpp.on('error', () => {});
  xmpp.on('stanza', onStanza);
  xmpp.reconnect.stop();
  await xmpp.start();
  clients.push(xmpp);
  return xmpp;
}

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  connection = await connectRedis(parseRedisOptions({ url: redis.url }, 'test'));
  const stores = openRedisStores(connection);
  const registry = new RedisClusterRegistry(connection);
  const both = { groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
  for (const user of ['alice', 'bob']) await stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`, 4096) });
  await registry.assign('alice', 'imp1a');
  await registry.assign('bob', 'imp1b');
  await stores.roster.setItem('alice', { jid: 'bob@localhost', ...both });
  await stores.roster.setItem('bob', { jid: 'alice@localhost', ...both });
  [imp1a, imp1b] = await Promise.all([startNodeProcess({ name: 'imp1a', pair: 'pair1', redisUrl: redis.url, env: CLUSTER_ENV }), startNodeProcess({ name: 'imp1b', pair: 'pair1', redisUrl: redis.url, env: CLUSTER_ENV })]);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
  for (const node of [imp1a, imp1b]) if (node) await node.stop().catch(() => undefined);
  await connection?.close();
  await redis?.stop();
}, 60_000);

describe('XEP-0198 resumption on the pair peer after its node was killed (SIGKILL)', () => {
  it('resumes the same session on imp1b from the record in Redis: every message once, no presence flap', async () => {
    const aliceSeenByBob: string[] = [];
    const bob = await signIn(imp1b, 'bob', (el) => {
      if (el.is('presence') && el.attrs.from?.startsWith('alice@localhost/') && !el.attrs.from.endsWith('/composed-presence')) aliceSeenByBob.push(`${el.attrs.type ?? 'available'} ${el.attrs.from}`);
    });
    await bob.send(xml('presence'));
    const bodies: string[] = [];
    const alice = await signIn(imp1a, 'alice', (el) => {
      if (el.is('message') && el.getChildText('body')) bodies.push(el.getChildText('body')!);
    });
    await until(() => alice.streamManagement.enabled && alice.streamManagement.id !== '', 'stream management enabled with resume', 10_000);
    await alice.send(xml('presence'));
    await until(() => aliceSeenByBob.includes('available alice@localhost/desk'), "bob sees alice's presence", 15_000);
    const full = 'alice@localhost/desk';
    const say = (body: string) => bob.send(xml('message', { to: full, type: 'chat' }, xml('body', {}, body)));
    await say('before the kill');
    await until(() => bodies.includes('before the kill'), 'the first message', 10_000);

    // imp1a keeps the resumable stream in Redis (another process reads it here).
    const store = new RedisStreamResumptionStore(connection);
    const previd = alice.streamManagement.id;
    const record = await store.get(previd);
    expect(record).toMatchObject({ username: 'alice', resource: 'desk', node: 'imp1a', epoch: 0 });
    const presenceBefore = aliceSeenByBob.length;

    imp1a.kill('SIGKILL');
    await until(() => alice.status !== 'online', 'alice sees her connection drop', 15_000);
    for (const n of [1, 2, 3]) await say(`away ${n}`);

    // imp1b serves alice once her home is seen dead (her backup); then she resumes there.
    const registry = new RedisClusterRegistry(connection);
    await until(async () => (await registry.nodes()).some((n) => n.name === 'imp1a' && !n.isAlive), 'imp1a seen dead', 30_000);
    alice.options.service = `xmpp://127.0.0.1:${imp1b.c2s}`;
    let isResumed = false;
    alice.streamManagement.on('resumed', () => void (isResumed = true));
    await alice.reconnect.reconnect();
    await until(() => isResumed, `alice resumes on imp1b (status ${alice.status}, jid ${alice.jid?.toString()})`, 15_000);
    expect(alice.jid?.toString()).toBe(full);
    expect(alice.streamManagement.id).toBe(previd);
    await expect(store.get(previd)).resolves.toMatchObject({ node: 'imp1b', epoch: 1, sessionId: record!.sessionId });
    // The session, same id, is imp1b's now in the directory.
    const entry = await new RedisSessionDirectory(connection).get('alice', 'desk');
    expect(entry).toMatchObject({ node: 'imp1b', sessionId: record!.sessionId });

    await say('marker');
    await until(() => bodies.includes('marker'), 'the marker', 15_000);
    // The messages sent while imp1a was dead waited on its bus; the takeover routes them again (each
    // heartbeat) and they reach the resumed session once its entry has moved: maybe after the marker.
    await until(() => ['away 1', 'away 2', 'away 3'].every((b) => bodies.includes(b)), `the messages sent meanwhile (got ${JSON.stringify(bodies)})`, 20_000);
    expect(bodies[0]).toBe('before the kill');
    expect([...bodies].sort()).toEqual(['away 1', 'away 2', 'away 3', 'before the kill', 'marker']);
    // Nothing arrives twice later (a takeover tick routing them again).
    await sleep(3_000);
    expect(bodies).toHaveLength(5);
    expect(aliceSeenByBob.slice(presenceBefore)).toEqual([]);
  }, 120_000);
});
