// Two DeskChat nodes of one pair on a sharded Redis Cluster (issue 14, "Keys ready for Redis
// Cluster"): three primaries started by the test (`redis-cli --cluster create`), the nodes given
// only `cluster.redisClusterNodes` (in this process, each with its own Redis connections, ports and
// data directory). Users signed in on different nodes subscribe and chat over TCP with
// @xmpp/client: the directory lookup, the roster's pending request and the node bus each on the
// primary that owns their key — here the two nodes' bus streams are on two different primaries.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { deriveCredentials } from '@deskchat/core';
import { startRedisCluster, type RedisTestCluster } from '@deskchat/testing';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

let cluster: RedisTestCluster;
const nodes: TestNode[] = [];
const clients: Client[] = [];

function clusterNode(name: string): Promise<TestNode> {
  return startTestNode({
    raw: { cluster: { redisClusterNodes: cluster.addresses.join(','), node: name, pair: 'pair1', publicUrl: `http://${name}.test:5280`, publicHost: `${name}.test`, heartbeatSeconds: 1, deadAfterSeconds: 3 } },
  });
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

/** Which primary (index in `cluster.nodes`) holds `key`. */
async function holderOf(key: string): Promise<number[]> {
  const found = await Promise.all(cluster.nodes.map(async (n) => (await n.cli('EXISTS', key)).trim() === '1'));
  return found.flatMap((isThere, i) => (isThere ? [i] : []));
}

beforeAll(async () => {
  cluster = await startRedisCluster({ aof: true });
  nodes.push(await clusterNode('imp1a'), await clusterNode('imp1b'));
  for (const user of ['alice', 'bob']) await nodes[0].node.core.stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`) });
  await nodes[0].node.cluster!.registry.assign('alice', 'imp1a');
  await nodes[0].node.cluster!.registry.assign('bob', 'imp1b');
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  for (const n of nodes) await n.stop().catch(() => undefined);
  await cluster?.stop();
});

describe('a pair of nodes on a three-primary Redis Cluster', () => {
  it('lets users on different nodes subscribe and chat, each node reading its bus on its own shard', async () => {
    const alice = await online(nodes[0], 'alice', 'desk');
    const bob = await online(nodes[1], 'bob', 'laptop');
    await alice.xmpp.send(xml('presence'));
    await bob.xmpp.send(xml('presence'));
    await alice.xmpp.send(xml('presence', { to: 'bob@localhost', type: 'subscribe' }));
    await waitFor(bob.stanzas, (el) => el.is('presence') && el.attrs.type === 'subscribe', 'subscription request at bob');
    await bob.xmpp.send(xml('presence', { to: 'alice@localhost', type: 'subscribed' }));
    await waitFor(alice.stanzas, (el) => el.is('presence') && el.attrs.from === 'bob@localhost/composed-presence', "bob's composed presence at alice");
    await alice.xmpp.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'across the shards')));
    const got = await waitFor(bob.stanzas, (el) => el.is('message') && el.getChildText('body') === 'across the shards', 'the chat at bob');
    expect(got.attrs.from).toBe('alice@localhost/desk');
    await bob.xmpp.send(xml('message', { to: 'alice@localhost/desk', type: 'chat' }, xml('body', {}, 'and back')));
    await waitFor(alice.stanzas, (el) => el.is('message') && el.getChildText('body') === 'and back', 'the answer at alice');

    // Each node's bus reader holds its listener key, each key on exactly one primary, two different ones.
    const [a, b] = await Promise.all([holderOf('deskchat:node:{imp1a}:bus:listener'), holderOf('deskchat:node:{imp1b}:bus:listener')]);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    expect(a[0]).not.toBe(b[0]);
    // And alice's and bob's roster keys on the primaries of their own slots.
    expect(await holderOf('deskchat:user:{alice}:roster')).toHaveLength(1);
    expect(await holderOf('deskchat:user:{bob}:roster')).toHaveLength(1);
  });
});
