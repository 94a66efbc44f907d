// XEP-0163 PEP across the nodes of a cluster on a real redis-server, with @xmpp/client over TCP:
// alice (home imp1a) publishes; bob (home imp1b), whose caps were learnt by imp1b, gets the
// notification through the router and the node bus, reads the item from the store in Redis, and a
// resource of bob's that shows +notify later on imp1b gets the last item published on imp1a.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { CAPS_NS, capsVerOf } from '@deskchat/core';
import { ClusterNode, NodePair, eventually } from './__tests__/cluster-helpers.js';

const PUBSUB = 'http://jabber.org/protocol/pubsub';
const EVENT = 'http://jabber.org/protocol/pubsub#event';
const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const MOOD = 'http://jabber.org/protocol/mood';

let pair: NodePair | undefined;
let imp1a: ClusterNode, imp1b: ClusterNode;
const clients: Client[] = [];

async function online(node: ClusterNode, user: string, resource: string, features: string[] = []): Promise<{ xmpp: Client; stanzas: Element[] }> {
  const xmpp = await node.signIn(user, resource);
  clients.push(xmpp);
  const stanzas: Element[] = [];
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  const info = () => xml('query', { xmlns: DISCO_INFO }, xml('identity', { category: 'client', type: 'pc' }), ...[DISCO_INFO, ...features].map((v) => xml('feature', { var: v })));
  xmpp.iqCallee.get(DISCO_INFO, 'query', (ctx: { element: Element }) => {
    const answer = info();
    if (ctx.element.attrs.node) answer.attrs.node = ctx.element.attrs.node;
    return answer;
  });
  await xmpp.send(xml('presence', {}, ...(features.length > 0 ? [xml('c', { xmlns: CAPS_NS, hash: 'sha-1', node: 'urn:e2e', ver: capsVerOf(info())! })] : [])));
  return { xmpp, stanzas };
}

const eventItem = (el: Element) => (el.is('message') ? el.getChild('event', EVENT)?.getChild('items')?.getChild('item') : undefined);
const publishMood = (id: string, mood: string) => xml('pubsub', { xmlns: PUBSUB }, xml('publish', { node: MOOD }, xml('item', { id }, xml('mood', { xmlns: MOOD }, xml(mood)))));

beforeAll(async () => {
  pair = await NodePair.start({ alice: 'imp1a', bob: 'imp1b' });
  ({ imp1a, imp1b } = pair);
  const both = (jid: string) => ({ jid, groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false });
  await imp1a.running.core.stores.roster.setItem('alice', both('bob@localhost'));
  await imp1a.running.core.stores.roster.setItem('bob', both('alice@localhost'));
}, 60_000);

afterAll(async () => {
  await pair?.stop(clients);
}, 30_000);

describe('XEP-0163 in a cluster (issue #13)', () => {
  it('notifies a subscriber on another node, serves the item from Redis there, and sends the last item to a newly interested resource', async () => {
    const bob = await online(imp1b, 'bob', 'desk', [`${MOOD}+notify`]);
    const ver = capsVerOf(xml('query', { xmlns: DISCO_INFO }, xml('identity', { category: 'client', type: 'pc' }), xml('feature', { var: DISCO_INFO }), xml('feature', { var: `${MOOD}+notify` })))!;
    await eventually(() => imp1a.running.core.stores.pep.getCaps(`sha-1 ${ver}`), 'bob\'s caps learnt by imp1b, visible to imp1a');
    const alice = await online(imp1a, 'alice', 'desk');
    await alice.xmpp.iqCaller.set(publishMood('m1', 'happy'));
    const note = await eventually(() => bob.stanzas.map(eventItem).find((i) => i?.attrs.id === 'm1'), 'the notification at bob on imp1b');
    expect(note.getChild('mood', MOOD)!.getChild('happy')).toBeDefined();
    const read = await bob.xmpp.iqCaller.get(xml('pubsub', { xmlns: PUBSUB }, xml('items', { node: MOOD })), 'alice@localhost');
    expect(read.getChild('items')!.getChildren('item').map((i: Element) => i.attrs.id)).toEqual(['m1']);
    await alice.xmpp.iqCaller.set(publishMood('m2', 'sad'));
    // A second resource of bob's on imp1b: its (already cached) caps show interest, so it gets the last item, m2.
    const phone = await online(imp1b, 'bob', 'phone', [`${MOOD}+notify`]);
    const last = await eventually(() => phone.stanzas.map(eventItem).find((i) => i !== undefined), 'the last item at bob/phone');
    expect(last.attrs.id).toBe('m2');
  });
});
