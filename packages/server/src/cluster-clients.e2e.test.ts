// Real clients on different nodes of a cluster (issue 8 §6 and "Done means"): four nodes in two
// pairs in this process on a real redis-server, each on its own ports. slixmpp over TCP on imp1a
// and Strophe.js over BOSH on imp2a chat both ways, subscribe (RFC 6121 §3) and see each other's
// composed presence (design §3), with a phone state set through a third node's admin API; offline
// messages (XEP-0160) are stored only when no node has an available resource and are flushed at
// sign-in on another node; vCards (XEP-0054) and search (XEP-0055) read what another node wrote;
// one user with a resource on each node of a pair gets IM&P forking and XEP-0280 carbons across them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { stopClient } from './__tests__/e2e-helpers.js';
import { ClusterNode, eventually } from './__tests__/cluster-helpers.js';
import { SlixmppClient } from './__tests__/slixmpp-driven.js';
import { $iq, $msg, $pres, StropheClient, stopAllStrophe } from './__tests__/strophe-client.js';

const CARBONS = 'urn:xmpp:carbons:2';
let redis: RedisTestServer;
let imp1a: ClusterNode, imp1b: ClusterNode, imp2a: ClusterNode, imp2b: ClusterNode;
let alice: SlixmppClient;
let bob: StropheClient;
const slixmpps: SlixmppClient[] = [];
const clients: Client[] = [];

async function online(node: ClusterNode, user: string, resource: string): Promise<{ xmpp: Client; stanzas: Element[] }> {
  const xmpp = await node.signIn(user, resource);
  clients.push(xmpp);
  const stanzas: Element[] = [];
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  return { xmpp, stanzas };
}

const presenceFrom = (from: string, check: (el: Element) => boolean = () => true) => (el: Element) => el.is('presence') && el.attrs.from === from && check(el);
const messageWith = (body: string) => (el: Element) => el.is('message') && el.getChildText('body') === body;
const carbonOf = (direction: 'sent' | 'received', body: string) => (el: Element) =>
  el.is('message') && el.getChild(direction, CARBONS)?.getChild('forwarded', 'urn:xmpp:forward:0')?.getChild('message')?.getChildText('body') === body;

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  [imp1a, imp1b, imp2a, imp2b] = await Promise.all([
    ClusterNode.start(redis.url, 'imp1a', 'pair1'),
    ClusterNode.start(redis.url, 'imp1b', 'pair1'),
    ClusterNode.start(redis.url, 'imp2a', 'pair2'),
    ClusterNode.start(redis.url, 'imp2b', 'pair2'),
  ]);
  // Accounts written through one node are every node's (Redis); each user has a home.
  const homes = { alice: 'imp1a', bob: 'imp2a', carol: 'imp2b', dave: 'imp1b' };
  for (const [user, home] of Object.entries(homes)) {
    await imp1a.addUser(user);
    await imp1a.assign(user, home);
  }
  [alice, bob] = await Promise.all([SlixmppClient.start(imp1a.ports.c2s, 'alice@localhost/slixmpp', 'pw-alice'), StropheClient.connect(imp2a.boshUrl, 'bob@localhost/strophe', 'pw-bob')]);
  slixmpps.push(alice);
}, 60_000);

afterAll(async () => {
  stopAllStrophe();
  await Promise.all([...slixmpps.map((s) => s.close()), ...clients.map(stopClient)]);
  for (const node of [imp1a, imp1b, imp2a, imp2b]) await node?.stop().catch(() => undefined);
  await redis?.stop();
}, 30_000);

describe('slixmpp over TCP on imp1a and Strophe.js over BOSH on imp2a', () => {
  it('are signed in on the nodes they were sent to', () => {
    expect(alice.jid).toBe('alice@localhost/slixmpp');
    expect(bob.jid).toBe('bob@localhost/strophe');
    expect(imp1a.sessionUsers()).toEqual(['alice@localhost/slixmpp']);
    expect(imp2a.running.core.sessions.forUser('bob').map((s) => s.transport.kind)).toEqual(['bosh']);
  });

  it('subscribe to each other across the nodes and get each other\'s presence (RFC 6121 §3.1, §4.2)', async () => {
    await alice.command('presence');
    bob.send($pres());
    await alice.command('presence', { to: 'bob@localhost', type: 'subscribe' });
    await eventually(() => bob.stanzas.find(presenceFrom('alice@localhost', (el) => el.attrs.type === 'subscribe')), 'alice\'s request at bob');
    bob.send($pres({ to: 'alice@localhost', type: 'subscribed' }));
    bob.send($pres({ to: 'alice@localhost', type: 'subscribe' }));
    await alice.stanza(presenceFrom('bob@localhost', (el) => el.attrs.type === 'subscribe'), 'bob\'s request at alice');
    await alice.command('presence', { to: 'bob@localhost', type: 'subscribed' });
    // Each sees the other's resource and the server's composed presence (priority 127).
    await alice.stanza(presenceFrom('bob@localhost/strophe', (el) => el.attrs.type === undefined), 'bob\'s presence at alice');
    const composedBob = await alice.stanza(presenceFrom('bob@localhost/composed-presence', (el) => el.attrs.type === undefined), 'bob\'s composed presence at alice');
    expect(composedBob.getChildText('priority')).toBe('127');
    await eventually(() => bob.stanzas.find(presenceFrom('alice@localhost/slixmpp', (el) => el.attrs.type === undefined)), 'alice\'s presence at bob');
    await eventually(() => bob.stanzas.find(presenceFrom('alice@localhost/composed-presence', (el) => el.attrs.type === undefined)), 'alice\'s composed presence at bob');
    const roster = await alice.command('roster');
    expect(roster.items['bob@localhost']).toMatchObject({ subscription: 'both' });
    const bobRoster = await bob.iq($iq({ type: 'get' }).c('query', { xmlns: 'jabber:iq:roster' }));
    expect(bobRoster.getChild('query')?.getChildren('item').map((i) => [i.attrs.jid, i.attrs.subscription])).toEqual([['alice@localhost', 'both']]);
  });

  it('chat both ways: a bare-JID chat from slixmpp, the answer from Strophe to its full JID (RFC 6121 §5)', async () => {
    await alice.command('message', { to: 'bob@localhost', body: 'hello from slixmpp on imp1a' });
    const got = await eventually(() => bob.stanzas.find(messageWith('hello from slixmpp on imp1a')), 'the message at bob');
    expect(got.attrs).toMatchObject({ from: 'alice@localhost/slixmpp', type: 'chat' });
    bob.send($msg({ to: 'alice@localhost/slixmpp', type: 'chat' }).c('body').t('hello from Strophe on imp2a'));
    const answer = await alice.stanza(messageWith('hello from Strophe on imp2a'), 'the answer at alice');
    expect(answer.attrs.from).toBe('bob@localhost/strophe');
  });

  it('shows alice on the phone to bob when the phone system reports it through a third node (design §3)', async () => {
    const put = await imp1b.admin('/api/v1/users/alice/presence-sources/phone', { method: 'PUT', json: { state: 'on-call' } });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { composed: unknown }).composed).toMatchObject({ isAvailable: true, show: 'away', status: 'On the phone', reason: 'on-call' });
    const composed = await eventually(() => bob.stanzas.find(presenceFrom('alice@localhost/composed-presence', (el) => el.getChildText('status') === 'On the phone')), 'alice on the phone at bob');
    expect(composed.getChildText('show')).toBe('away');
    // Every node reads the same composed state.
    const read = await imp2b.admin('/api/v1/users/alice/presence');
    expect(await read.json()).toMatchObject({ composed: { show: 'away', status: 'On the phone' } });
    // And the other way: bob on the phone, seen by slixmpp on imp1a; then idle again.
    expect((await imp1b.admin('/api/v1/users/bob/presence-sources/phone', { method: 'PUT', json: { state: 'on-call' } })).status).toBe(200);
    await alice.stanza(presenceFrom('bob@localhost/composed-presence', (el) => el.getChildText('status') === 'On the phone'), 'bob on the phone at alice');
    expect((await imp1b.admin('/api/v1/users/alice/presence-sources/phone', { method: 'PUT', json: { state: 'idle' } })).status).toBe(200);
    await eventually(() => bob.stanzas.slice(bob.stanzas.indexOf(composed) + 1).find(presenceFrom('alice@localhost/composed-presence', (el) => el.attrs.type === undefined && !el.getChildText('show'))), 'alice available again at bob');
  });

  it('reads across nodes a vCard that Strophe stored on imp2a, and finds bob by it in a search from imp1a (XEP-0054, XEP-0055)', async () => {
    await bob.iq($iq({ type: 'set' }).c('vCard', { xmlns: 'vcard-temp' }).c('FN').t('Robert Clusterman').up().c('NICKNAME').t('bobby'));
    const vcard = await alice.command('vcard', { jid: 'bob@localhost' });
    expect(vcard.fields).toMatchObject({ FN: 'Robert Clusterman', NICKNAME: 'bobby' });
    const search = await alice.command('search', { text: 'clusterman' });
    expect(search.items).toEqual([expect.objectContaining({ jid: 'bob@localhost', name: 'Robert Clusterman' })]);
  });
});

describe('offline messages (XEP-0160) in a cluster', () => {
  it('are stored while no node has an available resource of the user, and flushed when one becomes available', async () => {
    // dave is connected on imp1b but not available (no initial presence): nothing is delivered to him.
    const dave = await online(imp1b, 'dave', 'desk');
    await alice.command('message', { to: 'dave@localhost', body: 'while you were away (1)' });
    bob.send($msg({ to: 'dave@localhost', type: 'chat' }).c('body').t('while you were away (2)'));
    // A later marker: bob's own message to alice has gone through, so both messages were handled.
    bob.send($msg({ to: 'alice@localhost/slixmpp', type: 'chat' }).c('body').t('marker after dave'));
    await alice.stanza(messageWith('marker after dave'), 'the marker');
    await eventually(async () => (await countOffline('dave')) === 2, 'two offline messages for dave');
    expect(dave.stanzas.filter((el) => el.is('message'))).toEqual([]);
    // Initial presence: both flushed, with their original sender and a delay (XEP-0203).
    await dave.xmpp.send(xml('presence'));
    const first = await eventually(() => dave.stanzas.find(messageWith('while you were away (1)')), 'the first offline message');
    const second = await eventually(() => dave.stanzas.find(messageWith('while you were away (2)')), 'the second offline message');
    expect([first.attrs.from, second.attrs.from]).toEqual(['alice@localhost/slixmpp', 'bob@localhost/strophe']);
    expect(first.getChild('delay', 'urn:xmpp:delay')).toBeDefined();
    // Removed once delivered (after the stanzas went out).
    await eventually(async () => (await countOffline('dave')) === 0, 'the offline queue emptied');
  });

  it('are flushed by whichever node serves the user: the backup, while the home is down', async () => {
    // dave's home imp1b stops (his session there ends); a message then waits in Redis.
    await imp1b.stop();
    await alice.command('message', { to: 'dave@localhost', body: 'kept while imp1b was down' });
    await eventually(async () => (await countOffline('dave')) === 1, 'the message stored offline');
    const again = await online(imp1a, 'dave', 'laptop');
    expect(imp1a.sessionUsers()).toContain('dave@localhost/laptop');
    await again.xmpp.send(xml('presence'));
    const flushed = await eventually(() => again.stanzas.find(messageWith('kept while imp1b was down')), 'the message flushed on imp1a');
    expect(flushed.attrs.from).toBe('alice@localhost/slixmpp');
    await eventually(async () => (await countOffline('dave')) === 0, 'the offline queue emptied');
  });
});

/** Offline messages waiting for a user, read from the shared store through a node that neither sender nor recipient uses. */
function countOffline(user: string): Promise<number> {
  return imp2b.running.core.stores.offline.countMessages(user);
}

describe('one user with a resource on each node of a pair', () => {
  let desk: { xmpp: Client; stanzas: Element[] };
  let phone: { xmpp: Client; stanzas: Element[] };

  beforeAll(async () => {
    // carol's home imp2b stops: its backup imp2a serves her desk; when imp2b is back it serves her
    // phone, and her desk stays on imp2a (docs/cluster.md: users are not kicked back).
    await imp2b.stop();
    desk = await online(imp2a, 'carol', 'desk');
    await imp2b.restart();
    phone = await online(imp2b, 'carol', 'phone');
    for (const c of [desk, phone]) {
      await c.xmpp.iqCaller.set(xml('enable', { xmlns: CARBONS }));
      await c.xmpp.send(xml('presence'));
    }
    await eventually(async () => (await imp2a.running.core.router.availableResourcesOf('carol')).length === 2, 'both of carol\'s resources available');
  }, 30_000);

  it('holds the desk on imp2a and the phone on imp2b', () => {
    expect(imp2a.sessionUsers()).toContain('carol@localhost/desk');
    expect(imp2b.sessionUsers()).toEqual(['carol@localhost/phone']);
  });

  it('forks a bare-JID chat to both, then to the resource that answered, with carbons to the other (IM&P forking, XEP-0280)', async () => {
    await alice.command('message', { to: 'carol@localhost', body: 'fork 1' });
    await eventually(() => desk.stanzas.find(messageWith('fork 1')), 'fork 1 on the desk (imp2a)');
    await eventually(() => phone.stanzas.find(messageWith('fork 1')), 'fork 1 on the phone (imp2b)');
    // The phone answers: alice gets it, the desk gets a <sent/> carbon, and the chat locks to the phone.
    await phone.xmpp.send(xml('message', { to: 'alice@localhost/slixmpp', type: 'chat' }, xml('body', {}, 'answer from the phone')));
    await alice.stanza(messageWith('answer from the phone'), 'the phone\'s answer at alice');
    await eventually(() => desk.stanzas.find(carbonOf('sent', 'answer from the phone')), 'the sent carbon on the desk');
    await alice.command('message', { to: 'carol@localhost', body: 'fork 2' });
    await eventually(() => phone.stanzas.find(messageWith('fork 2')), 'fork 2 on the phone');
    await eventually(() => desk.stanzas.find(carbonOf('received', 'fork 2')), 'the received carbon of fork 2 on the desk');
    // No copy of fork 1 as a carbon anywhere (both got the original), and fork 2 itself never reached the desk.
    expect([...desk.stanzas, ...phone.stanzas].filter(carbonOf('received', 'fork 1'))).toEqual([]);
    expect(desk.stanzas.filter(messageWith('fork 2'))).toEqual([]);
  });
});
