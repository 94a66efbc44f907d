// XEP-0163 PEP (with the XEP-0060 parts it needs and XEP-0115 caps) through the in-process harness;
// also run by the 'im-two-nodes' project, users split across two Cores. Absence is proved by a
// later stanza that does arrive (a marker), never by waiting.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { CAPS_NS, capsVerOf, removeAccount, type Subscription } from '@deskchat/core';
import { Harness, eventually, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { rosterModule } from '../roster/roster-module.js';
import { presenceModule } from '../presence/presence-module.js';
import { messagingModules } from '../messaging/index.js';
import { privateXmlModule } from '../private/private-xml-module.js';
import { pepModule } from './pep-module.js';
import { PEP_FEATURES, PUBSUB_ERRORS_NS, PUBSUB_EVENT_NS, PUBSUB_NS, PUBSUB_OWNER_NS } from './pep-ns.js';

const AVATAR_META = 'urn:xmpp:avatar:metadata';
const MOOD = 'http://jabber.org/protocol/mood';
const BOOKMARKS = 'urn:xmpp:bookmarks:1';
const PO = 'http://jabber.org/protocol/pubsub#publish-options';

const reverse: Record<Subscription, Subscription> = { none: 'none', to: 'from', from: 'to', both: 'both' };
async function link(h: Harness, user: string, contact: string, subscription: Subscription): Promise<void> {
  const base = { groups: [], isPendingOut: false, isPreApproved: false };
  await h.core.stores.roster.setItem(user, { jid: `${contact}@localhost`, subscription, ...base });
  await h.core.stores.roster.setItem(contact, { jid: `${user}@localhost`, subscription: reverse[subscription], ...base });
}

const form = (type: string, fields: Record<string, string>) =>
  xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, type)), ...Object.entries(fields).map(([v, value]) => xml('field', { var: v }, xml('value', {}, value))));
const publish = (node: string, payload: Element, id?: string, options?: Record<string, string>) =>
  xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('publish', { node }, xml('item', id ? { id } : {}, payload)), ...(options ? [xml('publish-options', {}, form(PO, options))] : [])));
const getItems = (to: string, node: string, attrs: Record<string, string> = {}) => xml('iq', { type: 'get', to }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('items', { node, ...attrs })));
const owner = (child: Element) => xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_OWNER_NS }, child));
const mood = (m: string) => xml('mood', { xmlns: MOOD }, xml(m));
const itemIds = (reply: Element) => reply.getChild('pubsub', PUBSUB_NS)!.getChild('items')!.getChildren('item').map((i) => i.attrs.id);
const appError = (reply: Element) => reply.getChild('error')?.children.find((c) => typeof c !== 'string' && c.attrs.xmlns === PUBSUB_ERRORS_NS) as Element | undefined;
const isEvent = (node: string) => (el: Element) => {
  const ev = el.name === 'message' ? el.getChild('event', PUBSUB_EVENT_NS) : undefined;
  return !!ev && ev.children.some((c) => typeof c !== 'string' && c.attrs.node === node);
};

let h: Harness;

/** Signs in with XEP-0115 caps for `features` (answering the server's disco#info when the hash is new to it). */
async function online(user: string, resource: string, features: string[]): Promise<HarnessClient> {
  const client = await h.connect(user, { resource });
  const info = xml('query', { xmlns: NS.DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'test' }), ...[NS.DISCO_INFO, CAPS_NS, ...features].map((v) => xml('feature', { var: v })));
  const ver = capsVerOf(info)!;
  const isKnown = (await h.core.stores.pep.getCaps(`sha-1 ${ver}`)) !== undefined;
  const asked = isKnown ? undefined : client.next((el) => el.name === 'iq' && el.attrs.type === 'get' && el.getChild('query', NS.DISCO_INFO)?.attrs.node === `urn:test#${ver}`);
  await client.send(xml('presence', {}, xml('c', { xmlns: CAPS_NS, hash: 'sha-1', node: 'urn:test', ver })));
  if (asked) {
    const q = await asked;
    info.attrs.node = `urn:test#${ver}`;
    await client.send(xml('iq', { type: 'result', id: q.attrs.id, to: q.attrs.from }, info));
    await eventually(async () => (await h.core.stores.pep.getCaps(`sha-1 ${ver}`)) !== undefined, 'caps cached');
  }
  return client;
}

beforeEach(async () => {
  h = await Harness.create({ modules: [rosterModule, presenceModule, ...messagingModules, privateXmlModule, { ...pepModule, defaults: { maxNodesPerUser: 4, maxItemsPerNode: 5, maxItemBytes: 1024, capsQueryTimeoutMs: 2000 } }] });
  for (const user of ['alice', 'bob', 'carol', 'dave']) await h.addUser(user);
  await link(h, 'alice', 'bob', 'both');
  await link(h, 'alice', 'carol', 'from'); // carol sees alice's presence
});

describe('service discovery (XEP-0163 §6, XEP-0060 §5.1)', () => {
  it('lists the pubsub features on the server and pubsub/pep identity with them on the account', async () => {
    const alice = await h.connect('alice');
    const server = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const features = server.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    for (const f of PEP_FEATURES) expect(features).toContain(f);
    const account = (await alice.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(account.getChildren('identity').map((i) => `${i.attrs.category}/${i.attrs.type}`)).toEqual(['account/registered', 'pubsub/pep']);
    expect(account.getChildren('feature').map((f) => f.attrs.var)).toContain(`${PUBSUB_NS}#publish`);
  });

  it('lists in disco#items only the nodes the requester may read', async () => {
    const alice = await h.connect('alice');
    await alice.iq(publish(MOOD, mood('happy')));
    await alice.iq(publish('urn:open', xml('x', { xmlns: 'urn:open' }), 'a', { 'pubsub#access_model': 'open' }));
    await alice.iq(publish(BOOKMARKS, xml('conference', { xmlns: BOOKMARKS }), 'room@conference.localhost', { 'pubsub#access_model': 'whitelist' }));
    const nodes = async (c: HarnessClient) => (await c.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item').map((i) => i.attrs.node);
    expect(await nodes(alice)).toEqual([MOOD, 'urn:open', BOOKMARKS]);
    expect(await nodes(await h.connect('bob'))).toEqual([MOOD, 'urn:open']);
    expect(await nodes(await h.connect('dave'))).toEqual(['urn:open']);
  });
});

describe('publish and retrieve (XEP-0060 §7.1, §6.5; XEP-0163 §7.1 auto-create)', () => {
  it('auto-creates the node, returns the item id, and serves the items to the owner and to a subscribed contact', async () => {
    const alice = await h.connect('alice');
    const reply = await alice.iq(publish(MOOD, mood('happy'), 'm1'));
    expect(reply.getChild('pubsub', PUBSUB_NS)!.getChild('publish')!.getChild('item')!.attrs.id).toBe('m1');
    const generated = await alice.iq(publish(AVATAR_META, xml('metadata', { xmlns: AVATAR_META })));
    expect(generated.getChild('pubsub', PUBSUB_NS)!.getChild('publish')!.getChild('item')!.attrs.id).toMatch(/.+/);
    expect(itemIds(await alice.iq(getItems('alice@localhost', MOOD)))).toEqual(['m1']);
    const bob = await h.connect('bob');
    const seen = await bob.iq(getItems('alice@localhost', MOOD));
    expect(seen.getChild('pubsub', PUBSUB_NS)!.getChild('items')!.getChild('item')!.getChild('mood', MOOD)!.getChild('happy')).toBeDefined();
  });

  it('refuses a presence-model node to a non-contact (presence-subscription-required) and a whitelist node to a contact (closed-node); item-not-found for no node', async () => {
    const alice = await h.connect('alice');
    await alice.iq(publish(MOOD, mood('happy')));
    await alice.iq(publish(BOOKMARKS, xml('conference', { xmlns: BOOKMARKS }), 'r@conference.localhost', { 'pubsub#access_model': 'whitelist', 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never' }));
    const dave = await h.connect('dave');
    const denied = await dave.iq(getItems('alice@localhost', MOOD));
    expect(isStanzaError(denied, 'not-authorized')).toBe(true);
    expect(appError(denied)?.name).toBe('presence-subscription-required');
    const bob = await h.connect('bob');
    const closed = await bob.iq(getItems('alice@localhost', BOOKMARKS));
    expect(isStanzaError(closed, 'not-allowed')).toBe(true);
    expect(appError(closed)?.name).toBe('closed-node');
    expect(isStanzaError(await bob.iq(getItems('alice@localhost', 'urn:none')), 'item-not-found')).toBe(true);
  });

  it('serves an open node to anyone', async () => {
    const alice = await h.connect('alice');
    await alice.iq(publish('urn:open', xml('x', { xmlns: 'urn:open' }), 'a', { 'pubsub#access_model': 'open' }));
    expect(itemIds(await (await h.connect('dave')).iq(getItems('alice@localhost', 'urn:open')))).toEqual(['a']);
  });

  it('keeps max_items newest items, replaces an item with the same id, honours max_items and item ids in a request', async () => {
    const alice = await h.connect('alice');
    await alice.iq(publish('urn:list', xml('x', { xmlns: 'urn:list' }), 'a', { 'pubsub#max_items': '2' }));
    await alice.iq(publish('urn:list', xml('x', { xmlns: 'urn:list' }), 'b'));
    await alice.iq(publish('urn:list', xml('x', { xmlns: 'urn:list' }), 'c'));
    expect(itemIds(await alice.iq(getItems('alice@localhost', 'urn:list')))).toEqual(['c', 'b']);
    await alice.iq(publish('urn:list', xml('x', { xmlns: 'urn:list' }), 'b'));
    expect(itemIds(await alice.iq(getItems('alice@localhost', 'urn:list', { max_items: '1' })))).toEqual(['b']);
    const byId = await alice.iq(xml('iq', { type: 'get' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('items', { node: 'urn:list' }, xml('item', { id: 'c' })))));
    expect(itemIds(byId)).toEqual(['c']);
  });

  it('checks publish-options against an existing node: precondition-not-met on a mismatch (XEP-0060 §7.1.5)', async () => {
    const alice = await h.connect('alice');
    await alice.iq(publish(MOOD, mood('happy')));
    const reply = await alice.iq(publish(MOOD, mood('sad'), undefined, { 'pubsub#access_model': 'whitelist' }));
    expect(isStanzaError(reply, 'conflict')).toBe(true);
    expect(appError(reply)?.name).toBe('precondition-not-met');
    const unknown = await alice.iq(publish('urn:new', xml('x', { xmlns: 'urn:new' }), undefined, { 'pubsub#access_model': 'roster' }));
    expect(appError(unknown)?.name).toBe('precondition-not-met');
    expect((await alice.iq(publish(MOOD, mood('sad'), undefined, { 'pubsub#access_model': 'presence' }))).attrs.type).toBe('result');
  });

  it('refuses publishing to another account (forbidden), bad payloads (bad-request) and too big a payload (payload-too-big)', async () => {
    const bob = await h.connect('bob');
    const other = publish(MOOD, mood('happy'));
    other.attrs.to = 'alice@localhost';
    expect(isStanzaError(await bob.iq(other), 'forbidden')).toBe(true);
    const empty = await bob.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('publish', { node: MOOD }, xml('item')))));
    expect(appError(empty)?.name).toBe('payload-required');
    const big = await bob.iq(publish(MOOD, xml('mood', { xmlns: MOOD }, xml('text', {}, 'x'.repeat(2000)))));
    expect(isStanzaError(big, 'not-acceptable')).toBe(true);
    expect(appError(big)?.name).toBe('payload-too-big');
    const noNode = await bob.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('publish', {}, xml('item', {}, mood('x'))))));
    expect(appError(noNode)?.name).toBe('nodeid-required');
  });

  it('bounds the nodes of one account (resource-constraint) and a node\'s max_items (not-acceptable)', async () => {
    const alice = await h.connect('alice');
    for (const n of ['1', '2', '3', '4']) expect((await alice.iq(publish(`urn:n${n}`, xml('x', { xmlns: 'urn:x' })))).attrs.type).toBe('result');
    expect(isStanzaError(await alice.iq(publish('urn:n5', xml('x', { xmlns: 'urn:x' }))), 'resource-constraint')).toBe(true);
    const tooMany = await alice.iq(owner(xml('configure', { node: 'urn:n1' }, form('http://jabber.org/protocol/pubsub#node_config', { 'pubsub#max_items': '6' }))));
    expect(isStanzaError(tooMany, 'not-acceptable')).toBe(true);
  });

  it('answers feature-not-implemented with <unsupported/> to explicit subscriptions', async () => {
    const bob = await h.connect('bob');
    const reply = await bob.iq(xml('iq', { type: 'set', to: 'alice@localhost' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('subscribe', { node: MOOD, jid: 'bob@localhost' }))));
    expect(isStanzaError(reply, 'feature-not-implemented')).toBe(true);
    expect(appError(reply)?.attrs.feature).toBe('subscribe');
  });
});

describe('notifications (XEP-0163 §4.3) filtered by XEP-0115 caps', () => {
  it('notifies the owner\'s and subscribed contacts\' resources that show +notify, and no one else', async () => {
    const alice = await online('alice', 'desk', [`${MOOD}+notify`]);
    const bob = await online('bob', 'laptop', [`${MOOD}+notify`, `${AVATAR_META}+notify`]);
    const carol = await online('carol', 'desk', [`${AVATAR_META}+notify`]); // subscribed, but no mood interest
    const dave = await online('dave', 'desk', [`${MOOD}+notify`, `${AVATAR_META}+notify`]); // interested, not subscribed
    for (const c of [alice, bob, carol, dave]) c.transport.drain();
    const alice2 = await h.connect('alice', { resource: 'phone' });
    await alice2.iq(publish(MOOD, mood('happy'), 'm1'));
    const toBob = await bob.next(isEvent(MOOD));
    expect(toBob.attrs).toMatchObject({ from: 'alice@localhost', type: 'headline' });
    const item = toBob.getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.getChild('item')!;
    expect(item.attrs.id).toBe('m1');
    expect(item.getChild('mood', MOOD)).toBeDefined();
    await alice.next(isEvent(MOOD));
    // The marker for carol: the avatar notification she does get (subscribed and interested) is her first message.
    await alice2.iq(publish(AVATAR_META, xml('metadata', { xmlns: AVATAR_META }, xml('info', { id: 'abc', bytes: '10', type: 'image/png' })), 'abc'));
    const first = await carol.next((el) => el.name === 'message');
    expect(first.getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.attrs.node).toBe(AVATAR_META); // not the mood one before it
    await bob.next(isEvent(AVATAR_META));
    // dave: no notification at all; a chat message from alice is the next thing he gets.
    await alice2.send(xml('message', { to: 'dave@localhost/desk', type: 'chat' }, xml('body', {}, 'marker')));
    expect((await dave.next((el) => el.name === 'message')).getChildText('body')).toBe('marker');
  });

  it('sends nothing to a resource with a negative priority (XEP-0163 §4.3.2: appropriate presence information)', async () => {
    const bob = await online('bob', 'laptop', [`${MOOD}+notify`, `${AVATAR_META}+notify`]);
    const away = await h.connect('bob', { resource: 'away' });
    const info = xml('query', { xmlns: NS.DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'test' }), ...[NS.DISCO_INFO, CAPS_NS, `${MOOD}+notify`, `${AVATAR_META}+notify`].map((v) => xml('feature', { var: v })));
    await away.send(xml('presence', {}, xml('priority', {}, '-1'), xml('c', { xmlns: CAPS_NS, hash: 'sha-1', node: 'urn:test', ver: capsVerOf(info)! })));
    away.transport.drain();
    const alice = await h.connect('alice');
    await alice.iq(publish(MOOD, mood('happy')));
    await bob.next(isEvent(MOOD));
    await alice.send(xml('message', { to: 'bob@localhost/away', type: 'chat' }, xml('body', {}, 'marker')));
    expect((await away.next((el) => el.name === 'message')).getChildText('body')).toBe('marker');
  });

  it('sends a whitelisted node\'s notifications only to the owner\'s resources', async () => {
    const alice = await online('alice', 'desk', [`${BOOKMARKS}+notify`, `${MOOD}+notify`]);
    const bob = await online('bob', 'laptop', [`${BOOKMARKS}+notify`, `${MOOD}+notify`]);
    bob.transport.drain();
    await alice.iq(publish(BOOKMARKS, xml('conference', { xmlns: BOOKMARKS, autojoin: 'true' }), 'room@conference.localhost', { 'pubsub#access_model': 'whitelist', 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max' }));
    await alice.next(isEvent(BOOKMARKS));
    await alice.iq(publish(MOOD, mood('happy')));
    expect((await bob.next((el) => el.name === 'message')).getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.attrs.node).toBe(MOOD);
  });

  it('notifies retractions, purge and delete', async () => {
    const alice = await online('alice', 'desk', []);
    const bob = await online('bob', 'laptop', [`${MOOD}+notify`]);
    await alice.iq(publish(MOOD, mood('happy'), 'm1'));
    await bob.next(isEvent(MOOD));
    await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('retract', { node: MOOD, notify: 'true' }, xml('item', { id: 'm1' })))));
    const retract = await bob.next(isEvent(MOOD));
    expect(retract.getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.getChild('retract')!.attrs.id).toBe('m1');
    expect(itemIds(await alice.iq(getItems('alice@localhost', MOOD)))).toEqual([]);
    await alice.iq(publish(MOOD, mood('sad'), 'm2'));
    await bob.next(isEvent(MOOD));
    await alice.iq(owner(xml('purge', { node: MOOD })));
    expect((await bob.next((el) => el.name === 'message')).getChild('event', PUBSUB_EVENT_NS)!.getChild('purge')!.attrs.node).toBe(MOOD);
    expect(itemIds(await alice.iq(getItems('alice@localhost', MOOD)))).toEqual([]);
    await alice.iq(owner(xml('delete', { node: MOOD })));
    expect((await bob.next((el) => el.name === 'message')).getChild('event', PUBSUB_EVENT_NS)!.getChild('delete')!.attrs.node).toBe(MOOD);
    expect(isStanzaError(await alice.iq(getItems('alice@localhost', MOOD)), 'item-not-found')).toBe(true);
    const gone = await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('retract', { node: MOOD }, xml('item', { id: 'm2' })))));
    expect(isStanzaError(gone, 'item-not-found')).toBe(true);
  });

  it('sends the last item, with its delay, to a resource whose caps newly show +notify (XEP-0163 §4.3.4)', async () => {
    const alice = await h.connect('alice');
    await alice.iq(publish(AVATAR_META, xml('metadata', { xmlns: AVATAR_META }, xml('info', { id: 'old', bytes: '1', type: 'image/png' })), 'old'));
    await alice.iq(publish(AVATAR_META, xml('metadata', { xmlns: AVATAR_META }, xml('info', { id: 'new', bytes: '1', type: 'image/png' })), 'new'));
    const bob = await h.connect('bob', { resource: 'laptop' });
    const last = bob.next(isEvent(AVATAR_META));
    const info = xml('query', { xmlns: NS.DISCO_INFO }, xml('identity', { category: 'client', type: 'pc' }), xml('feature', { var: `${AVATAR_META}+notify` }));
    const ver = capsVerOf(info)!;
    await bob.send(xml('presence', {}, xml('c', { xmlns: CAPS_NS, hash: 'sha-1', node: 'urn:test', ver })));
    // §6.3: the server does not know this hash yet, so it asks the client.
    const q = await bob.next((el) => el.name === 'iq' && el.getChild('query', NS.DISCO_INFO) !== undefined);
    expect(q.attrs).toMatchObject({ type: 'get', from: 'localhost' });
    await bob.send(xml('iq', { type: 'result', id: q.attrs.id, to: q.attrs.from }, info));
    const event = await last;
    expect(event.getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.getChild('item')!.attrs.id).toBe('new');
    expect(event.getChild('delay', 'urn:xmpp:delay')).toBeDefined();
  });

  it('sends the last item to a contact that has just become subscribed to the owner\'s presence (send_last_published_item on_sub)', async () => {
    const alice = await online('alice', 'desk', []);
    await alice.iq(publish(MOOD, mood('happy'), 'm1'));
    const dave = await online('dave', 'desk', [`${MOOD}+notify`]);
    await dave.send(xml('presence', { type: 'subscribe', to: 'alice@localhost' }));
    await alice.next((el) => el.name === 'presence' && el.attrs.type === 'subscribe');
    await alice.send(xml('presence', { type: 'subscribed', to: 'dave@localhost' }));
    const last = await dave.next(isEvent(MOOD));
    expect(last.getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.getChild('item')!.attrs.id).toBe('m1');
  });

  it('does not trust a disco#info answer that does not hash to the advertised ver (XEP-0115 §5.4)', async () => {
    const bob = await h.connect('bob');
    await bob.send(xml('presence', {}, xml('c', { xmlns: CAPS_NS, hash: 'sha-1', node: 'urn:test', ver: 'forged=' })));
    const q = await bob.next((el) => el.name === 'iq' && el.getChild('query', NS.DISCO_INFO) !== undefined);
    await bob.send(xml('iq', { type: 'result', id: q.attrs.id, to: q.attrs.from }, xml('query', { xmlns: NS.DISCO_INFO }, xml('feature', { var: `${MOOD}+notify` }))));
    // A later round trip through the same session: by then the answer was handled.
    await bob.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: NS.PING })));
    await expect(h.core.stores.pep.getCaps('sha-1 forged=')).resolves.toBeUndefined();
  });
});

describe('XEP-0402 bookmarks as a PEP node', () => {
  const options = { 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' };
  const conference = (name: string) => xml('conference', { xmlns: BOOKMARKS, name, autojoin: 'true' }, xml('nick', {}, 'Alice'));

  it('keeps every bookmark (max_items=max), syncs them to the owner\'s other resources, notifies removals, and never sends them on presence', async () => {
    const phone = await online('alice', 'phone', [`${BOOKMARKS}+notify`]);
    const desk = await h.connect('alice', { resource: 'desk' });
    for (const room of ['a', 'b', 'c', 'd', 'e']) expect((await desk.iq(publish(BOOKMARKS, conference(room), `${room}@conference.localhost`, options))).attrs.type).toBe('result');
    expect(itemIds(await desk.iq(getItems('alice@localhost', BOOKMARKS)))).toEqual(['e', 'd', 'c', 'b', 'a'].map((r) => `${r}@conference.localhost`));
    for (const room of ['a', 'b', 'c', 'd', 'e']) expect((await phone.next(isEvent(BOOKMARKS))).getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.getChild('item')!.attrs.id).toBe(`${room}@conference.localhost`);
    await desk.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('retract', { node: BOOKMARKS, notify: 'true' }, xml('item', { id: 'a@conference.localhost' })))));
    expect((await phone.next(isEvent(BOOKMARKS))).getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.getChild('retract')!.attrs.id).toBe('a@conference.localhost');
    // send_last_published_item=never: a resource newly interested gets no last bookmark; a mood event is its first message.
    const laptop = await online('alice', 'laptop', [`${BOOKMARKS}+notify`, `${MOOD}+notify`]);
    await desk.iq(publish(MOOD, mood('happy')));
    expect((await laptop.next((el) => el.name === 'message')).getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.attrs.node).toBe(MOOD);
  });

  it('bridges XEP-0048 bookmarks in private storage to the node, both ways, and advertises #compat on the account (XEP-0402 §5)', async () => {
    const phone = await online('alice', 'phone', [`${BOOKMARKS}+notify`]);
    const legacy = await h.connect('alice', { resource: 'legacy' });
    const account = (await legacy.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(account.getChildren('feature').map((f) => f.attrs.var)).toContain(`${BOOKMARKS}#compat`);
    const setPrivate = (...children: Element[]) => legacy.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' }, ...children))));
    const getPrivate = async () => (await legacy.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' }))))).getChild('query')!.getChild('storage', 'storage:bookmarks')!;
    expect((await setPrivate(
      xml('conference', { jid: 'a@conference.localhost', name: 'A', autojoin: '1' }, xml('nick', {}, 'Al')),
      xml('conference', { jid: 'b@conference.localhost' }),
      xml('url', { name: 'Site', url: 'https://example.com/' }),
    )).attrs.type).toBe('result');
    const first = await phone.next(isEvent(BOOKMARKS));
    const item = first.getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.getChild('item')!;
    expect(item.attrs.id).toBe('a@conference.localhost');
    expect(item.getChild('conference', BOOKMARKS)!.attrs).toMatchObject({ name: 'A', autojoin: 'true' });
    expect(item.getChild('conference', BOOKMARKS)!.getChildText('nick')).toBe('Al');
    await phone.next(isEvent(BOOKMARKS));
    expect(itemIds(await legacy.iq(getItems('alice@localhost', BOOKMARKS))).sort()).toEqual(['a@conference.localhost', 'b@conference.localhost']);
    // Published the XEP-0402 way: read back through XEP-0048, with the URL bookmark kept.
    await phone.iq(publish(BOOKMARKS, xml('conference', { xmlns: BOOKMARKS, autojoin: 'true' }), 'c@conference.localhost', { 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' }));
    const storage = await getPrivate();
    expect(storage.getChildren('conference').map((c) => c.attrs.jid).sort()).toEqual(['a@conference.localhost', 'b@conference.localhost', 'c@conference.localhost']);
    expect(storage.getChild('url')!.attrs.url).toBe('https://example.com/');
    phone.transport.drain();
    // A smaller XEP-0048 set retracts what it no longer names.
    await setPrivate(xml('conference', { jid: 'c@conference.localhost', autojoin: 'true' }));
    const retracted: string[] = [];
    for (let i = 0; i < 2; i++) retracted.push((await phone.next(isEvent(BOOKMARKS))).getChild('event', PUBSUB_EVENT_NS)!.getChild('items')!.getChild('retract')!.attrs.id!);
    expect(retracted.sort()).toEqual(['a@conference.localhost', 'b@conference.localhost']);
    expect(itemIds(await legacy.iq(getItems('alice@localhost', BOOKMARKS)))).toEqual(['c@conference.localhost']);
    expect((await getPrivate()).getChildren('url')).toEqual([]);
  });
});

describe('XEP-0048 bookmarks stored before the bridge', () => {
  it('are still read back through private storage, without duplicates once the node holds the same room', async () => {
    await h.core.stores.privateXml.setItem('alice', 'storage storage:bookmarks', '<storage xmlns="storage:bookmarks"><conference jid="old@conference.localhost" name="Old"/><conference jid="x@conference.localhost"/></storage>');
    const alice = await h.connect('alice');
    await alice.iq(publish(BOOKMARKS, xml('conference', { xmlns: BOOKMARKS, name: 'X' }), 'x@conference.localhost', { 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' }));
    const storage = (await alice.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' }))))).getChild('query')!.getChild('storage', 'storage:bookmarks')!;
    expect(storage.getChildren('conference').map((c) => `${c.attrs.jid} ${c.attrs.name}`)).toEqual(['x@conference.localhost X', 'old@conference.localhost Old']);
  });
});

describe('node configuration (XEP-0060 §8)', () => {
  it('creates a node with a configuration, returns its form, changes it, and refuses an unsupported access model', async () => {
    const alice = await h.connect('alice');
    const created = await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('create', { node: 'urn:c' }), xml('configure', {}, form('http://jabber.org/protocol/pubsub#node_config', { 'pubsub#access_model': 'open' })))));
    expect(created.attrs.type).toBe('result');
    const again = await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_NS }, xml('create', { node: 'urn:c' }))));
    expect(isStanzaError(again, 'conflict')).toBe(true);
    const value = async (v: string) => {
      const r = await alice.iq(xml('iq', { type: 'get' }, xml('pubsub', { xmlns: PUBSUB_OWNER_NS }, xml('configure', { node: 'urn:c' }))));
      return r.getChild('pubsub', PUBSUB_OWNER_NS)!.getChild('configure')!.getChild('x')!.getChildren('field').find((f) => f.attrs.var === v)?.getChildText('value');
    };
    expect(await value('pubsub#access_model')).toBe('open');
    await alice.iq(owner(xml('configure', { node: 'urn:c' }, form('http://jabber.org/protocol/pubsub#node_config', { 'pubsub#access_model': 'whitelist', 'pubsub#max_items': '3' }))));
    expect(await value('pubsub#access_model')).toBe('whitelist');
    expect(await value('pubsub#max_items')).toBe('3');
    const bad = await alice.iq(owner(xml('configure', { node: 'urn:c' }, form('http://jabber.org/protocol/pubsub#node_config', { 'pubsub#access_model': 'authorize' }))));
    expect(isStanzaError(bad, 'not-acceptable')).toBe(true);
    const bob = await h.connect('bob');
    const notOwner = await bob.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('pubsub', { xmlns: PUBSUB_OWNER_NS }, xml('configure', { node: 'urn:c' }))));
    expect(isStanzaError(notOwner, 'forbidden')).toBe(true);
  });

  it('removes every node with the account (account removal)', async () => {
    const alice = await h.connect('alice');
    await alice.iq(publish(MOOD, mood('happy')));
    await removeAccount(h.core.stores, 'alice', { domain: h.core.domain });
    await expect(h.core.stores.pep.listNodes('alice')).resolves.toEqual([]);
  });
});
