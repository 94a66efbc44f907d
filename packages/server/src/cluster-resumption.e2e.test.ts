// XEP-0198 §5 resumption across nodes (issue 9): two DeskChat processes of one pair, imp1a and
// imp1b, on a real redis-server. alice (@xmpp/client over TCP, which enables stream management
// with resume by itself) is served by imp1a, her home; bob by imp1b. imp1a is killed with SIGKILL;
// bob writes to alice meanwhile; alice reconnects to imp1b and resumes (<resume previd h/>) the
// stream whose record imp1a kept in Redis (RedisStreamResumptionStore): the same full JID and
// session, every message exactly once, and bob sees no unavailable/available flap. Then the same
// over WebSocket: imp1a restarted, imp1b killed, carol (@xmpp/client over RFC 7395) resumes on imp1a.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { deriveCredentials } from '@deskchat/core';
import { RedisClusterRegistry, RedisSessionDirectory, RedisStreamResumptionStore, connectRedis, openRedisStores, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { WebSocket } from 'ws';
import { startNodeProcess, type NodeProcess } from './__tests__/node-process.js';

// @xmpp/websocket uses the WHATWG WebSocket global, which Node 20 lacks; ws implements it.
Object.assign(globalThis, { WebSocket: (globalThis as { WebSocket?: unknown }).WebSocket ?? WebSocket });

// Dead after 5 s: long enough that a busy machine's late heartbeat does not fence a live node.
const CLUSTER_ENV = { DESKCHAT_HEARTBEAT_SECONDS: '1', DESKCHAT_DEAD_AFTER_SECONDS: '5' };

type SmClient = Client & { options: { service: string }; streamManagement: { id: string; enabled: boolean; on(event: 'resumed', f: () => void): void } };

let redis: RedisTestServer;
let connection: RedisConnection;
let imp1a: NodeProcess;
let imp1b: NodeProcess;
const clients: Client[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const serviceOf = (node: NodeProcess, transport: 'tcp' | 'websocket') => (transport === 'tcp' ? `xmpp://127.0.0.1:${node.c2s}` : node.websocket);

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

async function signIn(node: NodeProcess, user: string, onStanza: (el: Element) => void, transport: 'tcp' | 'websocket' = 'tcp'): Promise<SmClient> {
  const xmpp = client({ service: serviceOf(node, transport), domain: 'localhost', username: user, password: `pw-${user}`, resource: 'desk', timeout: 15_000 }) as SmClient;
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
  for (const user of ['alice', 'bob', 'carol']) await stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`, 4096) });
  await registry.assign('alice', 'imp1a');
  await registry.assign('bob', 'imp1b');
  await registry.assign('carol', 'imp1b');
  await stores.roster.setItem('alice', { jid: 'bob@localhost', ...both });
  await stores.roster.setItem('bob', { jid: 'alice@localhost', ...both });
  await stores.roster.setItem('carol', { jid: 'alice@localhost', ...both });
  await stores.roster.setItem('alice', { jid: 'carol@localhost', ...both });
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

  it('resumes over WebSocket (RFC 7395) too: imp1a restarted, then imp1b killed; carol resumes on imp1a, every message once, no flap', async () => {
    // imp1a comes back (its dead registration makes room for it) and serves again.
    imp1a = await startNodeProcess({ name: 'imp1a', pair: 'pair1', redisUrl: redis.url, env: CLUSTER_ENV });
    const registry = new RedisClusterRegistry(connection);
    await until(async () => (await registry.nodes()).some((n) => n.name === 'imp1a' && n.isAlive), 'imp1a alive again', 30_000);
    const carolSeenByAlice: string[] = [];
    const alice = await signIn(imp1a, 'alice', (el) => {
      if (el.is('presence') && el.attrs.from?.startsWith('carol@localhost/') && !el.attrs.from.endsWith('/composed-presence')) carolSeenByAlice.push(`${el.attrs.type ?? 'available'} ${el.attrs.from}`);
    });
    await alice.send(xml('presence'));
    const bodies: string[] = [];
    const carol = await signIn(imp1b, 'carol', (el) => {
      if (el.is('message') && el.getChildText('body')) bodies.push(el.getChildText('body')!);
    }, 'websocket');
    await until(() => carol.streamManagement.enabled && carol.streamManagement.id !== '', 'stream management enabled with resume', 10_000);
    await carol.send(xml('presence'));
    await until(() => carolSeenByAlice.includes('available carol@localhost/desk'), "alice sees carol's presence", 15_000);
    const say = (body: string) => alice.send(xml('message', { to: 'carol@localhost/desk', type: 'chat' }, xml('body', {}, body)));
    await say('ws before the kill');
    await until(() => bodies.includes('ws before the kill'), 'the first message', 10_000);
    const previd = carol.streamManagement.id;
    const presenceBefore = carolSeenByAlice.length;

    imp1b.kill('SIGKILL');
    await until(() => carol.status !== 'online', 'carol sees her connection drop', 15_000);
    for (const n of [1, 2, 3]) await say(`ws away ${n}`);
    await until(async () => (await registry.nodes()).some((n) => n.name === 'imp1b' && !n.isAlive), 'imp1b seen dead', 30_000);
    carol.options.service = imp1a.websocket;
    let isResumed = false;
    carol.streamManagement.on('resumed', () => void (isResumed = true));
    await carol.reconnect.reconnect();
    await until(() => isResumed, `carol resumes on imp1a over WebSocket (status ${carol.status})`, 15_000);
    expect(carol.jid?.toString()).toBe('carol@localhost/desk');
    expect(carol.streamManagement.id).toBe(previd);
    expect(await new RedisSessionDirectory(connection).get('carol', 'desk')).toMatchObject({ node: 'imp1a' });
    await say('ws marker');
    await until(() => ['ws away 1', 'ws away 2', 'ws away 3', 'ws marker'].every((b) => bodies.includes(b)), `the messages sent meanwhile and the marker (got ${JSON.stringify(bodies)})`, 20_000);
    expect([...bodies].sort()).toEqual(['ws away 1', 'ws away 2', 'ws away 3', 'ws before the kill', 'ws marker']);
    expect(carolSeenByAlice.slice(presenceBefore)).toEqual([]);
  }, 120_000);
});
