// Account removal end to end over real TCP with real @xmpp/client clients against a node on SQLite:
// an administrator removes a signed-in agent through the admin API (DELETE /api/v1/users/{u}). Her
// session ends; her contacts are told as by RFC 6121 §2.5.2 (a roster push with no subscription, her
// presence gone); and when a new account is made with the same name (contact centres reuse agent
// IDs) it inherits nobody's presence subscription nor the old account's room affiliation.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { ADMIN_TOKEN, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { Inbox, isPresenceFrom, rosterPushOfNone, signInWithRoster } from './__tests__/client-inbox.js';

const MUC = 'http://jabber.org/protocol/muc';
const ROOM = 'ops@conference.localhost';

let server: TestNode;
const clients: Client[] = [];

const admin = (path: string, method: string, json?: unknown) =>
  fetch(`http://127.0.0.1:${server.node.ports.admin}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    ...(json ? { body: JSON.stringify(json) } : {}),
  });

const online = (username: string, password = `pw-${username}`) => signInWithRoster(server.port, username, password, (xmpp) => clients.push(xmpp));

const pushedItem = (el: Element) => el.getChild('query', NS.ROSTER)!.getChild('item')!.attrs;
/** The affiliation the room gives the user in her own presence after she joins (XEP-0045 §7.2.3, status 110). */
async function joinedAffiliation(user: { xmpp: Client; inbox: Inbox }, nick: string): Promise<string> {
  await user.xmpp.send(xml('presence', { to: `${ROOM}/${nick}` }, xml('x', { xmlns: MUC })));
  const self = await user.inbox.next((el) => el.is('presence') && el.attrs.from === `${ROOM}/${nick}` && !el.attrs.type);
  return self.getChild('x', `${MUC}#user`)!.getChild('item')!.attrs.affiliation;
}

beforeAll(async () => {
  server = await startTestNode();
  for (const user of ['alice', 'bob', 'carol']) await server.addUser(user, `pw-${user}`);
  // alice ↔ bob subscribed both ways; carol has asked for alice's presence and waits.
  const { roster } = server.node.core.stores;
  const item = (jid: string, subscription: 'both' | 'none', isPendingOut = false) => ({ jid, groups: ['Agents'], subscription, isPendingOut, isPreApproved: false });
  await roster.setItem('alice', item('bob@localhost', 'both'));
  await roster.setItem('bob', item('alice@localhost', 'both'));
  await roster.setItem('carol', item('alice@localhost', 'none', true));
  await roster.setRequest('alice', { jid: 'carol@localhost', receivedAt: Date.now() });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  await server?.stop();
}, 30_000);

describe('removing a signed-in user through the admin API', () => {
  it("ends her session, tells her contacts, and leaves nothing for a new account with her name", async () => {
    const [alice, bob, carol] = [await online('alice'), await online('bob'), await online('carol')];
    await bob.inbox.next(isPresenceFrom(undefined, 'alice@localhost/desk'));

    // bob makes a room (an instant room, XEP-0045 §10.1.2) and alice one of its admins.
    expect(await joinedAffiliation(bob, 'bob')).toBe('owner');
    await bob.xmpp.iqCaller.request(xml('iq', { type: 'set', to: ROOM }, xml('query', { xmlns: `${MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
    await bob.xmpp.iqCaller.request(xml('iq', { type: 'set', to: ROOM }, xml('query', { xmlns: `${MUC}#admin` }, xml('item', { jid: 'alice@localhost', affiliation: 'admin' }))));
    expect(await joinedAffiliation(alice, 'alice')).toBe('admin');

    const removed = await admin('/api/v1/users/alice', 'DELETE');
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ username: 'alice', sessionsEnded: 1 });

    // Her contacts: bob keeps the item, with no subscription either way, and sees her go; carol's request is void.
    expect(pushedItem(await bob.inbox.next(rosterPushOfNone('alice@localhost')))).toEqual({ jid: 'alice@localhost', subscription: 'none' });
    await bob.inbox.next(isPresenceFrom('unavailable', 'alice@localhost/desk'));
    expect(pushedItem(await carol.inbox.next(rosterPushOfNone('alice@localhost')))).toEqual({ jid: 'alice@localhost', subscription: 'none' });
    // Her own session ends with a stream error saying why.
    await until(() => alice.streamErrors.length > 0, 'the stream error');
    expect(alice.streamErrors).toEqual(['not-authorized']);
    await expect(signIn(server.port, 'alice', 'pw-alice')).rejects.toThrow();

    // A new account with the same name starts with nothing of hers.
    expect((await admin('/api/v1/users', 'POST', { username: 'alice', password: 'pw-new-alice' })).status).toBe(201);
    const newAlice = await online('alice', 'pw-new-alice');
    const roster = await newAlice.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER })));
    expect(roster.getChild('query', NS.ROSTER)!.getChildren('item')).toEqual([]);
    expect(await joinedAffiliation(newAlice, 'alice2')).toBe('none');
    // bob is online and was subscribed to the old alice: the new one must not get his presence. A
    // message from him after it is the marker: it arrives, and no presence of his came before it.
    await bob.xmpp.send(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'marker')));
    await newAlice.inbox.next((el) => el.is('message') && el.getChildText('body') === 'marker');
    expect(await newAlice.inbox.taken((el) => el.is('presence') && el.attrs.from === 'bob@localhost/desk', 0)).toEqual([]);
    const bobsRoster = await bob.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER })));
    expect(bobsRoster.getChild('query', NS.ROSTER)!.getChildren('item').map((i: Element) => i.attrs)).toEqual([{ jid: 'alice@localhost', subscription: 'none' }]);
  }, 60_000);
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 8000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
