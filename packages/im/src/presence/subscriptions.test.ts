// RFC 6121 §3 presence subscriptions through the in-process harness: request, approval, denial,
// cancellation, unsubscription, pre-approval (§3.4), stored requests delivered again at sign-in
// (§3.1.3), the §2.5.2 notices of a removed item, users that do not exist, and the list limit.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { Harness, type HarnessClient } from '@deskchat/testing';
import { rosterModule } from '../roster/roster-module.js';
import { presenceModule, PRE_APPROVAL_FEATURE } from './presence-module.js';

type Shape = { name: string; attrs: Record<string, string>; children: (Shape | string)[] };
const shape = (el: Element): Shape => ({ name: el.name, attrs: { ...el.attrs }, children: el.children.map((c) => (typeof c === 'string' ? c : shape(c))) });
const settle = () => new Promise((resolve) => setImmediate(resolve));

const presence = (type: string, to: string, ...children: Element[]) => xml('presence', { type, to }, ...children);
const isPush = (el: Element) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild('query', NS.ROSTER) !== undefined;
const isPresence = (type?: string, from?: string) => (el: Element) =>
  el.name === 'presence' && el.attrs.type === type && (from === undefined || el.attrs.from === from);
const rosterGet = () => xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER }));

/** Elements a client got and no check has taken yet. */
const inbox = new Map<HarnessClient, Element[]>();
async function take(client: HarnessClient, match: (el: Element) => boolean): Promise<Element[]> {
  await settle();
  const all = [...(inbox.get(client) ?? []), ...client.transport.drain()];
  inbox.set(client, all.filter((el) => !match(el)));
  return all.filter(match);
}

/** The items pushed to a client since the last call, as `jid subscription[ ask][ approved]`. */
async function pushed(client: HarnessClient): Promise<string[]> {
  return (await take(client, isPush))
    .map((p) => p.getChild('query', NS.ROSTER)!.getChild('item')!)
    .map((i) => [i.attrs.jid, i.attrs.subscription, i.attrs.ask && `ask=${i.attrs.ask}`, i.attrs.approved && 'approved'].filter(Boolean).join(' '));
}

/** Presence stanzas a client got since the last call, as `type from`. */
async function presences(client: HarnessClient): Promise<string[]> {
  return (await take(client, (el) => el.name === 'presence')).map((el) => `${el.attrs.type ?? 'available'} ${el.attrs.from}`);
}

async function signIn(h: Harness, user: string, resource: string): Promise<HarnessClient> {
  const client = await h.connect(user, { resource });
  await client.iq(rosterGet());
  await client.send(xml('presence'));
  await take(client, () => true);
  return client;
}

async function state(h: Harness, user: string, contact: string) {
  const [item, request] = await Promise.all([h.core.stores.roster.getItem(user, contact), h.core.stores.roster.getRequest(user, contact)]);
  return { item: item && { subscription: item.subscription, ask: item.isPendingOut, approved: item.isPreApproved }, pendingIn: request !== undefined };
}

let h: Harness;
let alice: HarnessClient;
let bob: HarnessClient;

beforeEach(async () => {
  h = await Harness.create({ modules: [rosterModule, presenceModule] });
  for (const user of ['alice', 'bob', 'carol']) await h.addUser(user);
  alice = await signIn(h, 'alice', 'desk');
  bob = await signIn(h, 'bob', 'laptop');
});

async function mutual(): Promise<void> {
  await alice.send(presence('subscribe', 'bob@localhost'));
  await bob.send(presence('subscribed', 'alice@localhost'));
  await bob.send(presence('subscribe', 'alice@localhost'));
  await alice.send(presence('subscribed', 'bob@localhost'));
  for (const c of [alice, bob]) await take(c, () => true);
}

describe('requesting a subscription (RFC 6121 §3.1)', () => {
  it('marks the item pending out, pushes it, and delivers the request from the bare JID with its status (§3.1.2, §3.1.3)', async () => {
    await alice.send(presence('subscribe', 'bob@localhost/laptop', xml('status', {}, 'it is Alice')));
    expect(await pushed(alice)).toEqual(['bob@localhost none ask=subscribe']);
    const request = await bob.next(isPresence('subscribe'));
    expect(shape(request)).toEqual(shape(xml('presence', { type: 'subscribe', to: 'bob@localhost', from: 'alice@localhost' }, xml('status', {}, 'it is Alice'))));
    // §3.1.3: the request is kept, but no roster item is made for it.
    expect(await pushed(bob)).toEqual([]);
    await expect(state(h, 'bob', 'alice@localhost')).resolves.toEqual({ item: undefined, pendingIn: true });
  });

  it('makes the requester a subscriber on approval: pushes on both sides, "subscribed" delivered, presence sent (§3.1.5, §3.1.6)', async () => {
    await alice.send(presence('subscribe', 'bob@localhost'));
    await bob.send(presence('subscribed', 'alice@localhost'));
    expect(await pushed(bob)).toEqual(['alice@localhost from']);
    expect(await pushed(alice)).toEqual(['bob@localhost none ask=subscribe', 'bob@localhost to']);
    const got = await presences(alice);
    expect(got).toEqual(['subscribed bob@localhost', 'available bob@localhost/laptop']);
    await expect(state(h, 'bob', 'alice@localhost')).resolves.toEqual({ item: { subscription: 'from', ask: false, approved: false }, pendingIn: false });
  });

  it('declines a request with "unsubscribed": no item for the requester, pending out cleared (§3.2, A.2.4)', async () => {
    await alice.send(presence('subscribe', 'bob@localhost'));
    await pushed(alice);
    await bob.send(presence('unsubscribed', 'alice@localhost'));
    expect(await pushed(bob)).toEqual([]);
    expect(await pushed(alice)).toEqual(['bob@localhost none']);
    expect(await presences(alice)).toEqual(['unsubscribed bob@localhost']);
    await expect(state(h, 'bob', 'alice@localhost')).resolves.toEqual({ item: undefined, pendingIn: false });
  });

  it('lets the requester withdraw an unanswered request with "unsubscribe" (A.2.2, A.3.2)', async () => {
    await alice.send(presence('subscribe', 'bob@localhost'));
    await alice.send(presence('unsubscribe', 'bob@localhost'));
    expect(await pushed(alice)).toEqual(['bob@localhost none ask=subscribe', 'bob@localhost none']);
    await expect(state(h, 'bob', 'alice@localhost')).resolves.toEqual({ item: undefined, pendingIn: false });
  });

  it('answers a request from a contact who is already a subscriber on the contact\'s behalf (A.3.1, §3.1.3 step 2)', async () => {
    const item = { groups: [], isPendingOut: false, isPreApproved: false };
    await h.core.stores.roster.setItem('alice', { jid: 'bob@localhost', subscription: 'none', ...item });
    await h.core.stores.roster.setItem('bob', { jid: 'alice@localhost', subscription: 'from', ...item });
    await alice.send(presence('subscribe', 'bob@localhost'));
    expect(await pushed(alice)).toEqual(['bob@localhost none ask=subscribe', 'bob@localhost to']);
    expect(await presences(alice)).toEqual(['subscribed bob@localhost', 'available bob@localhost/laptop']);
    expect(await presences(bob)).toEqual([]);
  });

  it('treats a subscription stanza to a full JID as one to the bare JID (§3.1.2)', async () => {
    await alice.send(presence('subscribe', 'bob@localhost/somewhere'));
    await expect(state(h, 'alice', 'bob@localhost')).resolves.toMatchObject({ item: { ask: true } });
  });
});

describe('cancelling and unsubscribing (RFC 6121 §3.2, §3.3)', () => {
  beforeEach(mutual);

  it('cancels a subscriber with "unsubscribed": both pushed, the subscriber gets it and unavailable (§3.2.2, §3.2.3)', async () => {
    await bob.send(presence('unsubscribed', 'alice@localhost'));
    expect(await pushed(bob)).toEqual(['alice@localhost to']);
    expect(await pushed(alice)).toEqual(['bob@localhost from']);
    expect(await presences(alice)).toEqual(['unsubscribed bob@localhost', 'unavailable bob@localhost/laptop']);
  });

  it('unsubscribes with "unsubscribe": both pushed, the contact gets it, the user gets unavailable (§3.3.2, §3.3.3)', async () => {
    await alice.send(presence('unsubscribe', 'bob@localhost'));
    expect(await pushed(alice)).toEqual(['bob@localhost from']);
    expect(await pushed(bob)).toEqual(['alice@localhost to']);
    expect(await presences(bob)).toEqual(['unsubscribe alice@localhost']);
    expect(await presences(alice)).toEqual(['unavailable bob@localhost/laptop']);
  });

  it('removing an item sends the contact "unsubscribe" and "unsubscribed" and ends presence both ways (§2.5.2)', async () => {
    await alice.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'bob@localhost', subscription: 'remove' }))));
    expect(await pushed(alice)).toEqual(['bob@localhost remove']);
    expect(await pushed(bob)).toEqual(['alice@localhost to', 'alice@localhost none']);
    expect(await presences(bob)).toEqual(['unsubscribe alice@localhost', 'unsubscribed alice@localhost', 'unavailable alice@localhost/desk']);
    expect(await presences(alice)).toEqual(['unavailable bob@localhost/laptop']);
  });

  it('removing an item with a request pending declines the request (§2.5.2)', async () => {
    await h.connect('carol').then((carol) => carol.send(presence('subscribe', 'alice@localhost')));
    await alice.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'carol@localhost' }))));
    await alice.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'carol@localhost', subscription: 'remove' }))));
    await expect(state(h, 'alice', 'carol@localhost')).resolves.toEqual({ item: undefined, pendingIn: false });
    await expect(state(h, 'carol', 'alice@localhost')).resolves.toEqual({ item: { subscription: 'none', ask: false, approved: false }, pendingIn: false });
  });
});

describe('pre-approval (RFC 6121 §3.4)', () => {
  it('announces the pre-approval stream feature', () => {
    const features = alice.transport.sent.filter((el) => el.name === 'stream:features');
    expect(features.some((f) => f.getChild('sub', PRE_APPROVAL_FEATURE))).toBe(true);
  });

  it('records a pre-approval without telling the contact, then approves the request at once (§3.4.1, §3.4.2)', async () => {
    await bob.send(presence('subscribed', 'alice@localhost'));
    expect(await pushed(bob)).toEqual(['alice@localhost none approved']);
    expect(await presences(alice)).toEqual([]);
    await alice.send(presence('subscribe', 'bob@localhost'));
    expect(await pushed(bob)).toEqual(['alice@localhost from']);
    expect(await presences(bob)).toEqual([]);
    expect(await pushed(alice)).toEqual(['bob@localhost none ask=subscribe', 'bob@localhost to']);
    expect(await presences(alice)).toEqual(['subscribed bob@localhost', 'available bob@localhost/laptop']);
  });

  it('cancels a pre-approval with "unsubscribed", after which a request waits for an answer again', async () => {
    await bob.send(presence('subscribed', 'alice@localhost'));
    await bob.send(presence('unsubscribed', 'alice@localhost'));
    expect(await pushed(bob)).toEqual(['alice@localhost none approved', 'alice@localhost none']);
    expect(await presences(alice)).toEqual([]);
    await alice.send(presence('subscribe', 'bob@localhost'));
    expect(await presences(bob)).toEqual(['subscribe alice@localhost']);
  });
});

describe('requests for a user who is offline (RFC 6121 §3.1.3)', () => {
  it('delivers a stored request at each sign-in (on initial presence) until it is answered', async () => {
    await alice.send(presence('subscribe', 'carol@localhost', xml('status', {}, 'hello')));
    const first = await h.connect('carol', { resource: 'one' });
    await first.send(xml('presence'));
    expect(shape(await first.next(isPresence('subscribe')))).toEqual(
      shape(xml('presence', { type: 'subscribe', to: 'carol@localhost', from: 'alice@localhost' }, xml('status', {}, 'hello'))),
    );
    first.session.onTransportClosed();
    const second = await h.connect('carol', { resource: 'two' });
    await second.send(xml('presence'));
    await second.next(isPresence('subscribe', 'alice@localhost'));
    await second.send(presence('subscribed', 'alice@localhost'));
    second.session.onTransportClosed();
    const third = await h.connect('carol', { resource: 'three' });
    await third.send(xml('presence'));
    expect((await presences(third)).filter((p) => p.startsWith('subscribe '))).toEqual([]);
  });
});

describe('addresses that are not local users', () => {
  it('ignores a request to a user who does not exist, looking exactly as one to an offline user (§8.5.1)', async () => {
    await alice.send(presence('subscribe', 'nobody@localhost'));
    await alice.send(presence('subscribe', 'carol@localhost'));
    expect(await pushed(alice)).toEqual(['nobody@localhost none ask=subscribe', 'carol@localhost none ask=subscribe']);
    expect(await presences(alice)).toEqual([]);
    await expect(h.core.stores.roster.getRequests('nobody')).resolves.toEqual([]);
  });

  it('answers a request to another domain with remote-server-not-found (no federation, RFC 6120 §10.4.3)', async () => {
    await alice.send(presence('subscribe', 'bob@elsewhere.example'));
    const error = await alice.next(isPresence('error'));
    expect(StanzaError.fromStanza(error)?.condition).toBe('remote-server-not-found');
  });
});

describe('contact-list limit on subscriptions', () => {
  beforeEach(async () => {
    h = await Harness.create({ modules: [{ ...rosterModule, defaults: { ...rosterModule.defaults!, maxContacts: 1 } }, presenceModule] });
    for (const user of ['alice', 'bob', 'carol']) await h.addUser(user);
    alice = await signIn(h, 'alice', 'desk');
    bob = await signIn(h, 'bob', 'laptop');
  });

  it('refuses a request to a full contact list with not-allowed and changes nothing on either side', async () => {
    await h.core.stores.roster.setItem('bob', { jid: 'carol@localhost', groups: [], subscription: 'none', isPendingOut: false, isPreApproved: false });
    await alice.send(presence('subscribe', 'bob@localhost'));
    const error = StanzaError.fromStanza(await alice.next(isPresence('error')));
    expect(error).toMatchObject({ condition: 'not-allowed', text: "the contact's contact list is full (max 1)" });
    expect(await pushed(alice)).toEqual([]);
    expect(await presences(bob)).toEqual([]);
    await expect(state(h, 'bob', 'alice@localhost')).resolves.toEqual({ item: undefined, pendingIn: false });
  });

  it('refuses a request that would add a contact to the requester\'s own full list', async () => {
    await h.core.stores.roster.setItem('alice', { jid: 'carol@localhost', groups: [], subscription: 'none', isPendingOut: false, isPreApproved: false });
    await alice.send(presence('subscribe', 'bob@localhost'));
    const error = StanzaError.fromStanza(await alice.next(isPresence('error')));
    expect(error).toMatchObject({ condition: 'not-allowed', text: 'contact list is full (max 1)' });
    expect(await presences(bob)).toEqual([]);
  });
});
