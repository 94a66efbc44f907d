// XEP-0191 blocking across the nodes of a cluster on a real redis-server, with @xmpp/client over
// TCP: alice (home imp1a) blocks bob (home imp1b); bob's message, routed by imp1b, is refused from
// the list in Redis (service-unavailable, while a later message from carol arrives); alice's
// message to bob is refused on imp1a with <blocked/>; the unblock made on imp1a is seen at once by
// imp1b (no per-node copy to go stale); and the list survives a restart of alice's node.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { stopClient } from './__tests__/e2e-helpers.js';
import { ClusterNode, NodePair, eventually } from './__tests__/cluster-helpers.js';

const BLOCKING = 'urn:xmpp:blocking';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

let pair: NodePair | undefined;
let imp1a: ClusterNode, imp1b: ClusterNode;
const clients: Client[] = [];

async function online(node: ClusterNode, user: string, resource: string): Promise<{ xmpp: Client; stanzas: Element[] }> {
  const xmpp = await node.signIn(user, resource);
  clients.push(xmpp);
  const stanzas: Element[] = [];
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  await xmpp.send(xml('presence'));
  return { xmpp, stanzas };
}

const chat = (to: string, id: string, body: string) => xml('message', { to, id, type: 'chat' }, xml('body', {}, body));
const errorCondition = (el: Element) => el.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === STANZAS)?.name;
const replyTo = (id: string) => (el: Element) => el.is('message') && el.attrs.id === id;
const bodyIs = (body: string) => (el: Element) => el.is('message') && el.getChildText('body') === body;
const items = (reply: Element) => reply.getChildren('item').map((i: Element) => i.attrs.jid);

beforeAll(async () => {
  pair = await NodePair.start({ alice: 'imp1a', bob: 'imp1b', carol: 'imp1b' });
  ({ imp1a, imp1b } = pair);
}, 60_000);

afterAll(async () => {
  await pair?.stop(clients);
}, 30_000);

describe('XEP-0191 in a cluster (issue #13)', () => {
  it('enforces a list written on one node on the other, both ways, and keeps it across a restart', async () => {
    const alice = await online(imp1a, 'alice', 'desk');
    const bob = await online(imp1b, 'bob', 'desk');
    const carol = await online(imp1b, 'carol', 'desk');
    await alice.xmpp.iqCaller.set(xml('block', { xmlns: BLOCKING }, xml('item', { jid: 'bob@localhost' })));

    await bob.xmpp.send(chat('alice@localhost', 'b1', 'from bob'));
    const refusal = await eventually(() => bob.stanzas.find(replyTo('b1')), 'the refusal at bob');
    expect(errorCondition(refusal)).toBe('service-unavailable');
    await carol.xmpp.send(chat('alice@localhost', 'c1', 'marker'));
    await eventually(() => alice.stanzas.find(bodyIs('marker')), 'carol\'s marker at alice');
    expect(alice.stanzas.filter((el) => el.is('message') && el.attrs.from?.startsWith('bob@'))).toEqual([]);

    await alice.xmpp.send(chat('bob@localhost/desk', 'a1', 'to bob'));
    const own = await eventually(() => alice.stanzas.find(replyTo('a1')), 'the refusal at alice');
    expect(errorCondition(own)).toBe('not-acceptable');
    expect(own.getChild('error')!.getChild('blocked', 'urn:xmpp:blocking:errors')).toBeDefined();

    // alice's node restarts: the list is in Redis.
    await stopClient(alice.xmpp);
    await imp1a.stop();
    await imp1a.restart();
    const alice2 = await online(imp1a, 'alice', 'phone');
    expect(items(await alice2.xmpp.iqCaller.get(xml('blocklist', { xmlns: BLOCKING })))).toEqual(['bob@localhost']);
    await bob.xmpp.send(chat('alice@localhost', 'b2', 'from bob again'));
    expect(errorCondition(await eventually(() => bob.stanzas.find(replyTo('b2')), 'the second refusal'))).toBe('service-unavailable');

    // Unblocked on imp1a: bob's next message, routed by imp1b, goes through.
    await alice2.xmpp.iqCaller.set(xml('unblock', { xmlns: BLOCKING }));
    await bob.xmpp.send(chat('alice@localhost', 'b3', 'welcome back'));
    await eventually(() => alice2.stanzas.find(bodyIs('welcome back')), 'bob\'s message after the unblock');
  });
});
