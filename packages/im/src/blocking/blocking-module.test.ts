// XEP-0191 Blocking Command through the in-process harness (also run by the 'im-two-nodes' project,
// users and resources split across two Cores): the list (§3.2), block and unblock with pushes
// (§3.3–3.4), presence on block and unblock, enforcement both ways for messages, presence and IQs
// (§3.5), JID matching forms, the per-user bound, and account removal. Absence is proved by a
// later stanza that does arrive (a marker), never by waiting.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { MemoryBlockListStore, StoreUnavailableError, removeAccount, type Subscription } from '@deskchat/core';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { rosterModule } from '../roster/roster-module.js';
import { presenceModule } from '../presence/presence-module.js';
import { messagingModules } from '../messaging/index.js';
import { BLOCKING_ERRORS_NS, BLOCKING_NS, blockingModule, parseBlockingOptions } from './blocking-module.js';

const B = BLOCKING_NS;
const items = (...jids: string[]) => jids.map((jid) => xml('item', { jid }));
const block = (...jids: string[]) => xml('iq', { type: 'set' }, xml('block', { xmlns: B }, ...items(...jids)));
const unblock = (...jids: string[]) => xml('iq', { type: 'set' }, xml('unblock', { xmlns: B }, ...items(...jids)));
const getList = () => xml('iq', { type: 'get' }, xml('blocklist', { xmlns: B }));
const chat = (to: string, body: string) => xml('message', { to, type: 'chat', id: `m-${body}` }, xml('body', {}, body));
const listed = (reply: Element) => reply.getChild('blocklist', B)!.getChildren('item').map((i) => i.attrs.jid);
const isBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body && el.attrs.type !== 'error';
const isPush = (name: 'block' | 'unblock') => (el: Element) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild(name, B) !== undefined;
/** What the client got (not yet taken by `next`) of one kind, as `type from`. */
const unread = (c: HarnessClient, name: string) =>
  c.transport
    .drain()
    .filter((el) => el.name === name)
    .map((el) => `${el.attrs.type ?? 'normal'} ${el.attrs.from}`);

const reverse: Record<Subscription, Subscription> = { none: 'none', to: 'from', from: 'to', both: 'both' };
async function link(h: Harness, user: string, contact: string, subscription: Subscription): Promise<void> {
  const base = { groups: [], isPendingOut: false, isPreApproved: false };
  await h.core.stores.roster.setItem(user, { jid: `${contact}@localhost`, subscription, ...base });
  await h.core.stores.roster.setItem(contact, { jid: `${user}@localhost`, subscription: reverse[subscription], ...base });
}

let h: Harness;
let alice: HarnessClient;
let bob: HarnessClient;
let carol: HarnessClient;

async function online(user: string, resource: string): Promise<HarnessClient> {
  const client = await h.connect(user, { resource });
  await client.send(xml('presence'));
  return client;
}

beforeEach(async () => {
  h = await Harness.create({ modules: [rosterModule, presenceModule, ...messagingModules, { ...blockingModule, defaults: { maxItemsPerUser: 3 } }] });
  for (const user of ['alice', 'bob', 'carol']) await h.addUser(user);
  await link(h, 'alice', 'bob', 'both');
  await link(h, 'alice', 'carol', 'both');
  alice = await online('alice', 'desk');
  bob = await online('bob', 'laptop');
  carol = await online('carol', 'desk');
  for (const c of [alice, bob, carol]) c.transport.drain();
});

describe('the block list (XEP-0191 §3.1–3.2)', () => {
  it('advertises urn:xmpp:blocking in the server\'s disco#info (§3.1)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(B);
  });

  it('returns an empty list, then the blocked JIDs normalized (§3.2)', async () => {
    expect(listed(await alice.iq(getList()))).toEqual([]);
    expect((await alice.iq(block('Bob@LOCALHOST', 'spam.example', 'dave@localhost/Phone'))).attrs.type).toBe('result');
    expect(listed(await alice.iq(getList()))).toEqual(['bob@localhost', 'dave@localhost/Phone', 'spam.example']);
  });

  it('keeps a user\'s list to that user (forbidden for another account)', async () => {
    const reply = await bob.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('blocklist', { xmlns: B })));
    expect(isStanzaError(reply, 'forbidden')).toBe(true);
  });

  it('empties the list with the account (account removal)', async () => {
    await alice.iq(block('bob@localhost'));
    await removeAccount(h.core.stores, 'alice', { domain: h.core.domain });
    await expect(h.core.stores.blockList.getBlockList('alice')).resolves.toEqual([]);
  });
});

describe('block and unblock (§3.3–3.4)', () => {
  it('refuses a block without items (bad-request) and a malformed JID (jid-malformed), changing nothing', async () => {
    expect(isStanzaError(await alice.iq(block()), 'bad-request')).toBe(true);
    expect(isStanzaError(await alice.iq(block('bob@localhost', 'a b@localhost')), 'jid-malformed')).toBe(true);
    expect(isStanzaError(await alice.iq(xml('iq', { type: 'set' }, xml('block', { xmlns: B }, xml('item')))), 'bad-request')).toBe(true);
    expect(listed(await alice.iq(getList()))).toEqual([]);
  });

  it('refuses to pass the per-user bound with resource-constraint, keeping the list as it was', async () => {
    expect((await alice.iq(block('a@localhost', 'b@localhost'))).attrs.type).toBe('result');
    const reply = await alice.iq(block('c@localhost', 'd@localhost'));
    expect(isStanzaError(reply, 'resource-constraint')).toBe(true);
    expect(listed(await alice.iq(getList()))).toEqual(['a@localhost', 'b@localhost']);
    expect((await alice.iq(block('a@localhost', 'c@localhost'))).attrs.type).toBe('result'); // one already there: three in all
  });

  it('pushes each change to the user\'s resources that asked for the list, not to the others (§3.3)', async () => {
    const phone = await online('alice', 'phone');
    const plain = await online('alice', 'plain');
    await phone.iq(getList());
    await alice.iq(getList());
    expect((await alice.iq(block('spam.example'))).attrs.type).toBe('result');
    const pushed = await phone.next(isPush('block'));
    expect(pushed.getChild('block', B)!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['spam.example']);
    await alice.next(isPush('block'));
    // The marker: a message that plain gets after the push would have reached it.
    await carol.send(chat('alice@localhost/plain', 'marker'));
    await plain.next(isBody('marker'));
    expect(plain.transport.drain().filter(isPush('block'))).toEqual([]);

    await alice.iq(unblock('spam.example'));
    expect((await phone.next(isPush('unblock'))).getChild('unblock', B)!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['spam.example']);
  });

  it('unblocks everything with an empty <unblock/>, pushing an empty <unblock/> (§3.4)', async () => {
    await alice.iq(getList());
    await alice.iq(block('bob@localhost', 'spam.example'));
    await alice.iq(unblock());
    const pushed = await alice.next(isPush('unblock'));
    expect(pushed.getChild('unblock', B)!.children).toEqual([]);
    expect(listed(await alice.iq(getList()))).toEqual([]);
    await bob.send(chat('alice@localhost', 'through again'));
    await alice.next(isBody('through again'));
  });
});

describe('enforcement (§3.5)', () => {
  it('answers a blocked sender\'s message with service-unavailable and never delivers it', async () => {
    await alice.iq(block('bob@localhost'));
    await bob.send(chat('alice@localhost', 'blocked'));
    expect(isStanzaError(await bob.next((el) => el.name === 'message' && el.attrs.id === 'm-blocked'), 'service-unavailable')).toBe(true);
    await bob.send(chat('alice@localhost/desk', 'blocked too'));
    expect(isStanzaError(await bob.next((el) => el.name === 'message' && el.attrs.id === 'm-blocked too'), 'service-unavailable')).toBe(true);
    await carol.send(chat('alice@localhost', 'marker'));
    await alice.next(isBody('marker'));
    expect(unread(alice, 'message')).toEqual([]);
  });

  it('stores no offline message from a blocked sender', async () => {
    await alice.iq(block('bob@localhost'));
    await alice.send(xml('presence', { type: 'unavailable' }));
    await bob.send(chat('alice@localhost', 'for later'));
    expect(isStanzaError(await bob.next((el) => el.attrs.id === 'm-for later'), 'service-unavailable')).toBe(true);
    await carol.send(chat('alice@localhost', 'stored'));
    const stored = await h.core.stores.offline.listMessages('alice');
    expect(stored.map((m) => m.stanza)).toEqual([expect.stringContaining('stored')]);
  });

  it('answers a blocked sender\'s IQ get with service-unavailable', async () => {
    await alice.iq(block('bob@localhost'));
    const reply = await bob.iq(xml('iq', { type: 'get', to: 'alice@localhost/desk' }, xml('query', { xmlns: 'jabber:iq:version' })));
    expect(isStanzaError(reply, 'service-unavailable')).toBe(true);
    const iqFromCarol = carol.iq(xml('iq', { type: 'get', to: 'alice@localhost/desk', id: 'marker-iq' }, xml('query', { xmlns: 'jabber:iq:version' })));
    const got = await alice.next((el) => el.name === 'iq' && el.attrs.type === 'get');
    expect(got.attrs.from).toBe('carol@localhost/desk');
    await alice.send(xml('iq', { type: 'result', id: got.attrs.id, to: got.attrs.from }));
    expect((await iqFromCarol).attrs.type).toBe('result');
  });

  it('drops a blocked contact\'s presence silently: subscription requests, broadcasts and directed presence', async () => {
    await h.addUser('dave');
    const dave = await online('dave', 'desk');
    dave.transport.drain();
    await alice.iq(block('dave@localhost', 'bob@localhost'));
    await dave.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
    await bob.send(xml('presence', {}, xml('show', {}, 'away'))); // a broadcast to alice (both)
    await bob.send(xml('presence', { to: 'alice@localhost/desk' }, xml('status', {}, 'directed')));
    await carol.send(xml('presence', {}, xml('show', {}, 'dnd')));
    await alice.next((el) => el.name === 'presence' && el.attrs.from === 'carol@localhost/desk');
    expect(unread(alice, 'presence')).toEqual([]);
    await expect(h.core.stores.roster.getRequests('alice')).resolves.toEqual([]);
    expect(unread(dave, 'presence')).toEqual([]); // and no error for presence
  });

  it('refuses the user\'s own stanzas to a blocked JID with not-acceptable and <blocked/> (§3.4)', async () => {
    await alice.iq(block('bob@localhost'));
    await alice.send(chat('bob@localhost', 'to a blocked one'));
    const error = await alice.next((el) => el.name === 'message' && el.attrs.id === 'm-to a blocked one');
    expect(isStanzaError(error, 'not-acceptable')).toBe(true);
    expect(error.getChild('error')!.getChild('blocked', BLOCKING_ERRORS_NS)).toBeDefined();
    const iq = await alice.iq(xml('iq', { type: 'get', to: 'bob@localhost/laptop' }, xml('ping', { xmlns: NS.PING })));
    expect(isStanzaError(iq, 'not-acceptable')).toBe(true);
    // Nor does alice's presence reach bob: carol, also subscribed, gets the update; bob does not.
    await alice.send(xml('presence', {}, xml('show', {}, 'xa')));
    await carol.next((el) => el.name === 'presence' && el.getChildText('show') === 'xa');
    await carol.send(chat('bob@localhost', 'marker'));
    await bob.next(isBody('marker'));
    expect([...unread(bob, 'presence'), ...unread(bob, 'message'), ...unread(bob, 'iq')]).toEqual(['unavailable alice@localhost/desk']);
  });

  it('matches a full JID only for its resource and a domain for everyone there (XEP-0016 §2.1)', async () => {
    const phone = await online('bob', 'phone');
    await alice.iq(block('bob@localhost/phone'));
    await phone.send(chat('alice@localhost', 'from phone'));
    expect(isStanzaError(await phone.next((el) => el.attrs.id === 'm-from phone'), 'service-unavailable')).toBe(true);
    await bob.send(chat('alice@localhost', 'from laptop'));
    await alice.next(isBody('from laptop'));
    await alice.iq(block('localhost/desk'));
    await carol.send(chat('alice@localhost', 'from carol/desk'));
    expect(isStanzaError(await carol.next((el) => el.attrs.id === 'm-from carol/desk'), 'service-unavailable')).toBe(true);
  });
});

describe('presence on block and unblock (§3.3–3.4)', () => {
  it('sends unavailable from each available resource of the user to a blocked subscriber, and current presence again on unblock', async () => {
    const phone = await h.connect('alice', { resource: 'phone' });
    await phone.send(xml('presence', {}, xml('show', {}, 'away')));
    bob.transport.drain();
    await alice.iq(block('bob@localhost'));
    const gone = [await bob.next((el) => el.name === 'presence'), await bob.next((el) => el.name === 'presence')];
    expect(gone.map((p) => `${p.attrs.type} ${p.attrs.from}`).sort()).toEqual(['unavailable alice@localhost/desk', 'unavailable alice@localhost/phone']);

    await alice.iq(unblock('bob@localhost'));
    const back = [await bob.next((el) => el.name === 'presence'), await bob.next((el) => el.name === 'presence')];
    expect(back.map((p) => `${p.attrs.type ?? 'available'} ${p.attrs.from} ${p.getChildText('show') ?? ''}`).sort()).toEqual(['available alice@localhost/desk ', 'available alice@localhost/phone away']);
    // And alice learns bob's presence again (a probe), which she could not receive meanwhile.
    await alice.next((el) => el.name === 'presence' && el.attrs.from === 'bob@localhost/laptop' && el.attrs.type === undefined);
  });

  it('sends no presence on unblock while another item still blocks the contact', async () => {
    await alice.iq(block('bob@localhost', 'localhost/laptop'));
    await bob.next((el) => el.name === 'presence' && el.attrs.type === 'unavailable');
    await alice.iq(unblock('bob@localhost'));
    await carol.send(chat('bob@localhost', 'marker'));
    await bob.next(isBody('marker'));
    expect(unread(bob, 'presence')).toEqual([]);
  });
});

describe('the blocking config section (conventions §8)', () => {
  it('defaults to 1000 JIDs per user and names the key it refuses', () => {
    expect(parseBlockingOptions(undefined)).toEqual({ maxItemsPerUser: 1000 });
    expect(parseBlockingOptions({ maxItemsPerUser: 5 })).toEqual({ maxItemsPerUser: 5 });
    expect(() => parseBlockingOptions({ maxItemsPerUser: 0 })).toThrow(/blocking\.maxItemsPerUser/);
    expect(() => parseBlockingOptions({ maxItems: 5 })).toThrow(/blocking\.maxItems/);
  });
});

describe('a block-list store that cannot be read (the cluster\'s Redis down, issue 8 §8)', () => {
  it('lets chat go on, while what a session already knows of its own list still applies both ways', async () => {
    let isDown = false;
    class Flaky extends MemoryBlockListStore {
      override async getBlockList(username: string): Promise<string[]> {
        if (isDown) throw new StoreUnavailableError('test', 'store down');
        return super.getBlockList(username);
      }
    }
    const down = await Harness.create({ modules: [rosterModule, presenceModule, ...messagingModules, blockingModule], stores: { blockList: new Flaky() } });
    for (const user of ['alice', 'bob', 'carol']) await down.addUser(user);
    const a = await down.connect('alice', { resource: 'desk' });
    const b = await down.connect('bob', { resource: 'desk' });
    const c = await down.connect('carol', { resource: 'desk' });
    await a.send(xml('presence'));
    expect((await a.iq(block('bob@localhost'))).attrs.type).toBe('result');
    await c.send(chat('alice@localhost/desk', 'loads the copy')); // alice's session reads its list here
    await a.next(isBody('loads the copy'));
    isDown = true;
    await b.send(chat('alice@localhost/desk', 'blocked all along'));
    await c.send(chat('alice@localhost/desk', 'chat goes on'));
    await a.next(isBody('chat goes on'));
    expect(a.transport.drain().filter(isBody('blocked all along'))).toEqual([]);
    const reply = a.next((el) => el.name === 'message' && el.attrs.type === 'error');
    await a.send(chat('bob@localhost/desk', 'to the blocked'));
    expect((await reply).getChild('error')!.getChild('blocked', BLOCKING_ERRORS_NS)).toBeDefined();
    await b.send(chat('carol@localhost/desk', 'bob and carol chat on'));
    await c.next(isBody('bob and carol chat on'));
  });
});

describe("each session's copy of its user's list", () => {
  const status = (text: string) => xml('presence', {}, xml('status', {}, text));
  const presenceFromBob = (text: string) => (el: Element) => el.name === 'presence' && el.attrs.from === 'bob@localhost/laptop' && el.getChildText('status') === text;

  it('follows a block made from another session of the user (on another node in im-two-nodes): presence and messages both ways', async () => {
    const phone = await online('alice', 'phone');
    // The desk session reads alice's list (and keeps it) for what it receives and what it sends.
    await bob.send(status('before'));
    await alice.next(presenceFromBob('before'));
    await alice.send(chat('bob@localhost/laptop', 'hi bob'));
    await bob.next(isBody('hi bob'));
    expect((await phone.iq(block('bob@localhost'))).attrs.type).toBe('result');
    // Bob's presence broadcast reaches the desk session without the routing events: its copy must be gone.
    await bob.send(status('after'));
    await carol.send(chat('alice@localhost/desk', 'marker'));
    await alice.next(isBody('marker'));
    expect(alice.transport.drain().some(presenceFromBob('after'))).toBe(false);
    // What the desk sends is checked against the changed list too.
    const reply = alice.next((el) => el.name === 'message' && el.attrs.type === 'error');
    await alice.send(chat('bob@localhost/laptop', 'still there?'));
    expect((await reply).getChild('error')!.getChild('blocked', BLOCKING_ERRORS_NS)).toBeDefined();
    // And an unblock from the phone lets bob through to the desk again.
    expect((await phone.iq(unblock('bob@localhost'))).attrs.type).toBe('result');
    await bob.send(status('unblocked'));
    await alice.next(presenceFromBob('unblocked'));
  });
});

describe("the other party's list, from its session on this node", () => {
  it('bounces a message to a user whose list changed from another of their sessions (the copy the check read is gone)', async () => {
    const phone = await online('alice', 'phone');
    // Routing reads alice's list for bob's message, and her desk session keeps it.
    await bob.send(chat('alice@localhost', 'before'));
    await alice.next(isBody('before'));
    expect((await phone.iq(block('bob@localhost'))).attrs.type).toBe('result');
    const reply = bob.next((el) => el.name === 'message' && el.attrs.type === 'error');
    await bob.send(chat('alice@localhost', 'after'));
    expect((await reply).getChild('error')!.getChild('service-unavailable', NS.STANZA_ERRORS)).toBeDefined();
  });

  it('reads no list from the store for chat between two users served by one node, once their sessions hold their lists', async () => {
    const store = new MemoryBlockListStore();
    const reads: string[] = [];
    const read = store.getBlockList.bind(store);
    store.getBlockList = (user: string) => {
      reads.push(user);
      return read(user);
    };
    const single = await Harness.create({ nodes: 1, stores: { blockList: store }, modules: [rosterModule, presenceModule, ...messagingModules, blockingModule] });
    for (const user of ['dave', 'erin']) await single.addUser(user);
    const dave = await single.connect('dave', { resource: 'desk' });
    const erin = await single.connect('erin', { resource: 'desk' });
    for (const c of [dave, erin]) await c.send(xml('presence'));
    await dave.send(chat('erin@localhost', 'first'));
    await erin.next(isBody('first'));
    await erin.send(chat('dave@localhost', 'first back'));
    await dave.next(isBody('first back'));
    reads.length = 0;
    for (let i = 0; i < 3; i++) {
      await dave.send(chat('erin@localhost', `to erin ${i}`));
      await erin.next(isBody(`to erin ${i}`));
      await erin.send(chat('dave@localhost/desk', `to dave ${i}`));
      await dave.next(isBody(`to dave ${i}`));
    }
    expect(reads).toEqual([]);
  });
});
