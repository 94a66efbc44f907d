// The XEP-0060 publish-subscribe service on pubsub.<domain> across the nodes of a cluster on a real
// redis-server, with @xmpp/client over TCP and `pubsub.admins` naming alice: alice (home imp1a)
// creates a node and publishes on imp1a; bob (home imp1b) subscribes on imp1b, is notified through
// the router and the node bus, reads the item from the store in Redis, and unsubscribes there, after
// which alice's next item reaches carol (home imp1a) but not bob; carol is told of the deletion.
// Absence is proved by a marker that arrives after what must not, never by waiting.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClusterNode, NodePair, eventually, recording, type RecordingClient } from './__tests__/cluster-helpers.js';
import { ENTRY, PUBSUB, PUBSUB_EVENT, SERVICE, create, deleteNode, entry, eventOf, getItems, notifiedIds, publish, subscribe, unsubscribe } from './__tests__/pubsub-stanzas.js';


let pair: NodePair | undefined;
let imp1a: ClusterNode, imp1b: ClusterNode;
const clients: Client[] = [];

/** Signs in with @xmpp/client on `node` and sends available presence (a bare-JID subscription reaches available resources). */
async function online(node: ClusterNode, user: string, resource: string): Promise<RecordingClient> {
  const xmpp = await node.signIn(user, resource);
  clients.push(xmpp);
  const client = recording(xmpp);
  await xmpp.send(xml('presence'));
  return client;
}
const isChat = (el: Element, body: string) => el.is('message') && el.getChildText('body') === body;

beforeAll(async () => {
  pair = await NodePair.start({ alice: 'imp1a', carol: 'imp1a', bob: 'imp1b' }, { pubsub: { admins: ['alice'] } });
  ({ imp1a, imp1b } = pair);
}, 60_000);

afterAll(async () => {
  await pair?.stop(clients);
}, 30_000);

describe('XEP-0060 service in a cluster', () => {
  it('lets the admin on one node notify a subscriber on the other until it unsubscribes there, and announces the deletion', async () => {
    const alice = await online(imp1a, 'alice', 'desk');
    const carol = await online(imp1a, 'carol', 'desk');
    const bob = await online(imp1b, 'bob', 'desk');
    // Each is served by its home node, bob by the other one than alice.
    const registry = imp1a.running.cluster!.registry;
    expect([await registry.assignmentOf('alice'), await registry.assignmentOf('carol'), await registry.assignmentOf('bob')]).toEqual(['imp1a', 'imp1a', 'imp1b']);
    expect(imp1a.sessionUsers().sort()).toEqual(['alice@localhost/desk', 'carol@localhost/desk']);
    expect(imp1b.sessionUsers()).toEqual(['bob@localhost/desk']);

    // §8.1 create by the admin, on imp1a.
    expect((await alice.iq(create('alerts'))).attrs.type).toBe('result');

    // §6.1 subscribe: bob on imp1b, carol on imp1a.
    for (const [who, jid] of [[bob, 'bob@localhost'], [carol, 'carol@localhost']] as const) {
      const subscribed = await who.iq(subscribe('alerts', jid));
      expect(subscribed.attrs.type).toBe('result');
      expect(subscribed.getChild('pubsub', PUBSUB)!.getChild('subscription')!.attrs).toMatchObject({ node: 'alerts', jid, subscription: 'subscribed' });
    }

    // §7.1 publish on imp1a; the §7.1.2.1 headline notification reaches bob on imp1b and carol on imp1a.
    const published = await alice.iq(publish('alerts', 'a1', entry('Disk almost full')));
    expect(published.attrs.type).toBe('result');
    for (const [who, name] of [[bob, 'bob'], [carol, 'carol']] as const) {
      const note = await eventually(() => who.stanzas.find((s) => notifiedIds(s, 'alerts').length > 0), `${name}'s notification of 'a1'`);
      expect(note.attrs).toMatchObject({ from: SERVICE, to: `${name}@localhost/desk`, type: 'headline' });
      const noted = note.getChild('event', PUBSUB_EVENT)!.getChild('items')!.getChildren('item');
      expect(noted.map((i: Element) => i.attrs.id)).toEqual(['a1']);
      expect(noted[0]!.getChild('entry', ENTRY)!.getChildText('title')).toBe('Disk almost full');
    }

    // §6.5 items retrieval from imp1b: the item alice published on imp1a, from the store in Redis.
    const read = await bob.iq(getItems('alerts'));
    expect(read.attrs.type).toBe('result');
    const readItems = read.getChild('pubsub', PUBSUB)!.getChild('items')!.getChildren('item');
    expect(readItems.map((i: Element) => i.attrs.id)).toEqual(['a1']);
    expect(readItems[0]!.getChild('entry', ENTRY)!.getChildText('title')).toBe('Disk almost full');

    // §6.2 unsubscribe on imp1b; alice's next item reaches carol and not bob. The service handles
    // alice's stanzas in order, notifications before her next stanza, and both would travel from
    // imp1a to imp1b the same way, so her chat marker sent after the publish arrives at bob after any
    // notification of 'a2' would have.
    expect((await bob.iq(unsubscribe('alerts', 'bob@localhost'))).attrs.type).toBe('result');
    expect((await alice.iq(publish('alerts', 'a2', entry('Disk full')))).attrs.type).toBe('result');
    await alice.xmpp.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'marker after a2')));
    const second = await eventually(() => carol.stanzas.find((s) => notifiedIds(s, 'alerts').includes('a2')), "carol's notification of 'a2'");
    expect(second.getChild('event', PUBSUB_EVENT)!.getChild('items')!.getChild('item')!.getChild('entry', ENTRY)!.getChildText('title')).toBe('Disk full');
    const markerAt = bob.stanzas.indexOf(await eventually(() => bob.stanzas.find((s) => isChat(s, 'marker after a2')), "alice's marker at bob"));
    expect(bob.stanzas.slice(0, markerAt).flatMap((s) => notifiedIds(s, 'alerts'))).toEqual(['a1']);

    // §8.4 delete by the admin: carol, still subscribed, is told.
    expect((await alice.iq(deleteNode('alerts'))).attrs.type).toBe('result');
    const deleted = await eventually(() => carol.stanzas.find((s) => eventOf(s)?.getChild('delete') !== undefined), "carol's notification of the deletion");
    expect(deleted.attrs).toMatchObject({ from: SERVICE, to: 'carol@localhost/desk', type: 'headline' });
    expect(deleted.getChild('event', PUBSUB_EVENT)!.getChild('delete')!.attrs.node).toBe('alerts');
  });
});
