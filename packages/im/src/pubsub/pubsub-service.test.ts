// The XEP-0060 service on pubsub.<domain> through the in-process harness; also run by the
// 'im-two-nodes' project, where successive connections land on alternate Cores (a subscriber on one
// node, the publisher on the other). Absence is proved by a later stanza that does arrive (a
// marker), never by waiting.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { OptionsError } from '@deskchat/core';
import { rosterModule } from '../roster/roster-module.js';
import { presenceModule } from '../presence/presence-module.js';
import { messagingModules } from '../messaging/index.js';
import { PUBSUB_ERRORS_NS, PUBSUB_EVENT_NS, PUBSUB_NS, PUBSUB_OWNER_NS } from '../pep/pep-ns.js';
import { pubsubServiceModule, PUBSUB_SERVICE_FEATURES } from './pubsub-service.js';
import { parsePubsubOptions } from './pubsub-options.js';

const SERVICE = 'pubsub.localhost';
const NEWS = 'urn:test:news';
const CONFIG_FORM = 'http://jabber.org/protocol/pubsub#node_config';

const form = (type: string, fields: Record<string, string>) =>
  xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, type)), ...Object.entries(fields).map(([v, value]) => xml('field', { var: v }, xml('value', {}, value))));
const ps = (type: 'get' | 'set', ...children: Element[]) => xml('iq', { type, to: SERVICE }, xml('pubsub', { xmlns: PUBSUB_NS }, ...children));
const owner = (type: 'get' | 'set', child: Element) => xml('iq', { type, to: SERVICE }, xml('pubsub', { xmlns: PUBSUB_OWNER_NS }, child));
const create = (node: string, config?: Record<string, string>) => ps('set', xml('create', { node }), ...(config ? [xml('configure', {}, form(CONFIG_FORM, config))] : []));
const publish = (node: string, text: string, id?: string) => ps('set', xml('publish', { node }, xml('item', id ? { id } : {}, xml('entry', { xmlns: 'urn:test' }, text))));
const subscribe = (node: string, jid: string) => ps('set', xml('subscribe', { node, jid }));
const unsubscribe = (node: string, jid: string) => ps('set', xml('unsubscribe', { node, jid }));
const items = (node: string, attrs: Record<string, string> = {}, ids: string[] = []) => ps('get', xml('items', { node, ...attrs }, ...ids.map((id) => xml('item', { id }))));
const itemIds = (reply: Element) => reply.getChild('pubsub', PUBSUB_NS)!.getChild('items')!.getChildren('item').map((i) => i.attrs.id);
const appError = (reply: Element) => reply.getChild('error')?.children.find((c) => typeof c !== 'string' && c.attrs.xmlns === PUBSUB_ERRORS_NS) as Element | undefined;
const ok = (reply: Element) => expect(reply.attrs.type).toBe('result');
/** The next pubsub event (message from the service) for `node`, as its <event/>'s one child. */
const nextEvent = async (client: HarnessClient, node = NEWS): Promise<Element> => {
  const message = await client.next((el) => el.name === 'message' && el.attrs.from === SERVICE && !!el.getChild('event', PUBSUB_EVENT_NS));
  expect(message.attrs.type).toBe('headline');
  const child = message.getChild('event', PUBSUB_EVENT_NS)!.children.find((c) => typeof c !== 'string') as Element;
  expect(child.attrs.node).toBe(node);
  return child;
};
/** A marker: the next message `client` gets is this chat message, so no pubsub event came before it. */
const expectNothingBefore = async (client: HarnessClient, sender: HarnessClient) => {
  await sender.send(xml('message', { to: client.jid.toString(), type: 'chat' }, xml('body', {}, 'marker')));
  expect((await client.next((el) => el.name === 'message')).getChildText('body')).toBe('marker');
};

let h: Harness;

/** Connects and sends initial presence, so that bare-JID subscriptions reach the resource. */
async function online(user: string): Promise<HarnessClient> {
  const client = await h.connect(user);
  await client.send(xml('presence'));
  return client;
}

beforeEach(async () => {
  h = await Harness.create({
    modules: [rosterModule, presenceModule, ...messagingModules, { ...pubsubServiceModule, defaults: { enabled: true, subdomain: 'pubsub', admins: ['boss@localhost'], maxNodes: 3, maxItemsPerNode: 5, maxItemBytes: 512 } }],
  });
  for (const user of ['boss', 'alice', 'bob']) await h.addUser(user);
});

describe('service discovery (XEP-0060 §5)', () => {
  it('is listed in the server disco#items and answers disco#info with pubsub/service and its features', async () => {
    const alice = await h.connect('alice');
    const server = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS })));
    expect(server.getChild('query')!.getChildren('item').map((i) => i.attrs.jid)).toContain(SERVICE);
    const info = (await alice.iq(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(info.getChildren('identity').map((i) => `${i.attrs.category}/${i.attrs.type}`)).toEqual(['pubsub/service']);
    const features = info.getChildren('feature').map((f) => f.attrs.var);
    for (const f of [...PUBSUB_SERVICE_FEATURES, `${PUBSUB_NS}#subscribe`, `${PUBSUB_NS}#create-nodes`]) expect(features).toContain(f);
    expect(features).not.toContain(`${PUBSUB_NS}#access-presence`);
  });

  it('lists nodes in disco#items (whitelist ones to administrators only), and describes a node (§5.3) or says item-not-found', async () => {
    const boss = await h.connect('boss');
    ok(await boss.iq(create(NEWS)));
    ok(await boss.iq(create('urn:test:secret', { 'pubsub#access_model': 'whitelist' })));
    const nodes = async (c: HarnessClient) => (await c.iq(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item').map((i) => `${i.attrs.jid} ${i.attrs.node}`);
    expect(await nodes(boss)).toEqual([`${SERVICE} ${NEWS}`, `${SERVICE} urn:test:secret`]);
    const alice = await h.connect('alice');
    expect(await nodes(alice)).toEqual([`${SERVICE} ${NEWS}`]);
    const node = (await alice.iq(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: NS.DISCO_INFO, node: NEWS })))).getChild('query')!;
    expect(node.getChild('identity')!.attrs).toMatchObject({ category: 'pubsub', type: 'leaf' });
    const meta = node.getChild('x', 'jabber:x:data')!.getChildren('field');
    expect(meta.find((f) => f.attrs.var === 'pubsub#access_model')!.getChildText('value')).toBe('open');
    expect(isStanzaError(await alice.iq(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: NS.DISCO_INFO, node: 'urn:none' }))), 'item-not-found')).toBe(true);
  });
});

describe('node management (XEP-0060 §8): administrators only', () => {
  it('lets an administrator create a node, refuses a second one of that name (conflict) and instant nodes (nodeid-required)', async () => {
    const boss = await h.connect('boss');
    ok(await boss.iq(create(NEWS, { 'pubsub#max_items': '3', 'pubsub#publish_model': 'open' })));
    expect((await h.core.stores.pep.getNode('@pubsub', NEWS))?.config).toMatchObject({ accessModel: 'open', maxItems: 3, publishModel: 'open' });
    expect(isStanzaError(await boss.iq(create(NEWS)), 'conflict')).toBe(true);
    const instant = await boss.iq(ps('set', xml('create')));
    expect(isStanzaError(instant, 'not-acceptable')).toBe(true);
    expect(appError(instant)?.name).toBe('nodeid-required');
    expect(isStanzaError(await boss.iq(create('urn:test:p', { 'pubsub#access_model': 'presence' })), 'not-acceptable')).toBe(true);
    expect(isStanzaError(await boss.iq(create('urn:test:q', { 'pubsub#no_such_field': '1' })), 'not-acceptable')).toBe(true);
  });

  it('answers forbidden to anyone else creating, configuring, purging or deleting', async () => {
    const boss = await h.connect('boss');
    ok(await boss.iq(create(NEWS)));
    const alice = await h.connect('alice');
    expect(isStanzaError(await alice.iq(create('urn:test:mine')), 'forbidden')).toBe(true);
    expect(await h.core.stores.pep.getNode('@pubsub', 'urn:test:mine')).toBeUndefined();
    expect(isStanzaError(await alice.iq(owner('get', xml('configure', { node: NEWS }))), 'forbidden')).toBe(true);
    expect(isStanzaError(await alice.iq(owner('set', xml('configure', { node: NEWS }, form(CONFIG_FORM, { 'pubsub#max_items': '1' })))), 'forbidden')).toBe(true);
    expect(isStanzaError(await alice.iq(owner('set', xml('purge', { node: NEWS }))), 'forbidden')).toBe(true);
    expect(isStanzaError(await alice.iq(owner('set', xml('delete', { node: NEWS }))), 'forbidden')).toBe(true);
    expect(await h.core.stores.pep.getNode('@pubsub', NEWS)).toBeDefined();
  });

  it('serves and applies the configuration form (§8.2), and says item-not-found for an unknown node', async () => {
    const boss = await h.connect('boss');
    ok(await boss.iq(create(NEWS)));
    const got = await boss.iq(owner('get', xml('configure', { node: NEWS })));
    const fields = got.getChild('pubsub', PUBSUB_OWNER_NS)!.getChild('configure')!.getChild('x', 'jabber:x:data')!.getChildren('field').map((f) => f.attrs.var);
    expect(fields).toEqual(expect.arrayContaining(['pubsub#access_model', 'pubsub#max_items', 'pubsub#persist_items', 'pubsub#notify_retract', 'pubsub#send_last_published_item', 'pubsub#publish_model']));
    ok(await boss.iq(owner('set', xml('configure', { node: NEWS }, form(CONFIG_FORM, { 'pubsub#max_items': '2', 'pubsub#send_last_published_item': 'on_sub' })))));
    expect((await h.core.stores.pep.getNode('@pubsub', NEWS))?.config).toMatchObject({ maxItems: 2, sendLastPublishedItem: 'on_sub' });
    expect(isStanzaError(await boss.iq(owner('set', xml('configure', { node: NEWS }, form(CONFIG_FORM, { 'pubsub#max_items': '6' })))), 'not-acceptable')).toBe(true);
    for (const child of [xml('configure', { node: 'urn:none' }), xml('purge', { node: 'urn:none' }), xml('delete', { node: 'urn:none' })]) {
      expect(isStanzaError(await boss.iq(owner(child.name === 'configure' ? 'get' : 'set', child)), 'item-not-found')).toBe(true);
    }
  });

  it('bounds the nodes of the service (resource-constraint), the items of a node and the bytes of an item', async () => {
    const boss = await h.connect('boss');
    for (const n of ['1', '2', '3']) ok(await boss.iq(create(`urn:test:n${n}`)));
    expect(isStanzaError(await boss.iq(create('urn:test:n4')), 'resource-constraint')).toBe(true);
    ok(await boss.iq(owner('set', xml('configure', { node: 'urn:test:n1' }, form(CONFIG_FORM, { 'pubsub#max_items': 'max' })))));
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) ok(await boss.iq(publish('urn:test:n1', id, id)));
    expect(itemIds(await boss.iq(items('urn:test:n1')))).toEqual(['g', 'f', 'e', 'd', 'c']);
    const big = await boss.iq(publish('urn:test:n1', 'x'.repeat(600)));
    expect(isStanzaError(big, 'not-acceptable')).toBe(true);
    expect(appError(big)?.name).toBe('payload-too-big');
  });
});

describe('subscribe, publish, notify (XEP-0060 §6, §7)', () => {
  it('notifies a subscriber of a publish (on another node in a two-node run), serves items, and stops after unsubscribe', async () => {
    const boss = await online('boss');
    const alice = await online('alice');
    ok(await boss.iq(create(NEWS)));
    const sub = await alice.iq(subscribe(NEWS, 'alice@localhost'));
    expect(sub.getChild('pubsub', PUBSUB_NS)!.getChild('subscription')!.attrs).toMatchObject({ node: NEWS, jid: 'alice@localhost', subscription: 'subscribed' });
    const published = await boss.iq(publish(NEWS, 'hello', 'n1'));
    expect(published.getChild('pubsub', PUBSUB_NS)!.getChild('publish')!.getChild('item')!.attrs.id).toBe('n1');
    const ev = await nextEvent(alice);
    expect(ev.name).toBe('items');
    expect(ev.getChild('item')!.attrs.id).toBe('n1');
    expect(ev.getChild('item')!.getChild('entry', 'urn:test')!.getText()).toBe('hello');
    // §5.6: one's own subscriptions.
    const mine = await alice.iq(ps('get', xml('subscriptions')));
    expect(mine.getChild('pubsub', PUBSUB_NS)!.getChild('subscriptions')!.getChildren('subscription').map((s) => `${s.attrs.node} ${s.attrs.jid}`)).toEqual([`${NEWS} alice@localhost`]);
    // §6.5: items, with max_items and by id; the service generates an id when none is given.
    const generated = await boss.iq(publish(NEWS, 'second'));
    const id2 = generated.getChild('pubsub', PUBSUB_NS)!.getChild('publish')!.getChild('item')!.attrs.id;
    expect(id2).toMatch(/.+/);
    expect((await nextEvent(alice)).getChild('item')!.attrs.id).toBe(id2);
    expect(itemIds(await alice.iq(items(NEWS)))).toEqual([id2, 'n1']);
    expect(itemIds(await alice.iq(items(NEWS, { max_items: '1' })))).toEqual([id2]);
    expect(itemIds(await alice.iq(items(NEWS, {}, ['n1'])))).toEqual(['n1']);
    // §6.2: unsubscribe; then no more notifications.
    ok(await alice.iq(unsubscribe(NEWS, 'alice@localhost')));
    const again = await alice.iq(unsubscribe(NEWS, 'alice@localhost'));
    expect(isStanzaError(again, 'unexpected-request')).toBe(true);
    expect(appError(again)?.name).toBe('not-subscribed');
    ok(await boss.iq(publish(NEWS, 'third')));
    await expectNothingBefore(alice, boss);
  });

  it('notifies a full-JID subscription at that resource only', async () => {
    const boss = await online('boss');
    const desk = await online('alice');
    const phone = await online('alice');
    ok(await boss.iq(create(NEWS)));
    ok(await phone.iq(subscribe(NEWS, phone.jid.toString())));
    ok(await boss.iq(publish(NEWS, 'to the phone')));
    expect((await nextEvent(phone)).getChild('item')).toBeDefined();
    await expectNothingBefore(desk, boss);
  });

  it('refuses subscribing another JID (invalid-jid), an unknown node (item-not-found), and a whitelist node to a non-administrator (closed-node)', async () => {
    const boss = await online('boss');
    ok(await boss.iq(create(NEWS)));
    ok(await boss.iq(create('urn:test:secret', { 'pubsub#access_model': 'whitelist' })));
    const alice = await h.connect('alice');
    const other = await alice.iq(subscribe(NEWS, 'bob@localhost'));
    expect(isStanzaError(other, 'bad-request')).toBe(true);
    expect(appError(other)?.name).toBe('invalid-jid');
    const noJid = await alice.iq(ps('set', xml('subscribe', { node: NEWS })));
    expect(appError(noJid)?.name).toBe('invalid-jid');
    expect(isStanzaError(await alice.iq(subscribe('urn:none', 'alice@localhost')), 'item-not-found')).toBe(true);
    const closed = await alice.iq(subscribe('urn:test:secret', 'alice@localhost'));
    expect(isStanzaError(closed, 'not-allowed')).toBe(true);
    expect(appError(closed)?.name).toBe('closed-node');
    expect(appError(await alice.iq(items('urn:test:secret')))?.name).toBe('closed-node');
    ok(await boss.iq(subscribe('urn:test:secret', 'boss@localhost')));
    expect(isStanzaError(await alice.iq(unsubscribe(NEWS, 'bob@localhost')), 'forbidden')).toBe(true);
    expect(isStanzaError(await alice.iq(items('urn:none')), 'item-not-found')).toBe(true);
    expect(isStanzaError(await alice.iq(publish('urn:none', 'x')), 'item-not-found')).toBe(true);
    expect(isStanzaError(await boss.iq(publish('urn:none', 'x')), 'item-not-found')).toBe(true);
    expect(isStanzaError(await alice.iq(ps('get', xml('default'))), 'feature-not-implemented')).toBe(true);
  });

  it("lets only publishers publish: administrators on a 'publishers' node, any account on an 'open' one", async () => {
    const boss = await h.connect('boss');
    ok(await boss.iq(create(NEWS)));
    ok(await boss.iq(create('urn:test:wall', { 'pubsub#publish_model': 'open' })));
    const alice = await h.connect('alice');
    expect(isStanzaError(await alice.iq(publish(NEWS, 'nope')), 'forbidden')).toBe(true);
    ok(await alice.iq(publish('urn:test:wall', 'yes', 'w1')));
    expect(itemIds(await boss.iq(items('urn:test:wall')))).toEqual(['w1']);
    ok(await boss.iq(publish(NEWS, 'boss', 'b1')));
    expect(isStanzaError(await alice.iq(ps('set', xml('retract', { node: NEWS }, xml('item', { id: 'b1' })))), 'forbidden')).toBe(true);
    expect(itemIds(await boss.iq(items(NEWS)))).toEqual(['b1']);
  });

  it('sends the last item on subscribe when send_last_published_item is on_sub', async () => {
    const boss = await online('boss');
    ok(await boss.iq(create(NEWS, { 'pubsub#send_last_published_item': 'on_sub' })));
    ok(await boss.iq(publish(NEWS, 'old', 'o1')));
    ok(await boss.iq(publish(NEWS, 'latest', 'o2')));
    const alice = await online('alice');
    ok(await alice.iq(subscribe(NEWS, 'alice@localhost')));
    const ev = await nextEvent(alice);
    expect(ev.getChild('item')!.attrs.id).toBe('o2');
  });
});

describe('retract, purge, delete (XEP-0060 §7.2, §8.4, §8.5) with notifications', () => {
  it('retracts an item and notifies the retraction; item-not-found for an unknown item', async () => {
    const boss = await online('boss');
    const alice = await online('alice');
    ok(await boss.iq(create(NEWS)));
    ok(await alice.iq(subscribe(NEWS, 'alice@localhost')));
    ok(await boss.iq(publish(NEWS, 'a', 'r1')));
    await nextEvent(alice);
    ok(await boss.iq(ps('set', xml('retract', { node: NEWS }, xml('item', { id: 'r1' })))));
    const ev = await nextEvent(alice);
    expect(ev.getChild('retract')!.attrs.id).toBe('r1');
    expect(itemIds(await alice.iq(items(NEWS)))).toEqual([]);
    expect(isStanzaError(await boss.iq(ps('set', xml('retract', { node: NEWS }, xml('item', { id: 'r1' })))), 'item-not-found')).toBe(true);
    const noItem = await boss.iq(ps('set', xml('retract', { node: NEWS })));
    expect(appError(noItem)?.name).toBe('item-required');
  });

  it('purges the items and notifies <purge/>', async () => {
    const boss = await online('boss');
    const alice = await online('alice');
    ok(await boss.iq(create(NEWS)));
    ok(await alice.iq(subscribe(NEWS, 'alice@localhost')));
    ok(await boss.iq(publish(NEWS, 'a', 'p1')));
    await nextEvent(alice);
    ok(await boss.iq(owner('set', xml('purge', { node: NEWS }))));
    expect((await nextEvent(alice)).name).toBe('purge');
    expect(itemIds(await boss.iq(items(NEWS)))).toEqual([]);
  });

  it('deletes a node, notifies its subscribers with <delete/> and forgets their subscriptions', async () => {
    const boss = await online('boss');
    const alice = await online('alice');
    ok(await boss.iq(create(NEWS)));
    ok(await alice.iq(subscribe(NEWS, 'alice@localhost')));
    ok(await boss.iq(owner('set', xml('delete', { node: NEWS }))));
    expect((await nextEvent(alice)).name).toBe('delete');
    expect(isStanzaError(await alice.iq(items(NEWS)), 'item-not-found')).toBe(true);
    expect(await h.core.stores.pubsubSubscriptions.subscribersOf(NEWS)).toEqual([]);
    // A new node of that name starts without subscribers.
    ok(await boss.iq(create(NEWS)));
    ok(await boss.iq(publish(NEWS, 'fresh')));
    await expectNothingBefore(alice, boss);
  });
});

describe('robustness', () => {
  it('answers bad input with errors and keeps serving', async () => {
    const alice = await h.connect('alice');
    expect(isStanzaError(await alice.iq(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: 'urn:unknown' }))), 'service-unavailable')).toBe(true);
    expect(isStanzaError(await alice.iq(xml('iq', { type: 'set', to: SERVICE }, xml('pubsub', { xmlns: PUBSUB_NS }))), 'feature-not-implemented')).toBe(true);
    expect(isStanzaError(await alice.iq(xml('iq', { type: 'get', to: `node@${SERVICE}` }, xml('query', { xmlns: NS.DISCO_INFO }))), 'service-unavailable')).toBe(true);
    expect(isStanzaError(await alice.iq(items('urn:x', { max_items: 'lots' })), 'item-not-found')).toBe(true);
    expect(appError(await alice.iq(ps('set', xml('subscribe', { jid: 'alice@localhost' }))))?.name).toBe('nodeid-required');
    expect(isStanzaError(await alice.iq(xml('iq', { type: 'get', to: SERVICE })), 'bad-request')).toBe(true);
    ok(await alice.iq(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: NS.DISCO_INFO }))));
  });
});

describe('options', () => {
  it('parses the pubsub section, naming the key of a bad value', () => {
    expect(parsePubsubOptions({ admins: ['boss', 'Ann@localhost'], maxNodes: 5 }, 'localhost')).toMatchObject({ enabled: true, subdomain: 'pubsub', admins: ['boss@localhost', 'ann@localhost'], maxNodes: 5 });
    expect(() => parsePubsubOptions({ nodes: 1 }, 'localhost')).toThrow(OptionsError);
    expect(() => parsePubsubOptions({ nodes: 1 }, 'localhost')).toThrow(/pubsub\.nodes/);
    expect(() => parsePubsubOptions({ admins: ['x@other.example'] }, 'localhost')).toThrow(/pubsub\.admins\[0\]/);
    expect(() => parsePubsubOptions({ maxItemBytes: 1 }, 'localhost')).toThrow(/pubsub\.maxItemBytes/);
    expect(() => parsePubsubOptions({ enabled: 'yes' }, 'localhost')).toThrow(/pubsub\.enabled/);
  });

  it('serves nothing when disabled', async () => {
    const off = await Harness.create({ modules: [{ ...pubsubServiceModule, defaults: { ...pubsubServiceModule.defaults!, enabled: false } }] });
    await off.addUser('alice');
    const alice = await off.connect('alice');
    expect(isStanzaError(await alice.iq(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: NS.DISCO_INFO }))), 'remote-server-not-found')).toBe(true);
  });
});
