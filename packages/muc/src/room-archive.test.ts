// XEP-0313 room archives (room-archive.ts) through the harness (also run by 'muc-two-nodes', with
// occupants on two Cores): every message to all occupants is archived once with the room's
// XEP-0359 stanza id on each copy and in the history; the query at the room's JID pages with
// XEP-0059 and filters by occupant; real JIDs only for those who may see them; members-only rooms
// keep their archive to members and occupants; outcasts are refused; the archive goes with the room.
import { afterEach, describe, expect, it } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { MAM_NS } from '@deskchat/protocol';
import { isStanzaError, type Harness, type HarnessClient } from '@deskchat/testing';
import { MUC } from './ns.js';
import { admin, configure, createRoom, groupchat, join, mucHarness, nextGroupchat, room } from './__tests__/kit.js';

const M = MAM_NS.MAM;
const SID = MAM_NS.STANZA_ID;
let h: Harness;
afterEach(async () => {
  for (const core of h.cores) await core.shutdown();
});

async function ask(c: HarnessClient, to: string, rsm?: Record<string, string>, fields: Element[] = []): Promise<{ reply: Element; messages: Element[]; ids: string[] }> {
  c.transport.drain();
  const children: Element[] = [];
  if (fields.length > 0) children.push(xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, M)), ...fields));
  if (rsm) children.push(xml('set', { xmlns: MAM_NS.RSM }, ...Object.entries(rsm).map(([k, v]) => xml(k, {}, v))));
  const reply = await c.iq(xml('iq', { type: 'set', to }, xml('query', { xmlns: M, queryid: 'r' }, ...children)));
  const results = c.transport.drain().filter((el) => el.name === 'message' && el.getChild('result', M));
  return {
    reply,
    ids: results.map((el) => el.getChild('result', M)!.attrs.id),
    messages: results.map((el) => {
      expect(el.attrs.from).toBe(to);
      return el.getChild('result', M)!.getChild('forwarded', MAM_NS.FORWARD)!.getChild('message')!;
    }),
  };
}
const bodies = (page: { messages: Element[] }) => page.messages.map((m) => m.getChildText('body'));
const realJid = (m: Element) => m.getChild('x', MUC.USER)?.getChild('item')?.attrs.jid;

describe('room archives (XEP-0313 §5.1.2)', () => {
  it('archives each groupchat message once with the room\'s stanza id on every copy and in the history, and pages through it', async () => {
    h = await mucHarness();
    const alice = await h.connect('alice', { resource: 'desk' });
    const bob = await h.connect('bob', { resource: 'desk' });
    await createRoom(alice, 'lobby', 'Alice');
    await join(bob, 'lobby', 'Bob');
    for (const [who, body] of [[alice, 'one'], [bob, 'two'], [alice, 'three']] as const) {
      await groupchat(who, 'lobby', body);
      const atAlice = await nextGroupchat(alice, body);
      const atBob = await nextGroupchat(bob, body);
      expect(atAlice.getChild('stanza-id', SID)!.attrs.by).toBe(room('lobby'));
      expect(atBob.getChild('stanza-id', SID)!.attrs.id).toBe(atAlice.getChild('stanza-id', SID)!.attrs.id);
    }
    const all = await ask(bob, room('lobby'));
    expect(bodies(all)).toEqual(['one', 'two', 'three']);
    expect(all.messages[1]!.attrs.from).toBe(room('lobby', 'Bob'));
    expect(all.reply.getChild('fin', M)!.attrs.complete).toBe('true');
    const page = await ask(bob, room('lobby'), { max: '2', after: all.ids[0]! });
    expect(bodies(page)).toEqual(['two', 'three']);
    expect(bodies(await ask(bob, room('lobby'), { max: '10' }, [xml('field', { var: 'with' }, xml('value', {}, room('lobby', 'Alice')))]))).toEqual(['one', 'three']);
    const carol = await h.connect('carol', { resource: 'desk' });
    const { history } = await join(carol, 'lobby', 'Carol');
    expect(history.map((m) => m.getChild('stanza-id', SID)?.attrs.id)).toEqual(all.ids);
    expect(isStanzaError((await ask(bob, room('lobby'), { after: 'unknown' })).reply, 'item-not-found')).toBe(true);
    const info = await bob.iq(xml('iq', { type: 'get', to: room('lobby') }, xml('query', { xmlns: MUC.DISCO_INFO })));
    expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toEqual(expect.arrayContaining([M, SID]));
  });

  it('shows real JIDs only to those who may see them (semi-anonymous: moderators)', async () => {
    h = await mucHarness();
    const alice = await h.connect('alice', { resource: 'desk' });
    const bob = await h.connect('bob', { resource: 'desk' });
    await createRoom(alice, 'lobby', 'Alice', { 'muc#roomconfig_whois': 'moderators' });
    await join(bob, 'lobby', 'Bob');
    await groupchat(bob, 'lobby', 'who am I');
    await nextGroupchat(alice, 'who am I');
    expect(realJid((await ask(alice, room('lobby'))).messages[0]!)).toBe('bob@localhost');
    expect(realJid((await ask(bob, room('lobby'))).messages[0]!)).toBeUndefined();
    await configure(alice, 'lobby', { 'muc#roomconfig_whois': 'anyone' });
    expect(realJid((await ask(bob, room('lobby'))).messages[0]!)).toBe('bob@localhost');
  });

  it('keeps a members-only room\'s archive to members and occupants, refuses outcasts, and removes it with the room', async () => {
    h = await mucHarness();
    const alice = await h.connect('alice', { resource: 'desk' });
    const bob = await h.connect('bob', { resource: 'desk' });
    const carol = await h.connect('carol', { resource: 'desk' });
    await createRoom(alice, 'club', 'Alice', { 'muc#roomconfig_membersonly': '1' });
    await groupchat(alice, 'club', 'members only');
    await nextGroupchat(alice, 'members only');
    expect(isStanzaError((await ask(bob, room('club'))).reply, 'forbidden')).toBe(true);
    await admin(alice, 'club', 'set', xml('item', { jid: 'bob@localhost', affiliation: 'member' }));
    expect(bodies(await ask(bob, room('club')))).toEqual(['members only']);

    await createRoom(alice, 'open', 'Alice');
    await groupchat(alice, 'open', 'public');
    await nextGroupchat(alice, 'public');
    expect(bodies(await ask(carol, room('open')))).toEqual(['public']); // not an occupant: an open room's archive is open
    await admin(alice, 'open', 'set', xml('item', { jid: 'carol@localhost', affiliation: 'outcast' }));
    expect(isStanzaError((await ask(carol, room('open'))).reply, 'forbidden')).toBe(true);

    await alice.iq(xml('iq', { type: 'set', to: room('club') }, xml('query', { xmlns: MUC.OWNER }, xml('destroy'))));
    expect((await h.core.stores.archive.usage(room('club'))).messages).toBe(0);
    expect((await h.core.stores.archive.usage(room('open'))).messages).toBe(1);
  });
});
