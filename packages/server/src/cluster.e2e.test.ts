// Two DeskChat nodes of one pair on a real redis-server (in this process, each with its own Redis
// connections, ports and data directory): users signed in on different nodes chat, subscribe and
// see each other's composed presence over TCP with @xmpp/client; discovery and the redirect after
// authentication on a real stream; a third node for the same pair is refused; Redis without
// persistence is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { deriveCredentials, silentLogger } from '@deskchat/core';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { RawConnection, STREAM_HEADER, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { parseConfig } from './config.js';
import { startNode } from './node.js';

let redis: RedisTestServer;
const nodes: TestNode[] = [];
const clients: Client[] = [];

function clusterNode(name: string, pair = 'pair1', extra: Record<string, unknown> = {}): Promise<TestNode> {
  // The public URL names the node's own HTTP port, known only once it listens: tests use the
  // addresses for discovery checks, not to connect, so a fixed placeholder port is enough here.
  return startTestNode({ raw: { cluster: { redisUrl: redis.url, node: name, pair, publicUrl: `http://${name}.test:5280`, publicHost: `${name}.test`, heartbeatSeconds: 1, deadAfterSeconds: 3, ...extra } } });
}

async function online(node: TestNode, user: string, resource: string): Promise<{ xmpp: Client; stanzas: Element[] }> {
  const xmpp = await signIn(node.port, user, `pw-${user}`, resource);
  clients.push(xmpp);
  const stanzas: Element[] = [];
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  return { xmpp, stanzas };
}

async function waitFor(stanzas: Element[], match: (el: Element) => boolean, what: string, timeoutMs = 5000): Promise<Element> {
  const start = Date.now();
  for (;;) {
    const found = stanzas.find(match);
    if (found) return found;
    if (Date.now() - start > timeoutMs) throw new Error(`no ${what}; got ${stanzas.map(String).join(' ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  nodes.push(await clusterNode('imp1a'), await clusterNode('imp1b'));
  for (const user of ['alice', 'bob', 'carol']) await nodes[0].node.core.stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`) });
  // alice lives on imp1a, bob on imp1b.
  await nodes[0].node.cluster!.registry.assign('alice', 'imp1a');
  await nodes[0].node.cluster!.registry.assign('bob', 'imp1b');
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  for (const n of nodes) await n.stop().catch(() => undefined);
  await redis?.stop();
});

describe('a pair of nodes on Redis', () => {
  it('lets users on different nodes chat, subscribe and see each other\'s composed presence', async () => {
    const alice = await online(nodes[0], 'alice', 'desk');
    const bob = await online(nodes[1], 'bob', 'laptop');
    await alice.xmpp.send(xml('presence'));
    await bob.xmpp.send(xml('presence'));
    await alice.xmpp.send(xml('presence', { to: 'bob@localhost', type: 'subscribe' }));
    await waitFor(bob.stanzas, (el) => el.is('presence') && el.attrs.type === 'subscribe', 'subscription request at bob');
    await bob.xmpp.send(xml('presence', { to: 'alice@localhost', type: 'subscribed' }));
    await bob.xmpp.send(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, 'at lunch')));
    // First the snapshot a new subscriber gets (available), then bob's change (away), both composed by the server.
    await waitFor(alice.stanzas, (el) => el.is('presence') && el.attrs.from === 'bob@localhost/composed-presence', "bob's composed presence at alice");
    const composed = await waitFor(alice.stanzas, (el) => el.is('presence') && el.attrs.from === 'bob@localhost/composed-presence' && el.getChildText('show') === 'away', "bob's composed away at alice");
    expect(composed.getChildText('status')).toBe('at lunch');
    expect(composed.getChildText('priority')).toBe('127');
    await alice.xmpp.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'across the pair')));
    const got = await waitFor(bob.stanzas, (el) => el.is('message') && el.getChildText('body') === 'across the pair', 'the chat at bob');
    expect(got.attrs.from).toBe('alice@localhost/desk');
    await bob.xmpp.send(xml('message', { to: 'alice@localhost/desk', type: 'chat' }, xml('body', {}, 'and back')));
    await waitFor(alice.stanzas, (el) => el.is('message') && el.getChildText('body') === 'and back', 'the answer at alice');
  });

  it('names the home and backup of a user announced in the stream header, before authentication', async () => {
    const raw = await RawConnection.connect(nodes[0].port);
    raw.write(STREAM_HEADER.replace("to='localhost'", "to='localhost' from='bob@localhost'"));
    const features = await raw.waitFor(/<\/stream:features>/);
    raw.destroy();
    expect(features).toMatch(/<hostname xmlns=['"]urn:xmpp:domain-based-name:1['"]>imp1b\.test<\/hostname><hostname xmlns=['"]urn:xmpp:domain-based-name:1['"]>imp1a\.test<\/hostname>/);
    expect(features).toMatch(/<home xmlns=['"]urn:deskchat:cluster:0['"][^>]*node=['"]imp1b['"]/);
    expect(features).toMatch(/bosh=['"]http:\/\/imp1b\.test:5280\/http-bind['"]/);
    expect(features).toMatch(/<backup xmlns=['"]urn:deskchat:cluster:0['"][^>]*node=['"]imp1a['"]/);
  });

  it('sends a TCP client that signed in on the wrong node to its home with see-other-host', async () => {
    const raw = await RawConnection.connect(nodes[1].port);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    raw.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0alice\0pw-alice').toString('base64')}</auth>`);
    await raw.waitFor(/<success/);
    raw.write(STREAM_HEADER);
    const received = await raw.waitFor(/<\/stream:stream>/);
    expect(received).toMatch(/<see-other-host xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]>imp1a\.test:\d+<\/see-other-host>/);
    raw.destroy();
  });

  it('refuses a third node in the pair, and a second node with a live node\'s name', async () => {
    await expect(clusterNode('imp1c')).rejects.toThrow(/pair 'pair1' already has two nodes/);
    await expect(clusterNode('imp1a', 'pair1')).rejects.toThrow(/another live node is named 'imp1a'/);
  }, 30_000);
});

describe('Redis that keeps nothing', () => {
  it('refuses to start a cluster node on a Redis with no persistence, unless allowed', async () => {
    const volatile = await startRedisServer({ aof: false, rdb: false });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskchat-volatile-'));
    const raw = (allowVolatileRedis: boolean) =>
      parseConfig(
        {
          dataDir,
          log: { level: 'silent' },
          c2s: { host: '127.0.0.1', port: 0, directTlsPort: 0 },
          http: { host: '127.0.0.1', port: 0 },
          files: { proxyPort: 0, proxyHost: '127.0.0.1' },
          admin: { host: '127.0.0.1', port: 0, token: 'x'.repeat(20), createFirstAdmin: false },
          tls: {},
          cluster: { redisUrl: volatile.url, node: 'v1', pair: 'vp', publicUrl: 'http://v1.test:5280', allowVolatileRedis },
        },
        '/tmp',
      );
    try {
      await expect(startNode(raw(false), silentLogger)).rejects.toThrow(/persist/i);
      const allowed = await startNode(raw(true), silentLogger);
      await allowed.close();
    } finally {
      await volatile.stop();
    }
  }, 30_000);
});
