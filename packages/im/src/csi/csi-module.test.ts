// XEP-0352 Client State Indication with the IM modules: what an inactive client is sent, what it
// is sent later, in which order, and the state a resumed stream starts in (§5.2). Runs on one node
// and (project im-two-nodes) with users spread over two Cores.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { sm, type Harness, type HarnessClient } from '@deskchat/testing';
import { imModules } from '../index.js';
import { CSI_NS, MAX_HELD, holdKey } from './csi-module.js';

const CHATSTATES = 'http://jabber.org/protocol/chatstates';
const inactive = () => xml('inactive', { xmlns: CSI_NS });
const active = () => xml('active', { xmlns: CSI_NS });
const status = (text: string) => xml('presence', {}, xml('status', {}, text));
const chatState = (to: string, state: string) => xml('message', { to, type: 'chat' }, xml(state, { xmlns: CHATSTATES }));
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** What a client got from bob since the last call, summarised: `presence <status>`, `state <name>`, `body <text>`, `iq <type>`. */
async function got(client: HarnessClient): Promise<string[]> {
  await settle();
  // Only bob's own resource (his composed presence comes from another one, held the same way).
  return client.transport.drain().flatMap((el) => {
    if (el.attrs.from !== 'bob@localhost/desk' && el.attrs.from !== 'bob@localhost') return [];
    if (el.name === 'presence') return [`presence ${el.attrs.type ?? el.getChildText('status') ?? ''}`];
    if (el.name === 'iq') return [`iq ${el.attrs.type}`];
    if (el.name !== 'message') return [];
    if (el.getChild('body')) return [`body ${el.getChildText('body')}`];
    const state = el.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === CHATSTATES);
    return state ? [`state ${state.name}`] : [];
  });
}

let harness: Harness;
let alice: HarnessClient;
let bob: HarnessClient;

async function link(user: string, contact: string): Promise<void> {
  const item = { groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
  await harness.core.stores.roster.setItem(user, { jid: `${contact}@localhost`, ...item });
  await harness.core.stores.roster.setItem(contact, { jid: `${user}@localhost`, ...item });
}

beforeEach(async () => {
  ({ harness } = await sm.smWorld({ modules: imModules }));
  await link('alice', 'bob');
  alice = await harness.connect('alice', { resource: 'phone' });
  await alice.send(xml('presence'));
  bob = await harness.connect('bob', { resource: 'desk' });
  await bob.send(status('here'));
  await got(alice);
  await got(bob);
});

describe('client state indication (XEP-0352)', () => {
  it('offers <csi/> after authentication (§4.1), not before', async () => {
    const { features } = await harness.authenticate('carol');
    expect(features.getChild('csi', CSI_NS)).toBeDefined();
    const { session, transport } = await harness.authenticate('carol');
    expect(transport.sent.length).toBeGreaterThan(0);
    // Before bind the element is not accepted (nothing is bound to hold stanzas for).
    await session.onElement(inactive());
    expect(transport.closedWith).toMatchObject({ condition: 'unsupported-stanza-type' });
  });

  it('holds presence updates and chat states for an inactive client, the latest of each sender, until it is active', async () => {
    await alice.send(inactive());
    await bob.send(status('busy'));
    await bob.send(chatState('alice@localhost/phone', 'composing'));
    await bob.send(status('away'));
    await bob.send(chatState('alice@localhost/phone', 'paused'));
    // Each send resolves once routed: nothing reached alice, and what comes with <active/> below proves it was held.
    expect(await got(alice)).toEqual([]);
    await alice.send(active());
    expect(await got(alice)).toEqual(['presence away', 'state paused']);
    await bob.send(status('back'));
    expect(await got(alice)).toEqual(['presence back']);
  });

  it('sends what it held before anything that matters, in routing order (§5.1)', async () => {
    await alice.send(inactive());
    await bob.send(status('busy'));
    await bob.send(chatState('alice@localhost/phone', 'composing'));
    await bob.send(xml('message', { to: 'alice@localhost/phone', type: 'chat' }, xml('body', {}, 'hello'), xml('active', { xmlns: CHATSTATES })));
    expect(await got(alice)).toEqual(['presence busy', 'state composing', 'body hello']);
    await bob.send(status('away'));
    await bob.send(xml('iq', { to: 'alice@localhost/phone', type: 'get', id: 'v1' }, xml('query', { xmlns: 'jabber:iq:version' })));
    expect(await got(alice)).toEqual(['presence away', 'iq get']);
    // Still inactive: the next update is held again.
    await bob.send(status('gone fishing'));
    expect(await got(alice)).toEqual([]);
  });

  it('keeps no more than MAX_HELD stanzas: then it sends them all', async () => {
    alice.transport.drain();
    await alice.send(inactive());
    const to = alice.session.jid!;
    const presences = () => settle().then(() => alice.transport.drain().filter((el) => el.name === 'presence').length);
    for (let i = 0; i < MAX_HELD - 1; i++) await harness.core.router.deliver(to, xml('presence', { from: `x${i}@localhost/r`, to: to.toString() }));
    expect(await presences()).toBe(0);
    await harness.core.router.deliver(to, xml('presence', { from: `x${MAX_HELD}@localhost/r`, to: to.toString() }));
    expect(await presences()).toBe(MAX_HELD);
  });

  it('starts a resumed stream active (§5.2): what was held is sent on resumption', async () => {
    const id = (await sm.enable(alice)).attrs.id;
    await alice.send(inactive());
    await bob.send(status('busy'));
    sm.lose(alice);
    const resumed = await sm.resumeStream(harness, 'alice', id, 0);
    expect(resumed.answer.name).toBe('resumed');
    await settle();
    const statuses = resumed.transport.sent.filter((el) => el.name === 'presence').map((el) => el.getChildText('status'));
    expect(statuses).toContain('busy');
    const before = resumed.transport.sent.length;
    await bob.send(status('away'));
    await settle();
    expect(resumed.transport.sent.slice(before).filter((el) => el.name === 'presence').map((el) => el.getChildText('status'))).toEqual(['away', 'away']); // bob's resource and his composed presence
  });

  it('answers an unknown element of its namespace with a stream error', async () => {
    await alice.send(xml('sleepy', { xmlns: CSI_NS }));
    expect(alice.transport.closedWith).toMatchObject({ condition: 'unsupported-stanza-type' });
  });
});

describe('holdKey', () => {
  it('holds available and unavailable presence and bare chat states, per sender', () => {
    expect(holdKey(xml('presence', { from: 'b@x/1' }))).toBe('presence b@x/1');
    expect(holdKey(xml('presence', { from: 'b@x/1', type: 'unavailable' }))).toBe('presence b@x/1');
    expect(holdKey(xml('message', { from: 'b@x/1', type: 'chat' }, xml('composing', { xmlns: CHATSTATES }), xml('thread', {}, 't')))).toBe('chat-state b@x/1');
  });

  it('sends at once what a client must not miss', () => {
    for (const type of ['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'probe', 'error']) expect(holdKey(xml('presence', { type }))).toBeUndefined();
    expect(holdKey(xml('presence', { from: 'room@conference.x/me' }, xml('x', { xmlns: 'http://jabber.org/protocol/muc#user' }, xml('status', { code: '110' }))))).toBeUndefined();
    expect(holdKey(xml('message', { type: 'chat' }, xml('body', {}, 'hi'), xml('active', { xmlns: CHATSTATES })))).toBeUndefined();
    expect(holdKey(xml('message', { type: 'groupchat' }, xml('subject', {}, 'news')))).toBeUndefined();
    expect(holdKey(xml('message', { type: 'chat' }, xml('received', { xmlns: 'urn:xmpp:receipts' })))).toBeUndefined();
    expect(holdKey(xml('message', { type: 'chat' }))).toBeUndefined();
    expect(holdKey(xml('iq', { type: 'get' }))).toBeUndefined();
  });
});
