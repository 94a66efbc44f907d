// XEP-0012 Last Activity through the in-process harness (its users split over two nodes in the
// 'im-two-nodes' project): the offline user query answered from the last unavailable presence, 0
// while connected, the server's uptime, and the §8 rule — only the user and subscribers to the
// user's presence learn anything, for bare and full JIDs alike.
import { beforeEach, describe, expect, it } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import type { Subscription } from '@deskchat/core';
import { rosterModule } from '../roster/roster-module.js';
import { DEFAULT_PRESENCE_OPTIONS, presenceModule } from '../presence/presence-module.js';
import { LAST_ACTIVITY_NS, lastActivityModule } from './last-activity-module.js';

let h: Harness;
let clock: number;
let alice: HarnessClient;
let bob: HarnessClient;
let carol: HarnessClient;

const last = (to?: string) => xml('iq', { type: 'get', ...(to ? { to } : {}) }, xml('query', { xmlns: LAST_ACTIVITY_NS }));
const answer = (reply: Element) => {
  expect(reply.attrs.type).toBe('result');
  const query = reply.getChild('query', LAST_ACTIVITY_NS)!;
  return { seconds: query.attrs.seconds, text: query.text() };
};
async function subscribe(user: string, contact: string, subscription: Subscription): Promise<void> {
  const reverse: Record<Subscription, Subscription> = { none: 'none', to: 'from', from: 'to', both: 'both' };
  const base = { groups: [], isPendingOut: false, isPreApproved: false };
  await h.core.stores.roster.setItem(user, { jid: `${contact}@localhost`, subscription, ...base });
  await h.core.stores.roster.setItem(contact, { jid: `${user}@localhost`, subscription: reverse[subscription], ...base });
}

beforeEach(async () => {
  clock = 1_000_000;
  h = await Harness.create({ modules: [rosterModule, { ...presenceModule, defaults: { ...DEFAULT_PRESENCE_OPTIONS, now: () => clock } }, { ...lastActivityModule, defaults: { now: () => clock } }] });
  for (const user of ['alice', 'bob', 'carol', 'dave']) await h.addUser(user);
  await subscribe('bob', 'alice', 'to'); // bob sees alice's presence
  await subscribe('bob', 'dave', 'to');
  alice = await h.connect('alice', { resource: 'desk' });
  bob = await h.connect('bob');
  carol = await h.connect('carol');
  await alice.send(xml('presence'));
});

describe('offline user query (XEP-0012 §3)', () => {
  it('tells a subscriber how long ago the user left, with the status of the last unavailable presence', async () => {
    await alice.send(xml('presence', { type: 'unavailable' }, xml('status', {}, 'Heading Home')));
    clock += 903_400;
    expect(answer(await bob.iq(last('alice@localhost')))).toEqual({ seconds: '903', text: 'Heading Home' });
    // The iq is answered by the server, never forwarded to a resource (RFC 6121 §8.5.2.1.3).
    const reply = await bob.iq(last('alice@localhost'));
    expect(reply.attrs.from).toBe('alice@localhost');
  });

  it('answers 0 while the user has an available resource, on whichever node', async () => {
    clock += 60_000;
    expect(answer(await bob.iq(last('alice@localhost')))).toEqual({ seconds: '0', text: '' });
  });

  it('answers item-not-found to a subscriber when the user was never seen', async () => {
    expect(isStanzaError(await bob.iq(last('dave@localhost')), 'item-not-found')).toBe(true);
  });

  it('answers the user about their own account', async () => {
    expect(answer(await alice.iq(last('alice@localhost')))).toEqual({ seconds: '0', text: '' });
  });

  it('refuses, alike, one not subscribed to the presence, a subscription the other way, and an account that does not exist (§8)', async () => {
    await subscribe('carol', 'dave', 'from'); // dave sees carol, not the other way
    await alice.send(xml('presence', { type: 'unavailable' }));
    for (const to of ['alice@localhost', 'dave@localhost', 'nobody@localhost']) {
      const reply = await carol.iq(last(to));
      expect(isStanzaError(reply, 'forbidden')).toBe(true);
    }
  });
});

describe('full JIDs (XEP-0012 §4, §8)', () => {
  it("refuses one not subscribed to the presence without forwarding, whether or not the resource is connected", async () => {
    alice.transport.drain();
    expect(isStanzaError(await carol.iq(last('alice@localhost/desk')), 'forbidden')).toBe(true);
    expect(isStanzaError(await carol.iq(last('alice@localhost/elsewhere')), 'forbidden')).toBe(true);
    expect(alice.transport.drain()).toEqual([]);
  });

  it("forwards a subscriber's query to the client, which answers its idle time", async () => {
    const reply = bob.iq(last('alice@localhost/desk'));
    const asked = await alice.next((el) => el.is('iq') && el.attrs.type === 'get');
    await alice.send(xml('iq', { type: 'result', id: asked.attrs.id, to: asked.attrs.from }, xml('query', { xmlns: LAST_ACTIVITY_NS, seconds: '123' })));
    expect(answer(await reply)).toEqual({ seconds: '123', text: '' });
  });
});

describe('server (XEP-0012 §5, §6)', () => {
  it("answers the server's uptime", async () => {
    clock += 123_456_000;
    expect(answer(await carol.iq(last('localhost')))).toEqual({ seconds: '123456', text: '' });
  });

  it('advertises jabber:iq:last', async () => {
    const reply = await carol.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(LAST_ACTIVITY_NS);
  });
});
