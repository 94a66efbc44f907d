// XEP-0045 §8 (moderator use cases: kick, voice, role lists), §9 (admin use cases: ban, members,
// moderators), §10 (owner use cases: configuration, owners and admins, destruction), with every
// error path the spec names, through the harness; 'muc-two-nodes' runs it on two nodes.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import type { Harness, HarnessClient } from '@deskchat/testing';
import { MUC } from './ns.js';
import { admin, configure, createRoom, errorOf, groupchat, isPresenceFrom, join, joinError, mucHarness, nextGroupchat, room, userX } from './__tests__/kit.js';

let harness: Harness;
let alice: HarnessClient;
let bob: HarnessClient;
let carol: HarnessClient;

const item = (attrs: Record<string, string>, reason?: string) => xml('item', attrs, ...(reason ? [xml('reason', {}, reason)] : []));
const items = (iq: { getChild(name: string, ns?: string): any }) => (iq.getChild('query', MUC.ADMIN)?.getChildren('item') ?? []).map((i: { attrs: Record<string, string> }) => i.attrs);

beforeEach(async () => {
  harness = await mucHarness();
  alice = await harness.connect('alice', { resource: 'desk' });
  bob = await harness.connect('bob', { resource: 'desk' });
  carol = await harness.connect('carol', { resource: 'desk' });
  await createRoom(alice, 'lobby', 'Alice');
  await join(bob, 'lobby', 'Bob');
  await join(carol, 'lobby', 'Carol');
  await alice.next(isPresenceFrom(room('lobby', 'Carol')));
  await bob.next(isPresenceFrom(room('lobby', 'Carol')));
});

afterEach(async () => {
  for (const core of harness.cores) await core.shutdown();
});

describe('kicking (§8.2)', () => {
  it('removes the occupant with status 307, the actor and the reason, to it and to everyone', async () => {
    const result = await admin(alice, 'lobby', 'set', item({ nick: 'Carol', role: 'none' }, 'off topic'));
    expect(result.attrs.type).toBe('result');
    const own = await carol.next(isPresenceFrom(room('lobby', 'Carol'), 'unavailable'));
    expect(userX(own).codes).toEqual(['110', '307']);
    expect(userX(own).item?.attrs.role).toBe('none');
    expect(userX(own).item?.getChild('actor')?.attrs.nick).toBe('Alice');
    expect(userX(own).item?.getChildText('reason')).toBe('off topic');
    expect(userX(await bob.next(isPresenceFrom(room('lobby', 'Carol'), 'unavailable'))).codes).toEqual(['307']);
    await groupchat(carol, 'lobby', 'still here?');
    expect(errorOf(await carol.next((e) => e.name === 'message' && e.attrs.type === 'error'))?.condition).toBe('not-acceptable');
  });

  it('answers forbidden to a participant, not-allowed for an admin, item-not-found for an absent nick', async () => {
    expect(errorOf(await admin(bob, 'lobby', 'set', item({ nick: 'Carol', role: 'none' })))).toEqual({ condition: 'forbidden', type: 'auth' });
    await admin(alice, 'lobby', 'set', item({ jid: 'bob@localhost', affiliation: 'admin' }));
    await admin(alice, 'lobby', 'set', item({ jid: 'carol@localhost', affiliation: 'admin' }));
    // Bob, now an admin and a moderator, still cannot kick another admin.
    expect(errorOf(await admin(bob, 'lobby', 'set', item({ nick: 'Carol', role: 'none' })))).toEqual({ condition: 'not-allowed', type: 'cancel' });
    expect(errorOf(await admin(alice, 'lobby', 'set', item({ nick: 'Nobody', role: 'none' })))?.condition).toBe('item-not-found');
  });
});

describe('voice and moderator roles (§8.3, §8.4, §8.5, §9.6, §9.7)', () => {
  it('revokes and grants voice, telling everyone the new role', async () => {
    await admin(alice, 'lobby', 'set', item({ nick: 'Carol', role: 'visitor' }));
    const silenced = await bob.next((e) => isPresenceFrom(room('lobby', 'Carol'))(e) && userX(e).item?.attrs.role === 'visitor');
    expect(userX(silenced).item?.getChild('actor')?.attrs.nick).toBe('Alice');
    await groupchat(carol, 'lobby', 'hello?');
    expect(errorOf(await carol.next((e) => e.name === 'message' && e.attrs.type === 'error'))?.condition).toBe('forbidden');
    await admin(alice, 'lobby', 'set', item({ nick: 'Carol', role: 'participant' }));
    await carol.next((e) => isPresenceFrom(room('lobby', 'Carol'))(e) && userX(e).item?.attrs.role === 'participant');
    await groupchat(carol, 'lobby', 'back');
    await nextGroupchat(bob, 'back');
  });

  it('lets only admins grant moderator status (not-allowed for a moderator who is not), and lists moderators and participants', async () => {
    await admin(alice, 'lobby', 'set', item({ nick: 'Bob', role: 'moderator' }));
    await carol.next((e) => isPresenceFrom(room('lobby', 'Bob'))(e) && userX(e).item?.attrs.role === 'moderator');
    expect(errorOf(await admin(bob, 'lobby', 'set', item({ nick: 'Carol', role: 'moderator' })))).toEqual({ condition: 'not-allowed', type: 'cancel' });
    const moderators = await admin(bob, 'lobby', 'get', item({ role: 'moderator' }));
    expect(items(moderators).map((i: Record<string, string>) => i.nick)).toEqual(['Alice', 'Bob']);
    const voiced = await admin(bob, 'lobby', 'get', item({ role: 'participant' }));
    expect(items(voiced).map((i: Record<string, string>) => i.nick)).toEqual(['Carol']);
    expect(errorOf(await admin(carol, 'lobby', 'get', item({ role: 'participant' })))?.condition).toBe('forbidden');
  });
});

describe('affiliations (§9, §10.3–§10.8)', () => {
  it('bans with status 301, keeps the reason in the ban list, and refuses the banned user (§9.1, §9.2)', async () => {
    expect((await admin(alice, 'lobby', 'set', item({ jid: 'carol@localhost', affiliation: 'outcast' }, 'spam'))).attrs.type).toBe('result');
    expect(userX(await carol.next(isPresenceFrom(room('lobby', 'Carol'), 'unavailable'))).codes).toEqual(['110', '301']);
    expect(userX(await bob.next(isPresenceFrom(room('lobby', 'Carol'), 'unavailable'))).codes).toEqual(['301']);
    const list = await admin(alice, 'lobby', 'get', item({ affiliation: 'outcast' }));
    expect(items(list)).toEqual([{ affiliation: 'outcast', jid: 'carol@localhost' }]);
    expect(list.getChild('query', MUC.ADMIN)!.getChild('item')!.getChildText('reason')).toBe('spam');
    expect(errorOf(await joinError(carol, 'lobby', 'Carol'))?.condition).toBe('forbidden');
  });

  it('answers forbidden to a participant changing affiliations or reading lists, not-allowed to an admin banning an owner', async () => {
    expect(errorOf(await admin(bob, 'lobby', 'set', item({ jid: 'carol@localhost', affiliation: 'outcast' })))).toEqual({ condition: 'forbidden', type: 'auth' });
    expect(errorOf(await admin(bob, 'lobby', 'get', item({ affiliation: 'member' })))?.condition).toBe('forbidden');
    await admin(alice, 'lobby', 'set', item({ jid: 'bob@localhost', affiliation: 'admin' }));
    expect(errorOf(await admin(bob, 'lobby', 'set', item({ jid: 'alice@localhost', affiliation: 'outcast' })))).toEqual({ condition: 'not-allowed', type: 'cancel' });
    expect(errorOf(await admin(bob, 'lobby', 'set', item({ jid: 'carol@localhost', affiliation: 'owner' })))?.condition).toBe('forbidden');
  });

  it('applies several items in one request, and none of them when one is refused', async () => {
    const refused = await admin(alice, 'lobby', 'set', item({ jid: 'bob@localhost', affiliation: 'member' }), item({ jid: 'carol@localhost', affiliation: 'bogus' }));
    expect(errorOf(refused)?.condition).toBe('bad-request');
    expect(items(await admin(alice, 'lobby', 'get', item({ affiliation: 'member' })))).toEqual([]);
    const both = await admin(alice, 'lobby', 'set', item({ jid: 'bob@localhost', affiliation: 'member' }), item({ jid: 'dave@localhost', affiliation: 'member' }));
    expect(both.attrs.type).toBe('result');
    // Only the change is sent: the member list now has both, and the owner list is untouched.
    expect(items(await admin(alice, 'lobby', 'get', item({ affiliation: 'member' }))).map((i: Record<string, string>) => i.jid)).toEqual(['bob@localhost', 'dave@localhost']);
    expect(items(await admin(alice, 'lobby', 'get', item({ affiliation: 'owner' }))).map((i: Record<string, string>) => i.jid)).toEqual(['alice@localhost']);
    const change = await carol.next((e) => isPresenceFrom(room('lobby', 'Bob'))(e) && userX(e).item?.attrs.affiliation === 'member');
    expect(userX(change).item?.attrs.role).toBe('participant');
  });

  it('makes a new admin a moderator at once, and refuses to remove the last owner with conflict (§10.6, §10.7)', async () => {
    await admin(alice, 'lobby', 'set', item({ jid: 'bob@localhost', affiliation: 'admin' }));
    const promoted = await carol.next((e) => isPresenceFrom(room('lobby', 'Bob'))(e) && userX(e).item?.attrs.affiliation === 'admin');
    expect(userX(promoted).item?.attrs.role).toBe('moderator');
    expect(errorOf(await admin(alice, 'lobby', 'set', item({ jid: 'alice@localhost', affiliation: 'member' })))).toEqual({ condition: 'conflict', type: 'cancel' });
    await admin(alice, 'lobby', 'set', item({ jid: 'bob@localhost', affiliation: 'owner' }));
    expect((await admin(alice, 'lobby', 'set', item({ jid: 'alice@localhost', affiliation: 'admin' }))).attrs.type).toBe('result');
    expect(items(await admin(bob, 'lobby', 'get', item({ affiliation: 'owner' }))).map((i: Record<string, string>) => i.jid)).toEqual(['bob@localhost']);
  });

  it('gives an occupant the default role of its new affiliation in a moderated room (§5.1.2)', async () => {
    await configure(alice, 'lobby', { 'muc#roomconfig_moderatedroom': '1' });
    const dave = await harness.connect('dave', { resource: 'desk' });
    expect(userX((await join(dave, 'lobby', 'Dave')).self).item?.attrs.role).toBe('visitor');
    const roleAfter = async (affiliation: string) => {
      await admin(alice, 'lobby', 'set', item({ jid: 'dave@localhost', affiliation }));
      const seen = await bob.next((e) => isPresenceFrom(room('lobby', 'Dave'))(e) && userX(e).item?.attrs.affiliation === affiliation);
      return userX(seen).item?.attrs.role;
    };
    expect(await roleAfter('member')).toBe('participant');
    expect(await roleAfter('admin')).toBe('moderator');
    expect(await roleAfter('none')).toBe('visitor');
  });

  it('removes a non-member when the room becomes members-only (322) and one dropped from the member list (321)', async () => {
    await admin(alice, 'lobby', 'set', item({ jid: 'bob@localhost', affiliation: 'member' }));
    await configure(alice, 'lobby', { 'muc#roomconfig_membersonly': '1' });
    expect(userX(await carol.next(isPresenceFrom(room('lobby', 'Carol'), 'unavailable'))).codes).toEqual(['110', '322']);
    await admin(alice, 'lobby', 'set', item({ jid: 'bob@localhost', affiliation: 'none' }));
    expect(userX(await bob.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'))).codes).toEqual(['110', '321']);
  });
});

describe('configuration (§10.2) and destruction (§10.9)', () => {
  it('gives owners the muc#roomconfig form and refuses it to others with forbidden', async () => {
    const form = await alice.iq(xml('iq', { type: 'get', to: room('lobby') }, xml('query', { xmlns: MUC.OWNER })));
    const x = form.getChild('query', MUC.OWNER)!.getChild('x', MUC.DATA)!;
    expect(x.attrs.type).toBe('form');
    const vars = x.getChildren('field').map((f) => f.attrs.var);
    expect(vars).toEqual(expect.arrayContaining(['FORM_TYPE', 'muc#roomconfig_roomname', 'muc#roomconfig_membersonly', 'muc#roomconfig_moderatedroom', 'muc#roomconfig_passwordprotectedroom', 'muc#roomconfig_roomsecret', 'muc#roomconfig_maxusers', 'muc#roomconfig_whois', 'muc#roomconfig_publicroom', 'muc#roomconfig_persistentroom', 'muc#maxhistoryfetch', 'muc#roomconfig_roomdesc']));
    expect(errorOf(await bob.iq(xml('iq', { type: 'get', to: room('lobby') }, xml('query', { xmlns: MUC.OWNER }))))).toEqual({ condition: 'forbidden', type: 'auth' });
    expect(errorOf(await configure(bob, 'lobby', { 'muc#roomconfig_roomname': 'Mine' }))?.condition).toBe('forbidden');
  });

  it('applies a configuration, tells occupants with status 104 (and 172 when real JIDs become visible), and shows it in disco', async () => {
    const result = await configure(alice, 'lobby', { 'muc#roomconfig_roomname': 'The Lobby', 'muc#roomconfig_roomdesc': 'Where we meet', 'muc#roomconfig_whois': 'anyone', 'muc#roomconfig_publicroom': '0' });
    expect(result.attrs.type).toBe('result');
    const notice = await bob.next((e) => e.name === 'message' && e.attrs.from === room('lobby') && userX(e).x !== undefined);
    expect(userX(notice).codes).toEqual(['104', '172']);
    const info = await bob.iq(xml('iq', { type: 'get', to: room('lobby') }, xml('query', { xmlns: MUC.DISCO_INFO })));
    const query = info.getChild('query', MUC.DISCO_INFO)!;
    expect(query.getChild('identity')!.attrs).toMatchObject({ category: 'conference', type: 'text', name: 'The Lobby' });
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toEqual(expect.arrayContaining(['muc_nonanonymous', 'muc_hidden', 'muc_temporary', 'muc_open', 'muc_unmoderated', 'muc_unsecured']));
    const roominfo = Object.fromEntries(query.getChild('x', MUC.DATA)!.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')]));
    expect(roominfo).toMatchObject({ FORM_TYPE: MUC.ROOMINFO, 'muc#roominfo_description': 'Where we meet', 'muc#roominfo_occupants': '3' });
  });

  it('answers not-acceptable to an invalid value and changes nothing', async () => {
    expect(errorOf(await configure(alice, 'lobby', { 'muc#roomconfig_roomname': 'Changed', 'muc#roomconfig_maxusers': 'lots' }))).toEqual({ condition: 'not-acceptable', type: 'modify' });
    expect(errorOf(await configure(alice, 'lobby', { 'muc#roomconfig_passwordprotectedroom': '1' }))?.condition).toBe('not-acceptable');
    const info = await bob.iq(xml('iq', { type: 'get', to: room('lobby') }, xml('query', { xmlns: MUC.DISCO_INFO })));
    expect(info.getChild('query', MUC.DISCO_INFO)!.getChild('identity')!.attrs.name).toBe('lobby');
  });

  it('destroys a room: each occupant gets unavailable with <destroy/>, the alternate venue and the reason; the room is gone', async () => {
    const result = await alice.iq(xml('iq', { type: 'set', to: room('lobby') }, xml('query', { xmlns: MUC.OWNER }, xml('destroy', { jid: room('newlobby') }, xml('reason', {}, 'moving')))));
    expect(result.attrs.type).toBe('result');
    for (const [client, nick] of [[bob, 'Bob'], [carol, 'Carol']] as const) {
      const gone = await client.next(isPresenceFrom(room('lobby', nick), 'unavailable'));
      const destroy = userX(gone).x!.getChild('destroy')!;
      expect(destroy.attrs.jid).toBe(room('newlobby'));
      expect(destroy.getChildText('reason')).toBe('moving');
      expect(userX(gone).item?.attrs).toMatchObject({ affiliation: 'none', role: 'none' });
    }
    expect(errorOf(await bob.iq(xml('iq', { type: 'get', to: room('lobby') }, xml('query', { xmlns: MUC.DISCO_INFO }))))?.condition).toBe('item-not-found');
    expect(errorOf(await bob.iq(xml('iq', { type: 'set', to: room('lobby') }, xml('query', { xmlns: MUC.OWNER }, xml('destroy'))))) ?.condition).toBe('item-not-found');
  });

  it('destroys a new locked room when its owner cancels the configuration (§10.1.3)', async () => {
    await join(bob, 'fresh', 'Bob');
    const cancel = await bob.iq(xml('iq', { type: 'set', to: room('fresh') }, xml('query', { xmlns: MUC.OWNER }, xml('x', { xmlns: MUC.DATA, type: 'cancel' }))));
    expect(cancel.attrs.type).toBe('result');
    expect(errorOf(await carol.iq(xml('iq', { type: 'get', to: room('fresh') }, xml('query', { xmlns: MUC.DISCO_INFO }))))?.condition).toBe('item-not-found');
  });
});
