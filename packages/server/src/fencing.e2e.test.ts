// Fencing of a node that was declared dead while it was alive (docs/cluster.md, "Liveness,
// fencing, takeover"), with real processes: imp1a and imp1b (pair1) on a real redis-server with
// AOF, heartbeat 1 s and dead-after 3 s. imp1a is frozen with SIGSTOP (a long GC pause, a
// hung VM: the node does not know it stopped) for longer than dead-after, so its peer takes over;
// then SIGCONT. Asserted:
//   - takeover: bob (on imp1b) sees `unavailable` for alice's TCP resource on imp1a, and alice can
//     sign in again on imp1b;
//   - fencing: the thawed node does not serve the stale session — its old stream ends with
//     `system-shutdown`; a stanza the stale client wrote while the node was frozen never reaches
//     bob (proved by a later marker that travels the same path: imp1a → imp1b's bus → bob, once
//     imp1a serves again); a message for alice reaches only her new session; and bob never sees
//     the stale resource available again.
// (Fencing after losing *Redis* is in cluster-faults.e2e.test.ts; this is the other half: the node
// keeps Redis but was declared dead.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { deriveCredentials, parseDocument } from '@deskchat/core';
import { RedisClusterRegistry, connectRedis, openRedisStores, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { RawConnection, STREAM_HEADER } from './__tests__/e2e-helpers.js';
import { startNodeProcess, type NodeProcess } from './__tests__/node-process.js';

const CLUSTER_ENV = { DESKCHAT_HEARTBEAT_SECONDS: '1', DESKCHAT_DEAD_AFTER_SECONDS: '3' };
const plain = (user: string) => `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0pw-${user}`).toString('base64')}</auth>`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: RedisTestServer;
let connection: RedisConnection;
let imp1a: NodeProcess;
let imp1b: NodeProcess;
const clients: Client[] = [];

async function until<T>(check: () => T | Promise<T>, what: () => string, timeoutMs: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(50);
  }
}

async function signIn(port: number, user: string, resource: string, stanzas: Element[]): Promise<Client> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain: 'localhost', username: user, password: `pw-${user}`, resource, timeout: 5000 });
  xmpp.on('error', () => {});
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  xmpp.reconnect.stop();
  await xmpp.start();
  clients.push(xmpp);
  return xmpp;
}

/** Signs in, retrying while the node refuses (not serving the user yet, or fenced). */
async function signInOnceServed(port: number, user: string, resource: string, stanzas: Element[], timeoutMs: number): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await signIn(port, user, resource, stanzas);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

const bodyIs = (body: string) => (el: Element) => el.is('message') && el.getChildText('body') === body;

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  connection = await connectRedis(parseRedisOptions({ url: redis.url }, 'test'));
  const stores = openRedisStores(connection);
  const registry = new RedisClusterRegistry(connection);
  for (const user of ['alice', 'bob', 'carol']) await stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`, 4096) });
  await registry.assign('alice', 'imp1a');
  await registry.assign('carol', 'imp1a');
  await registry.assign('bob', 'imp1b');
  const both = { groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
  await stores.roster.setItem('alice', { jid: 'bob@localhost', ...both });
  await stores.roster.setItem('bob', { jid: 'alice@localhost', ...both });
  const cluster = { redisUrl: redis.url, env: { ...CLUSTER_ENV } };
  [imp1a, imp1b] = await Promise.all([startNodeProcess({ name: 'imp1a', pair: 'pair1', ...cluster }), startNodeProcess({ name: 'imp1b', pair: 'pair1', ...cluster })]);
}, 60_000);

afterAll(async () => {
  imp1a?.kill('SIGCONT');
  await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
  for (const node of [imp1a, imp1b]) if (node) await node.stop().catch(() => undefined);
  await connection?.close();
  await redis?.stop();
}, 30_000);

describe('a node frozen (SIGSTOP) for longer than cluster.deadAfterSeconds, then thawed (SIGCONT)', () => {
  it('is taken over by its peer, and once thawed fences itself: the stale session is closed with system-shutdown and served nothing', async () => {
    // alice on imp1a, read raw to see exactly what the stale stream gets and how it ends.
    const old = await RawConnection.connect(imp1a.c2s);
    old.write(STREAM_HEADER);
    await old.waitFor(/<\/stream:features>/, 10_000);
    old.write(plain('alice'));
    await old.waitFor(/<success/, 10_000);
    old.write(STREAM_HEADER);
    await old.waitFor(/urn:ietf:params:xml:ns:xmpp-bind/, 10_000);
    old.write("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>old</resource></bind></iq>");
    await old.waitFor(/alice@localhost\/old/, 10_000);
    old.write('<presence/>');
    const bobStanzas: Element[] = [];
    const bob = await signIn(imp1b.c2s, 'bob', 'desk', bobStanzas);
    await bob.send(xml('presence'));
    const isFromOld = (el: Element) => el.is('presence') && el.attrs.from === 'alice@localhost/old';
    await until(() => bobStanzas.some((el) => isFromOld(el) && el.attrs.type === undefined), () => 'bob sees alice/old available', 10_000);

    // 1. Freeze imp1a: its heartbeat lapses and imp1b takes over — bob sees alice/old go.
    const stoppedAt = Date.now();
    imp1a.kill('SIGSTOP');
    await until(() => bobStanzas.some((el) => isFromOld(el) && el.attrs.type === 'unavailable'), () => 'bob sees alice/old unavailable (takeover)', 20_000);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    const unavailableIndex = bobStanzas.findIndex((el) => isFromOld(el) && el.attrs.type === 'unavailable');

    // 2. alice signs in again: her home is dead, so its peer serves her.
    const aliceStanzas: Element[] = [];
    const alice = await signInOnceServed(imp1b.c2s, 'alice', 'new', aliceStanzas, 15_000);
    await alice.send(xml('presence'));
    expect(alice.jid?.toString()).toBe('alice@localhost/new');

    // 3. The stale client writes while its node is frozen (the bytes wait in the socket); then thaw.
    old.write("<message to='bob@localhost' type='chat'><body>stale: written to the frozen node</body></message>");
    imp1a.kill('SIGCONT');
    await bob.send(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'for alice after the thaw')));
    await bob.send(xml('message', { to: 'alice@localhost/old', type: 'chat' }, xml('body', {}, 'for the old resource after the thaw')));

    // 4. The thawed node closes the stale stream with system-shutdown (it was declared dead).
    const closed = await old.waitFor(/<\/stream:stream>/, 20_000);
    const error = parseDocument(closed.slice(closed.lastIndexOf('<stream:error'), closed.lastIndexOf('</stream:error>') + 15));
    expect(error.getChild('system-shutdown', 'urn:ietf:params:xml:ns:xmpp-streams')).toBeDefined();
    await old.waitClosed(10_000);

    // 5. The message for alice reaches her new session; the closed stale stream got none of it
    //    (a closed socket receives nothing more, so this absence is final).
    await until(() => aliceStanzas.find(bodyIs('for alice after the thaw')), () => `alice/new got ${aliceStanzas.map(String).join(' ')}`, 10_000);
    expect(old.received).not.toMatch(/after the thaw/);

    // 6. A marker on the stale stanza's path: carol signs in on imp1a once it serves again, and
    //    writes to bob (imp1a → imp1b's bus → bob). When it has arrived, the stale stanza would have too.
    const carol = await signInOnceServed(imp1a.c2s, 'carol', 'desk', [], 30_000);
    await carol.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'marker from imp1a')));
    await until(() => bobStanzas.find(bodyIs('marker from imp1a')), () => `bob got ${bobStanzas.map(String).join(' ')}`, 10_000);
    expect(bobStanzas.filter((el) => el.is('message') && /^stale/.test(el.getChildText('body') ?? '')).map(String)).toEqual([]);
    // No ghost come back: nothing from alice/old after its unavailable.
    expect(bobStanzas.slice(unavailableIndex + 1).filter(isFromOld).map(String)).toEqual([]);
    // Exactly once at alice/new.
    expect(aliceStanzas.filter(bodyIs('for alice after the thaw'))).toHaveLength(1);
  }, 80_000);
});
