// XEP-0163 PEP end to end over real TCP on one node (SQLite store): @xmpp/client clients that
// advertise XEP-0115 caps (the server asks them for the disco#info behind a new hash and checks it)
// publish and receive XEP-0084 avatars, with raw stanzas for the XEP-0060 error paths; then
// slixmpp's own xep_0115/xep_0163/xep_0084 plugins (python3-slixmpp) get the last avatar item on
// signing in, and publish an avatar that an @xmpp/client contact is notified of and fetches; its
// xep_0048 bookmarks in private storage meet an @xmpp/client's XEP-0402 node (#compat).
// Absence is proved by a marker that arrives after what must not, never by waiting.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { CAPS_NS, SERVER_CAPS_NODE, capsVerOf, parseDocument } from '@deskchat/core';
import { RawConnection, STREAM_HEADER, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { eventually, recording, type RecordingClient } from './__tests__/cluster-helpers.js';
import { SlixmppClient } from './__tests__/slixmpp-driven.js';

const PUBSUB = 'http://jabber.org/protocol/pubsub';
const EVENT = 'http://jabber.org/protocol/pubsub#event';
const ERRORS = 'http://jabber.org/protocol/pubsub#errors';
const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const META = 'urn:xmpp:avatar:metadata';
const DATA = 'urn:xmpp:avatar:data';
const BOOKMARKS = 'urn:xmpp:bookmarks:1';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

let server: TestNode;
const clients: Client[] = [];
const slixmpps: SlixmppClient[] = [];

/** Signs in with @xmpp/client, answering disco#info for its caps, and sends presence with <c/> naming `features`. */
async function online(user: string, resource: string, features: string[] = []): Promise<RecordingClient> {
  const xmpp = await signIn(server.port, user, `pw-${user}`, resource);
  clients.push(xmpp);
  const client = recording(xmpp);
  const info = () => xml('query', { xmlns: DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'e2e' }), ...[DISCO_INFO, CAPS_NS, ...features].map((v) => xml('feature', { var: v })));
  const ver = capsVerOf(info())!;
  xmpp.iqCallee.get(DISCO_INFO, 'query', (ctx: { element: Element }) => {
    const answer = info();
    if (ctx.element.attrs.node) answer.attrs.node = ctx.element.attrs.node;
    return answer;
  });
  await xmpp.send(xml('presence', {}, ...(features.length > 0 ? [xml('c', { xmlns: CAPS_NS, hash: 'sha-1', node: 'urn:e2e', ver })] : [])));
  if (features.length > 0) await eventually(() => server.node.core.stores.pep.getCaps(`sha-1 ${ver}`), `caps of ${user} verified and cached`);
  return client;
}

const publish = (node: string, id: string, payload: Element, options?: Record<string, string>, to?: string) =>
  xml(
    'iq',
    { type: 'set', ...(to ? { to } : {}) },
    xml(
      'pubsub',
      { xmlns: PUBSUB },
      xml('publish', { node }, xml('item', { id }, payload)),
      ...(options
        ? [xml('publish-options', {}, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${PUBSUB}#publish-options`)), ...Object.entries(options).map(([v, value]) => xml('field', { var: v }, xml('value', {}, value)))))]
        : []),
    ),
  );
const getItems = (to: string, node: string, id?: string) => xml('iq', { type: 'get', to }, xml('pubsub', { xmlns: PUBSUB }, xml('items', { node }, ...(id ? [xml('item', { id })] : []))));
const condition = (el: Element) => el.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === STANZAS)?.name;
const appCondition = (el: Element) => el.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === ERRORS)?.name;
const eventNode = (el: Element) => (el.is('message') ? el.getChild('event', EVENT)?.getChild('items')?.attrs.node : undefined);
const metadata = (id: string, bytes: number) => xml('metadata', { xmlns: META }, xml('info', { id, bytes: String(bytes), type: 'image/png' }));

beforeAll(async () => {
  server = await startTestNode();
  for (const user of ['alice', 'bob', 'carol', 'dave']) await server.addUser(user, `pw-${user}`);
  const both = (jid: string) => ({ jid, groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false });
  const roster = server.node.core.stores.roster;
  for (const [a, b] of [['alice', 'bob'], ['alice', 'carol']]) {
    await roster.setItem(a!, both(`${b}@localhost`));
    await roster.setItem(b!, both(`${a}@localhost`));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([...clients.map(stopClient), ...slixmpps.map((s) => s.close())]);
  await server.stop();
});

describe("the server's own caps (XEP-0115 §6.3)", () => {
  it('offers <c/> in the stream features of a raw TCP stream, and the disco#info at node#ver hashes to its ver', async () => {
    const raw = await RawConnection.connect(server.port);
    try {
      raw.write(STREAM_HEADER);
      const text = await raw.waitFor(/<\/stream:features>/);
      const c = parseDocument(text.match(/<c\s[^>]*http:\/\/jabber\.org\/protocol\/caps[^>]*\/>/)![0]);
      expect(c.attrs).toMatchObject({ hash: 'sha-1', node: SERVER_CAPS_NODE });
      const alice = await online('alice', 'caps');
      const info = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: DISCO_INFO, node: `${SERVER_CAPS_NODE}#${c.attrs.ver}` })));
      expect(capsVerOf(info.getChild('query', DISCO_INFO)!)).toBe(c.attrs.ver);
      expect(info.getChild('query', DISCO_INFO)!.getChildren('feature').map((f: Element) => f.attrs.var)).toContain(`${PUBSUB}#publish`);
    } finally {
      raw.destroy();
    }
  });
});

describe('PEP over TCP with @xmpp/client (XEP-0163, XEP-0084, XEP-0115)', () => {
  it('notifies a contact whose caps show +notify of avatar metadata only, and serves the data on request', async () => {
    const bob = await online('bob', 'desk', [`${META}+notify`]);
    const alice = await online('alice', 'desk');
    const info = await alice.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: DISCO_INFO })));
    expect(info.getChild('query')!.getChildren('identity').map((i: Element) => `${i.attrs.category}/${i.attrs.type}`)).toContain('pubsub/pep');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const id = createHash('sha1').update(png).digest('hex');
    expect((await alice.iq(publish(DATA, id, xml('data', { xmlns: DATA }, png.toString('base64'))))).attrs.type).toBe('result');
    expect((await alice.iq(publish(META, id, metadata(id, png.length)))).attrs.type).toBe('result');
    // The data node is not one bob asked for: the metadata event is the first event he gets.
    const first = await eventually(() => bob.stanzas.find((s) => eventNode(s) !== undefined), 'bob\'s first PEP event');
    expect(eventNode(first)).toBe(META);
    expect(first.attrs.from).toBe('alice@localhost');
    expect(first.getChild('event', EVENT)!.getChild('items')!.getChild('item')!.attrs.id).toBe(id);
    const data = await bob.iq(getItems('alice@localhost', DATA, id));
    expect(Buffer.from(data.getChild('pubsub', PUBSUB)!.getChild('items')!.getChild('item')!.getChildText('data', DATA)!, 'base64')).toEqual(png);
  });

  it('answers the XEP-0060 error paths with their conditions (raw stanzas)', async () => {
    const alice = await online('alice', 'errors');
    const bob = await online('bob', 'errors');
    const dave = await online('dave', 'errors');
    await alice.iq(publish(BOOKMARKS, 'room@conference.localhost', xml('conference', { xmlns: BOOKMARKS, autojoin: 'true' }), { 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' }));
    const forbidden = await bob.iq(publish(META, 'x', metadata('x', 1), undefined, 'alice@localhost'));
    expect(condition(forbidden)).toBe('forbidden');
    const closed = await bob.iq(getItems('alice@localhost', BOOKMARKS));
    expect([condition(closed), appCondition(closed)]).toEqual(['not-allowed', 'closed-node']);
    const notContact = await dave.iq(getItems('alice@localhost', META));
    expect([condition(notContact), appCondition(notContact)]).toEqual(['not-authorized', 'presence-subscription-required']);
    const precondition = await alice.iq(publish(BOOKMARKS, 'other@conference.localhost', xml('conference', { xmlns: BOOKMARKS }), { 'pubsub#access_model': 'presence' }));
    expect([condition(precondition), appCondition(precondition)]).toEqual(['conflict', 'precondition-not-met']);
    const tooBig = await alice.iq(publish(DATA, 'big', xml('data', { xmlns: DATA }, 'A'.repeat(70_000))));
    expect([condition(tooBig), appCondition(tooBig)]).toEqual(['not-acceptable', 'payload-too-big']);
    const missing = await bob.iq(getItems('alice@localhost', 'urn:nothing'));
    expect(condition(missing)).toBe('item-not-found');
    // The bookmark is still alice's alone, and still there.
    const own = await alice.iq(getItems('alice@localhost', BOOKMARKS));
    expect(own.getChild('pubsub', PUBSUB)!.getChild('items')!.getChildren('item').map((i: Element) => i.attrs.id)).toEqual(['room@conference.localhost']);
  });
});

describe("PEP with slixmpp's own plugins (xep_0115, xep_0163, xep_0084, xep_0048)", () => {
  it('sends slixmpp the last avatar on sign-in (its caps learnt and verified), and notifies a contact of the avatar it publishes', async () => {
    const carol = await SlixmppClient.start(server.port, 'carol@localhost/slixmpp', 'pw-carol', 90, ['--pep']);
    slixmpps.push(carol);
    await carol.command('presence');
    // alice's metadata from the first test, as the last item of a node carol now shows interest in.
    const last = await carol.stanza((el) => eventNode(el) === META && el.attrs.from === 'alice@localhost', 'alice\'s last avatar metadata');
    expect(last.getChild('event', EVENT)!.getChild('items')!.getChild('item')!.getChild('metadata', META)).toBeDefined();
    const alice = await online('alice', 'watcher', [`${META}+notify`]);
    const png = Buffer.from('89504e470d0a1a0a00000000', 'hex');
    const { avatar_id: avatarId } = await carol.command('avatar', { data: png.toString('base64'), type: 'image/png' });
    const note = await eventually(() => alice.stanzas.find((s) => eventNode(s) === META && s.attrs.from === 'carol@localhost'), 'carol\'s avatar notification at alice');
    expect(note.getChild('event', EVENT)!.getChild('items')!.getChild('item')!.attrs.id).toBe(avatarId);
    const data = await alice.iq(getItems('carol@localhost', DATA, avatarId));
    expect(Buffer.from(data.getChild('pubsub', PUBSUB)!.getChild('items')!.getChild('item')!.getChildText('data', DATA)!, 'base64')).toEqual(png);
    const read = await carol.command('pep-items', { jid: 'alice@localhost', node: META });
    expect(read.items.map((i: { id: string }) => i.id)).toHaveLength(1);
  });

  it('bridges slixmpp\'s XEP-0048 bookmarks in private storage to the XEP-0402 node an @xmpp/client reads and writes (XEP-0402 §5)', async () => {
    const legacy = await SlixmppClient.start(server.port, 'dave@localhost/slixmpp', 'pw-dave', 90, ['--pep']);
    slixmpps.push(legacy);
    const modern = await online('dave', 'modern', [`${BOOKMARKS}+notify`]);
    const info = await modern.iq(xml('iq', { type: 'get', to: 'dave@localhost' }, xml('query', { xmlns: DISCO_INFO })));
    expect(info.getChild('query')!.getChildren('feature').map((f: Element) => f.attrs.var)).toContain(`${BOOKMARKS}#compat`);
    await legacy.command('bookmarks-set', { rooms: [{ jid: 'team@conference.localhost', nick: 'Dave', name: 'Team', autojoin: true }] });
    const note = await eventually(() => modern.stanzas.find((s) => eventNode(s) === BOOKMARKS), 'the bookmark notification at the XEP-0402 client');
    const conference = note.getChild('event', EVENT)!.getChild('items')!.getChild('item')!;
    expect(conference.attrs.id).toBe('team@conference.localhost');
    expect(conference.getChild('conference', BOOKMARKS)!.attrs).toMatchObject({ name: 'Team', autojoin: 'true' });
    expect(conference.getChild('conference', BOOKMARKS)!.getChildText('nick')).toBe('Dave');
    await modern.iq(publish(BOOKMARKS, 'help@conference.localhost', xml('conference', { xmlns: BOOKMARKS, name: 'Help' }, xml('nick', {}, 'D')), { 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' }));
    const { rooms } = await legacy.command('bookmarks-get');
    expect(rooms.map((r: { jid: string }) => r.jid).sort()).toEqual(['help@conference.localhost', 'team@conference.localhost']);
  });
});
