// The XEP-0060 publish-subscribe service on pubsub.<domain> end to end over real TCP on one node
// (SQLite store), with `pubsub.admins` naming alice: the server's disco lists the service; @xmpp/client
// clients create a node (admin only), subscribe, publish (admin only), are notified by headline
// messages, retrieve items, unsubscribe and see a node deleted; then slixmpp's own xep_0060 plugin
// (python3-slixmpp) subscribes, is notified of what the admin publishes, and retrieves the items.
// Absence is proved by a marker that arrives after what must not, never by waiting.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { parseDocument } from '@deskchat/core';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { eventually, recording, type RecordingClient } from './__tests__/cluster-helpers.js';
import { ENTRY, PUBSUB, PUBSUB_EVENT, SERVICE, create, deleteNode, entry, eventOf, getItems, notifiedIds, publish, subscribe, unsubscribe } from './__tests__/pubsub-stanzas.js';
import { SlixmppClient } from './__tests__/slixmpp-driven.js';

const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

let server: TestNode;
const clients: Client[] = [];
const slixmpps: SlixmppClient[] = [];

/** Signs in with @xmpp/client and sends available presence (a bare-JID subscription reaches available resources). */
async function online(user: string, resource: string): Promise<RecordingClient> {
  const xmpp = await signIn(server.port, user, `pw-${user}`, resource);
  clients.push(xmpp);
  const client = recording(xmpp);
  await xmpp.send(xml('presence'));
  return client;
}

const disco = (ns: string, to: string, node?: string) => xml('iq', { type: 'get', to }, xml('query', { xmlns: ns, ...(node ? { node } : {}) }));
const condition = (el: Element) => el.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === STANZAS)?.name;
const isChat = (el: Element, body: string) => el.is('message') && el.getChildText('body') === body;

beforeAll(async () => {
  server = await startTestNode({ raw: { pubsub: { admins: ['alice'] } } });
  for (const user of ['alice', 'bob', 'carol', 'dave']) await server.addUser(user, `pw-${user}`);
}, 60_000);

afterAll(async () => {
  await Promise.all([...clients.map(stopClient), ...slixmpps.map((s) => s.close())]);
  await server.stop();
});

describe('discovering the service (XEP-0060 §5.1, XEP-0030)', () => {
  it("is an item of the server's disco#items, with identity pubsub/service and the subscribe feature", async () => {
    const bob = await online('bob', 'disco');
    const items = await bob.iq(disco(DISCO_ITEMS, 'localhost'));
    expect(items.attrs.type).toBe('result');
    expect(items.getChild('query', DISCO_ITEMS)!.getChildren('item').map((i: Element) => i.attrs.jid)).toContain(SERVICE);
    const info = await bob.iq(disco(DISCO_INFO, SERVICE));
    expect(info.attrs).toMatchObject({ type: 'result', from: SERVICE });
    const query = info.getChild('query', DISCO_INFO)!;
    expect(query.getChildren('identity').map((i: Element) => `${i.attrs.category}/${i.attrs.type}`)).toContain('pubsub/service');
    expect(query.getChildren('feature').map((f: Element) => f.attrs.var)).toContain(`${PUBSUB}#subscribe`);
  });
});

describe('the service with @xmpp/client over TCP (XEP-0060 §6, §7, §8)', () => {
  it('lets the admin alone create and publish, notifies subscribers until they unsubscribe, and announces the deletion', async () => {
    const alice = await online('alice', 'desk');
    const bob = await online('bob', 'desk');
    const carol = await online('carol', 'desk');

    // §8.1.2 create with a configure form (admin), §8.1.3.1 forbidden for anyone else.
    expect((await alice.iq(create('news', { 'pubsub#max_items': '1' }))).attrs.type).toBe('result');
    const refused = await bob.iq(create('bobs'));
    expect([refused.attrs.type, condition(refused)]).toEqual(['error', 'forbidden']);
    const nodes = await bob.iq(disco(DISCO_ITEMS, SERVICE));
    expect(nodes.getChild('query', DISCO_ITEMS)!.getChildren('item').map((i: Element) => i.attrs.node)).toEqual(['news']);
    // The form's max_items is the node's (its pubsub#meta-data, §5.4).
    const meta = await bob.iq(disco(DISCO_INFO, SERVICE, 'news'));
    const maxItems = meta.getChild('query', DISCO_INFO)!.getChild('x', 'jabber:x:data')!.getChildren('field').find((f: Element) => f.attrs.var === 'pubsub#max_items');
    expect(maxItems?.getChildText('value')).toBe('1');

    // §6.1 subscribe (open access model: any local account).
    for (const [who, jid] of [[bob, 'bob@localhost'], [carol, 'carol@localhost']] as const) {
      const subscribed = await who.iq(subscribe('news', jid));
      expect(subscribed.attrs.type).toBe('result');
      expect(subscribed.getChild('pubsub', PUBSUB)!.getChild('subscription')!.attrs).toMatchObject({ node: 'news', jid, subscription: 'subscribed' });
    }

    // §7.1 publish by the admin, and the §7.1.2.1 headline notification with the payload.
    const published = await alice.iq(publish('news', 'first', entry('Hello subscribers')));
    expect(published.attrs.type).toBe('result');
    expect(published.getChild('pubsub', PUBSUB)!.getChild('publish')!.getChild('item')!.attrs.id).toBe('first');
    const note = await eventually(() => bob.stanzas.find((s) => notifiedIds(s, 'news').length > 0), "bob's notification of 'first'");
    expect(note.attrs).toMatchObject({ from: SERVICE, type: 'headline' });
    expect(note.attrs.to).toBe('bob@localhost/desk');
    const noted = note.getChild('event', PUBSUB_EVENT)!.getChild('items')!.getChild('item')!;
    expect(noted.attrs.id).toBe('first');
    expect(noted.getChild('entry', ENTRY)!.getChildText('title')).toBe('Hello subscribers');

    // §6.5 items retrieval.
    const read = await bob.iq(getItems('news'));
    const readItems = read.getChild('pubsub', PUBSUB)!.getChild('items')!.getChildren('item');
    expect(readItems.map((i: Element) => i.attrs.id)).toEqual(['first']);
    expect(readItems[0]!.getChild('entry', ENTRY)!.getChildText('title')).toBe('Hello subscribers');

    // §7.1.3.1 publish by a non-admin (publish model 'publishers').
    const notPublisher = await bob.iq(publish('news', 'bobs-item', entry('not mine to publish')));
    expect([notPublisher.attrs.type, condition(notPublisher)]).toEqual(['error', 'forbidden']);

    // §6.2 unsubscribe; the next item reaches carol, still subscribed, and not bob. The service
    // handles alice's stanzas in order, notifications before her next stanza, so her chat message
    // sent after the publish arrives at bob after any notification of 'second' would have.
    expect((await bob.iq(unsubscribe('news', 'bob@localhost'))).attrs.type).toBe('result');
    expect((await alice.iq(publish('news', 'second', entry('After bob left')))).attrs.type).toBe('result');
    await alice.xmpp.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'marker after second')));
    await eventually(() => carol.stanzas.find((s) => notifiedIds(s, 'news').includes('second')), "carol's notification of 'second'");
    const markerAt = bob.stanzas.indexOf(await eventually(() => bob.stanzas.find((s) => isChat(s, 'marker after second')), "alice's marker at bob"));
    expect(bob.stanzas.slice(0, markerAt).filter((s) => notifiedIds(s, 'news').length > 0).flatMap((s) => notifiedIds(s, 'news'))).toEqual(['first']);
    // max_items 1: 'second' replaced 'first'.
    const afterSecond = await bob.iq(getItems('news'));
    expect(afterSecond.getChild('pubsub', PUBSUB)!.getChild('items')!.getChildren('item').map((i: Element) => i.attrs.id)).toEqual(['second']);

    // An unknown node: item-not-found, for items and for subscribe.
    const missing = await bob.iq(getItems('no-such-node'));
    expect([missing.attrs.type, condition(missing)]).toEqual(['error', 'item-not-found']);
    const missingSub = await bob.iq(subscribe('no-such-node', 'bob@localhost'));
    expect([missingSub.attrs.type, condition(missingSub)]).toEqual(['error', 'item-not-found']);

    // §8.4 delete by the admin: carol, still subscribed, is told.
    expect((await alice.iq(deleteNode('news'))).attrs.type).toBe('result');
    const deleted = await eventually(() => carol.stanzas.find((s) => eventOf(s)?.getChild('delete') !== undefined), "carol's notification of the deletion");
    expect(deleted.getChild('event', PUBSUB_EVENT)!.getChild('delete')!.attrs.node).toBe('news');
    const gone = await bob.iq(getItems('news'));
    expect(condition(gone)).toBe('item-not-found');
  });
});

describe("the service with slixmpp's own xep_0060 plugin", () => {
  it('subscribes slixmpp, which is notified of what the admin publishes (pubsub_publish) and retrieves it', async () => {
    const alice = await online('alice', 'slix-admin');
    expect((await alice.iq(create('updates'))).attrs.type).toBe('result');
    const dave = await SlixmppClient.start(server.port, 'dave@localhost/slixmpp', 'pw-dave', 90, ['--pubsub']);
    slixmpps.push(dave);
    await dave.command('presence');
    const subscribed = await dave.command('pubsub-subscribe', { jid: SERVICE, node: 'updates' });
    expect(subscribed).toMatchObject({ node: 'updates', jid: 'dave@localhost', subscription: 'subscribed' });

    expect((await alice.iq(publish('updates', 'u1', entry('For slixmpp')))).attrs.type).toBe('result');
    const event = await dave.waitFor((e) => e.event === 'pubsub-publish', "slixmpp's pubsub_publish event");
    expect(event).toMatchObject({ from: SERVICE, node: 'updates' });
    expect(event.items.map((i: { id: string }) => i.id)).toEqual(['u1']);
    const notified = parseDocument(event.items[0].xml);
    expect(notified.getChild('entry', ENTRY)!.getChildText('title')).toBe('For slixmpp');

    const read = await dave.command('pep-items', { jid: SERVICE, node: 'updates' });
    expect(read.items.map((i: { id: string }) => i.id)).toEqual(['u1']);
    expect(parseDocument(read.items[0].xml).getChild('entry', ENTRY)!.getChildText('title')).toBe('For slixmpp');
  });
});
