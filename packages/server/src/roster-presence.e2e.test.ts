// End to end over real TCP with two real @xmpp/client clients against a node on SQLite: the RFC
// 6121 subscription state table walked between alice and bob (request, deny, approve, mutual,
// unsubscribe, cancel, pre-approval), each desktop-chat contact-list operation done with standard
// roster sets as docs/contact-list.md describes, presence seen by the other side, unavailable when
// a socket is destroyed, and rosters, subscription states and pending requests kept across a restart.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { Inbox } from './__tests__/client-inbox.js';

type Item = { name?: string; groups: string[]; subscription: string; ask?: string; approved?: string };

const isPush = (jid: string, subscription?: string) => (el: Element) => {
  const item = el.is('iq') && el.attrs.type === 'set' ? el.getChild('query', NS.ROSTER)?.getChild('item') : undefined;
  return item?.attrs.jid === jid && (subscription === undefined || item.attrs.subscription === subscription);
};
const isPresence = (type: string | undefined, from: string) => (el: Element) => el.is('presence') && el.attrs.type === type && el.attrs.from === from;

async function rosterOf(xmpp: Client): Promise<Record<string, Item>> {
  const reply = await xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER })));
  const items: Record<string, Item> = {};
  for (const el of reply.getChild('query', NS.ROSTER)!.getChildren('item') as Element[]) {
    const { jid, name, subscription, ask, approved } = el.attrs;
    items[jid] = { subscription, groups: el.getChildren('group').map((g: Element) => g.text()) };
    if (name !== undefined) items[jid].name = name;
    if (ask !== undefined) items[jid].ask = ask;
    if (approved !== undefined) items[jid].approved = approved;
  }
  return items;
}

/** `subscription[ ask][ approved]`, or 'absent', as a short label for one item. */
async function stateOf(xmpp: Client, jid: string): Promise<string> {
  const item = (await rosterOf(xmpp))[jid];
  return item ? [item.subscription, item.ask && 'ask', item.approved && 'approved'].filter(Boolean).join(' ') : 'absent';
}

// Contact-list operations exactly as docs/contact-list.md tells a client to do them.
const setItem = (xmpp: Client, jid: string, item: { name?: string; groups: string[] }) =>
  xmpp.iqCaller.request(
    xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', item.name === undefined ? { jid } : { jid, name: item.name }, ...item.groups.map((g) => xml('group', {}, g))))),
  );
const removeItem = (xmpp: Client, jid: string) =>
  xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid, subscription: 'remove' }))));
const withoutDuplicates = (groups: string[]) => [...new Set(groups)];

async function moveContacts(xmpp: Client, jids: string[], from: string, to: string): Promise<void> {
  const roster = await rosterOf(xmpp);
  for (const jid of jids) await setItem(xmpp, jid, { name: roster[jid].name, groups: withoutDuplicates(roster[jid].groups.map((g) => (g === from ? to : g))) });
}
async function removeFromGroup(xmpp: Client, jid: string, group: string): Promise<void> {
  const { name, groups } = (await rosterOf(xmpp))[jid];
  await setItem(xmpp, jid, { name, groups: groups.filter((g) => g !== group) });
}
async function renameGroup(xmpp: Client, from: string, to: string): Promise<void> {
  const roster = await rosterOf(xmpp);
  await moveContacts(xmpp, Object.keys(roster).filter((jid) => roster[jid].groups.includes(from)), from, to);
}
async function deleteGroup(xmpp: Client, group: string): Promise<void> {
  for (const [jid, { name, groups }] of Object.entries(await rosterOf(xmpp))) {
    if (!groups.includes(group)) continue;
    if (groups.length === 1) await removeItem(xmpp, jid);
    else await setItem(xmpp, jid, { name, groups: groups.filter((g) => g !== group) });
  }
}

let server: TestNode;
const clients: Client[] = [];

async function connect(user: string, resource: string): Promise<Inbox> {
  const xmpp = await signIn(server.port, user, `pw-${user}`, resource);
  // A well-behaved client acknowledges roster pushes (RFC 6121 §2.1.6).
  xmpp.iqCallee.set(NS.ROSTER, 'query', () => true);
  clients.push(xmpp);
  const inbox = new Inbox(xmpp);
  await rosterOf(xmpp); // an interested resource from now on
  await xmpp.send(xml('presence'));
  return inbox;
}

async function startServer(dataDir?: string): Promise<void> {
  // xmpp.js enables resumable stream management (XEP-0198) by itself: a broken connection leaves
  // the session hibernated for sm.resumptionTimeout before the unavailable goes out; 1 s here.
  server = await startTestNode({ raw: { ...(dataDir ? { dataDir } : {}), sm: { resumptionTimeout: 1 } } });
}

async function stopAll(): Promise<void> {
  await Promise.all(clients.splice(0).map(stopClient));
  await server.stop();
}

describe('the subscription state table between two clients (RFC 6121 §3, Appendix A)', () => {
  let alice: Inbox;
  let bob: Inbox;
  beforeAll(async () => {
    await startServer();
    for (const user of ['alice', 'bob']) await server.addUser(user, `pw-${user}`);
    alice = await connect('alice', 'desk');
    bob = await connect('bob', 'laptop');
  });
  afterAll(stopAll);

  const send = (inbox: Inbox, type: string, to: string) => inbox.xmpp.send(xml('presence', { type, to }));
  const states = async () => [await stateOf(alice.xmpp, 'bob@localhost'), await stateOf(bob.xmpp, 'alice@localhost')];

  it('request: alice asks, bob is asked, and bob gets no item for it (None → None + Pending Out / None + Pending In)', async () => {
    await send(alice, 'subscribe', 'bob@localhost');
    await alice.next(isPush('bob@localhost', 'none'));
    await bob.next(isPresence('subscribe', 'alice@localhost'));
    expect(await states()).toEqual(['none ask', 'absent']);
  });

  it('deny: bob declines, alice is told and is back to None (A.2.4, A.3.4)', async () => {
    await send(bob, 'unsubscribed', 'alice@localhost');
    await alice.next(isPresence('unsubscribed', 'bob@localhost'));
    expect(await states()).toEqual(['none', 'absent']);
  });

  it('approve: alice asks again, bob approves; alice sees bob\'s presence (To / From)', async () => {
    await send(alice, 'subscribe', 'bob@localhost');
    await bob.next(isPresence('subscribe', 'alice@localhost'));
    await send(bob, 'subscribed', 'alice@localhost');
    await alice.next(isPresence('subscribed', 'bob@localhost'));
    await alice.next(isPresence(undefined, 'bob@localhost/laptop'));
    expect(await states()).toEqual(['to', 'from']);
  });

  it('mutual: bob asks back and alice approves (To + Pending In / From + Pending Out → Both / Both)', async () => {
    await send(bob, 'subscribe', 'alice@localhost');
    await alice.next(isPresence('subscribe', 'bob@localhost'));
    expect(await states()).toEqual(['to', 'from ask']);
    await send(alice, 'subscribed', 'bob@localhost');
    await bob.next(isPresence(undefined, 'alice@localhost/desk'));
    expect(await states()).toEqual(['both', 'both']);
  });

  it('presence: each sees the other\'s changes (RFC 6121 §4.4)', async () => {
    await alice.xmpp.send(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, 'lunch')));
    const seen = await bob.next((el) => isPresence(undefined, 'alice@localhost/desk')(el) && el.getChildText('show') === 'away');
    expect(seen.getChildText('status')).toBe('lunch');
  });

  it('unsubscribe: alice stops receiving bob\'s presence and gets his unavailable (Both → From / Both → To)', async () => {
    await send(alice, 'unsubscribe', 'bob@localhost');
    await bob.next(isPresence('unsubscribe', 'alice@localhost'));
    await alice.next(isPresence('unavailable', 'bob@localhost/laptop'));
    expect(await states()).toEqual(['from', 'to']);
  });

  it('cancel: alice cancels bob\'s subscription and bob gets her unavailable (From → None / To → None)', async () => {
    await send(alice, 'unsubscribed', 'bob@localhost');
    await bob.next(isPresence('unsubscribed', 'alice@localhost'));
    await bob.next(isPresence('unavailable', 'alice@localhost/desk'));
    expect(await states()).toEqual(['none', 'none']);
  });

  it('pre-approval: alice pre-approves, bob\'s later request is approved at once and never shown to alice (§3.4)', async () => {
    await send(alice, 'subscribed', 'bob@localhost');
    await alice.next(isPush('bob@localhost', 'none'));
    expect(await states()).toEqual(['none approved', 'none']);
    await send(bob, 'subscribe', 'alice@localhost');
    await bob.next(isPresence('subscribed', 'alice@localhost'));
    await bob.next(isPresence(undefined, 'alice@localhost/desk'));
    expect(await states()).toEqual(['from', 'to']);
    expect(await alice.taken(isPresence('subscribe', 'bob@localhost'))).toEqual([]);
  });

  it('unavailable reaches a subscriber when the other client\'s socket is destroyed, once its stream is not resumed in time (XEP-0198 §7)', async () => {
    const phone = await connect('alice', 'phone');
    await bob.next(isPresence(undefined, 'alice@localhost/phone'));
    (phone.xmpp as unknown as { socket: { destroy(): void } }).socket.destroy();
    await bob.next(isPresence('unavailable', 'alice@localhost/phone'));
  });

  it("last activity (XEP-0012): bob, subscribed to alice, learns how long ago she left and her last status; she may not ask about him", async () => {
    await alice.xmpp.send(xml('presence', { type: 'unavailable' }, xml('status', {}, 'Heading home')));
    await bob.next(isPresence('unavailable', 'alice@localhost/desk'));
    const reply = await bob.xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: 'jabber:iq:last' })));
    const query = reply.getChild('query', 'jabber:iq:last')!;
    expect(Number(query.attrs.seconds)).toBeLessThan(30);
    expect(query.text()).toBe('Heading home');
    // alice is not subscribed to bob's presence: refused for his bare JID and his connected resource alike (§8).
    for (const to of ['bob@localhost', 'bob@localhost/laptop']) {
      const refused = await alice.xmpp.iqCaller.request(xml('iq', { type: 'get', to }, xml('query', { xmlns: 'jabber:iq:last' }))).catch((err: { condition?: string }) => err);
      expect(refused).toMatchObject({ condition: 'forbidden' });
    }
    expect(await bob.taken((el) => el.is('iq') && el.attrs.type === 'get' && !!el.getChild('query', 'jabber:iq:last'), 0)).toEqual([]);
  });
});

describe('desktop-chat contact-list operations with standard roster sets (docs/contact-list.md)', () => {
  let desk: Inbox;
  let gadget: Inbox;
  beforeAll(async () => {
    await startServer();
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) await server.addUser(user, `pw-${user}`);
    desk = await connect('alice', 'desk');
    gadget = await connect('alice', 'gadget');
  });
  afterAll(stopAll);

  /** alice's roster as the other resource sees it, after the last push for `jid` reached it. */
  async function seenByGadget(jid: string): Promise<Record<string, Item>> {
    await gadget.next(isPush(jid));
    return rosterOf(gadget.xmpp);
  }

  it('adds a contact with a display name into a new group, and asks for presence', async () => {
    await setItem(desk.xmpp, 'bob@localhost', { name: 'Bob B.', groups: ['Sales'] });
    await desk.xmpp.send(xml('presence', { type: 'subscribe', to: 'bob@localhost' }));
    await gadget.next(isPush('bob@localhost'));
    expect((await seenByGadget('bob@localhost'))['bob@localhost']).toEqual({ name: 'Bob B.', groups: ['Sales'], subscription: 'none', ask: 'subscribe' });
  });

  it('adds contacts into an existing group', async () => {
    await setItem(desk.xmpp, 'carol@localhost', { name: 'Carol', groups: ['Sales'] });
    await setItem(desk.xmpp, 'dave@localhost', { name: 'Dave', groups: ['Support'] });
    await gadget.next(isPush('carol@localhost'));
    expect((await seenByGadget('dave@localhost'))['carol@localhost'].groups).toEqual(['Sales']);
  });

  it('edits a contact\'s name and group, keeping its subscription state', async () => {
    await setItem(desk.xmpp, 'bob@localhost', { name: 'Robert', groups: ['Sales', 'Managers'] });
    expect((await seenByGadget('bob@localhost'))['bob@localhost']).toEqual({ name: 'Robert', groups: ['Sales', 'Managers'], subscription: 'none', ask: 'subscribe' });
  });

  it('moves one contact, then many, to another group', async () => {
    await moveContacts(desk.xmpp, ['dave@localhost'], 'Support', 'Sales');
    expect((await seenByGadget('dave@localhost'))['dave@localhost'].groups).toEqual(['Sales']);
    await moveContacts(desk.xmpp, ['carol@localhost', 'dave@localhost'], 'Sales', 'Field');
    await gadget.next(isPush('carol@localhost'));
    const roster = await seenByGadget('dave@localhost');
    expect([roster['carol@localhost'].groups, roster['dave@localhost'].groups]).toEqual([['Field'], ['Field']]);
  });

  it('deletes a contact from one of its groups; it stays in the others', async () => {
    await removeFromGroup(desk.xmpp, 'bob@localhost', 'Sales');
    expect((await seenByGadget('bob@localhost'))['bob@localhost'].groups).toEqual(['Managers']);
  });

  it('renames a group for every contact in it', async () => {
    await setItem(desk.xmpp, 'erin@localhost', { name: 'Erin', groups: ['Field', 'Managers'] });
    await gadget.next(isPush('erin@localhost'));
    await renameGroup(desk.xmpp, 'Field', 'Regional');
    await gadget.next(isPush('carol@localhost'));
    await gadget.next(isPush('dave@localhost'));
    const roster = await seenByGadget('erin@localhost');
    expect(Object.fromEntries(Object.entries(roster).map(([jid, i]) => [jid, i.groups]))).toEqual({
      'bob@localhost': ['Managers'],
      'carol@localhost': ['Regional'],
      'dave@localhost': ['Regional'],
      'erin@localhost': ['Regional', 'Managers'],
    });
  });

  it('deletes a group with its contacts; a contact also in another group stays there', async () => {
    await deleteGroup(desk.xmpp, 'Regional');
    await gadget.next(isPush('carol@localhost', 'remove'));
    await gadget.next(isPush('dave@localhost', 'remove'));
    const roster = await seenByGadget('erin@localhost');
    expect(Object.fromEntries(Object.entries(roster).map(([jid, i]) => [jid, i.groups]))).toEqual({
      'bob@localhost': ['Managers'],
      'erin@localhost': ['Managers'],
    });
  });
});

describe('after a restart on the same data directory', () => {
  let dataDir: string;
  let version: string;
  beforeAll(async () => {
    await startServer();
    dataDir = server.config.dataDir;
    for (const user of ['alice', 'bob', 'carol', 'dave']) await server.addUser(user, `pw-${user}`);
    const alice = await connect('alice', 'desk');
    const bob = await connect('bob', 'laptop');
    await setItem(alice.xmpp, 'bob@localhost', { name: 'Bob', groups: ['Team', 'Friends'] });
    await alice.xmpp.send(xml('presence', { type: 'subscribe', to: 'bob@localhost' }));
    await bob.next(isPresence('subscribe', 'alice@localhost'));
    await bob.xmpp.send(xml('presence', { type: 'subscribed', to: 'alice@localhost' }));
    await alice.next(isPresence('subscribed', 'bob@localhost'));
    await alice.xmpp.send(xml('presence', { type: 'subscribe', to: 'carol@localhost' })); // carol never answers
    await alice.xmpp.send(xml('presence', { type: 'subscribe', to: 'dave@localhost' })); // dave is offline
    await alice.next(isPush('dave@localhost'));
    version = (await alice.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER, ver: '' })))).getChild('query', NS.ROSTER)!.attrs.ver;
    await stopAll();
    await startServer(dataDir);
  });
  afterAll(stopAll);

  it('keeps roster items, groups and subscription states', async () => {
    const alice = await connect('alice', 'desk');
    expect(await rosterOf(alice.xmpp)).toEqual({
      'bob@localhost': { name: 'Bob', groups: ['Team', 'Friends'], subscription: 'to' },
      'carol@localhost': { groups: [], subscription: 'none', ask: 'subscribe' },
      'dave@localhost': { groups: [], subscription: 'none', ask: 'subscribe' },
    });
    const bob = await connect('bob', 'laptop');
    expect(await rosterOf(bob.xmpp)).toEqual({ 'alice@localhost': { groups: [], subscription: 'from' } });
  });

  it('keeps the roster version (XEP-0237): a client at it gets an empty result', async () => {
    const alice = await connect('alice', 'phone');
    const reply = await alice.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER, ver: version })));
    expect(reply.children).toEqual([]);
  });

  it('delivers pending inbound requests at the next sign-in (RFC 6121 §3.1.3)', async () => {
    const dave = await connect('dave', 'desk');
    await dave.next(isPresence('subscribe', 'alice@localhost'));
    const carol = await connect('carol', 'desk');
    await carol.next(isPresence('subscribe', 'alice@localhost'));
  });
});
