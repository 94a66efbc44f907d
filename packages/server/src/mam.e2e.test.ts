// XEP-0313 archives end to end over real TCP against a node on its SQLite store: alice writes to
// bob with @xmpp/client; bob's client gets each message with its XEP-0359 stanza id; slixmpp's own
// XEP-0313 plugin (python3-slixmpp), signed in as bob, pages through the archive with XEP-0059 in
// pages of three, forward and backward, and filtered by contact, and finds the same ids; the query
// form and disco come from @xmpp/client; an unknown RSM id is item-not-found. Then a room on
// conference.localhost: its messages carry the room's stanza id and its archive pages at its JID.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { SlixmppClient } from './__tests__/slixmpp-driven.js';
import { eventually } from './__tests__/cluster-helpers.js';

const MAM = 'urn:xmpp:mam:2';
const SID = 'urn:xmpp:sid:0';

let server: TestNode;
const clients: Client[] = [];
let slix: SlixmppClient | undefined;

async function online(user: string, resource: string): Promise<{ xmpp: Client; stanzas: Element[] }> {
  const xmpp = await signIn(server.port, user, `pw-${user}`, resource);
  clients.push(xmpp);
  const stanzas: Element[] = [];
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  await xmpp.send(xml('presence'));
  return { xmpp, stanzas };
}

const chat = (to: string, id: string, body: string) => xml('message', { to, id, type: 'chat' }, xml('body', {}, body));
const bodyIs = (body: string) => (el: Element) => el.is('message') && el.getChildText('body') === body;

beforeAll(async () => {
  server = await startTestNode({ raw: { mam: { defaultPageSize: 5 } } });
  for (const user of ['alice', 'bob', 'carol']) await server.addUser(user, `pw-${user}`);
}, 60_000);

afterAll(async () => {
  await slix?.close();
  await Promise.all(clients.map(stopClient));
  await server?.stop();
}, 30_000);

describe('XEP-0313 on one node with real clients (issue #13)', () => {
  it('stamps stanza ids that slixmpp then finds paging through the archive with RSM', async () => {
    const alice = await online('alice', 'desk');
    const carol = await online('carol', 'desk');
    const bob = await online('bob', 'desk');
    const ids: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const sender = i === 4 ? carol : alice;
      await sender.xmpp.send(chat('bob@localhost', `m${i}`, `message ${i}`));
      const got = await eventually(() => bob.stanzas.find(bodyIs(`message ${i}`)), `message ${i} at bob`);
      const sid = got.getChild('stanza-id', SID)!;
      expect(sid.attrs.by).toBe('bob@localhost');
      ids.push(sid.attrs.id);
    }
    expect(new Set(ids).size).toBe(7);

    slix = await SlixmppClient.start(server.port, 'bob@localhost/slix', 'pw-bob');
    const forward = (await slix.command('mam', { max: 3 })).messages as { id: string; body: string; from: string; stamp: string }[];
    expect(forward.map((m) => m.body)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `message ${i}`));
    expect(forward.map((m) => m.id)).toEqual(ids);
    expect(forward[3]!.from).toBe('carol@localhost/desk');
    expect(Date.parse(forward[0]!.stamp)).toBeLessThanOrEqual(Date.parse(forward[6]!.stamp));
    const backward = (await slix.command('mam', { max: 3, reverse: true })).messages as { body: string }[];
    expect(backward.map((m) => m.body)).toEqual([7, 6, 5, 4, 3, 2, 1].map((i) => `message ${i}`));
    const fromCarol = (await slix.command('mam', { max: 3, with: 'carol@localhost' })).messages as { body: string }[];
    expect(fromCarol.map((m) => m.body)).toEqual(['message 4']);

    // alice's own archive holds what she sent, read by @xmpp/client one page at a time.
    alice.stanzas.length = 0;
    const reply = await alice.xmpp.iqCaller.request(xml('iq', { type: 'set', id: 'page-a' }, xml('query', { xmlns: MAM, queryid: 'a' }, xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('max', {}, '2')))));
    const fin = reply.getChild('fin', MAM)!;
    const results = alice.stanzas.filter((el) => el.getChild('result', MAM)?.attrs.queryid === 'a');
    expect(results.map((el) => el.getChild('result', MAM)!.getChild('forwarded', 'urn:xmpp:forward:0')!.getChild('message')!.getChildText('body'))).toEqual(['message 1', 'message 2']);
    expect(fin.getChild('set', 'http://jabber.org/protocol/rsm')!.getChildText('count')).toBe('6');
    expect(fin.attrs.complete).toBeUndefined();
  });

  it('answers the form, disco on the bare JID, and item-not-found for an unknown id', async () => {
    const { xmpp } = await online('alice', 'form');
    const form = await xmpp.iqCaller.get(xml('query', { xmlns: MAM }));
    expect(form.getChild('x', 'jabber:x:data')!.getChildren('field').map((f: Element) => f.attrs.var)).toContain('with');
    const info = await xmpp.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'alice@localhost');
    expect(info.getChildren('feature').map((f: Element) => f.attrs.var)).toContain(MAM);
    const server = await xmpp.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'localhost');
    expect(server.getChildren('feature').map((f: Element) => f.attrs.var)).toContain(SID);
    const error = await xmpp.iqCaller
      .set(xml('query', { xmlns: MAM }, xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('after', {}, 'not-an-archive-id'))))
      .then(() => undefined, (err: { condition?: string }) => err.condition);
    expect(error).toBe('item-not-found');
  });

  it("archives a room's messages with the room's stanza id and pages them at the room's JID", async () => {
    const alice = await online('alice', 'room');
    const bob = await online('bob', 'room');
    const roomJid = 'lobby@conference.localhost';
    // Without <x xmlns='…muc'/> the first join makes an instant room (no configuration step).
    const enter = async (user: { xmpp: Client; stanzas: Element[] }, nick: string) => {
      await user.xmpp.send(xml('presence', { to: `${roomJid}/${nick}` }));
      await eventually(() => user.stanzas.find((el) => el.is('presence') && el.attrs.from === `${roomJid}/${nick}`), `${nick} in the room`);
    };
    await enter(alice, 'Alice');
    await enter(bob, 'Bob');
    const ids: string[] = [];
    for (const [user, body] of [[alice, 'r1'], [bob, 'r2'], [alice, 'r3']] as const) {
      await user.xmpp.send(xml('message', { to: roomJid, type: 'groupchat' }, xml('body', {}, body)));
      const got = await eventually(() => bob.stanzas.find((el) => el.is('message') && el.attrs.type === 'groupchat' && el.getChildText('body') === body), `${body} at bob`);
      expect(got.getChild('stanza-id', SID)!.attrs.by).toBe(roomJid);
      ids.push(got.getChild('stanza-id', SID)!.attrs.id);
    }
    bob.stanzas.length = 0;
    const reply = await bob.xmpp.iqCaller.request(xml('iq', { type: 'set', to: roomJid, id: 'room-q' }, xml('query', { xmlns: MAM, queryid: 'room' }, xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('max', {}, '2'), xml('after', {}, ids[0]!)))));
    const results = bob.stanzas.filter((el) => el.getChild('result', MAM)?.attrs.queryid === 'room');
    expect(results.map((el) => el.attrs.from)).toEqual([roomJid, roomJid]);
    expect(results.map((el) => el.getChild('result', MAM)!.attrs.id)).toEqual(ids.slice(1));
    expect(results.map((el) => el.getChild('result', MAM)!.getChild('forwarded', 'urn:xmpp:forward:0')!.getChild('message')!.attrs.from)).toEqual([`${roomJid}/Bob`, `${roomJid}/Alice`]);
    expect(reply.getChild('fin', MAM)!.attrs.complete).toBe('true');
  });
});
