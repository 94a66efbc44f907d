// XEP-0045 §7.2 (entering, with every error of §7.2.5–§7.2.10), §10.1 (creating), §7.2.14–15
// (history and subject on entering), §7.6 (nick changes), §7.14 (exiting), XEP-0421 (occupant ids),
// through the in-process harness with raw stanzas. The 'muc-two-nodes' jest project runs this file
// again with every other connection on a second node.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import type { Harness, HarnessClient } from '@deskchat/testing';
import { MUC } from './ns.js';
import { admin, configure, createRoom, errorOf, groupchat, isPresenceFrom, join, joinError, mucHarness, mucX, nextGroupchat, nothingBefore, room, userX } from './__tests__/kit.js';

let harness: Harness;
let alice: HarnessClient;
let bob: HarnessClient;
let carol: HarnessClient;

beforeEach(async () => {
  harness = await mucHarness();
  alice = await harness.connect('alice', { resource: 'desk' });
  bob = await harness.connect('bob', { resource: 'desk' });
  carol = await harness.connect('carol', { resource: 'desk' });
});

afterEach(async () => {
  for (const core of harness.cores) await core.shutdown();
});

describe('creating a room (XEP-0045 §10.1)', () => {
  it('creates a locked room on the first join: owner, moderator, status 110 and 201; an empty subject follows (§10.1.1, §7.2.15)', async () => {
    const { self, before } = await join(alice, 'lobby', 'Alice');
    expect(before).toEqual([]);
    expect(self.attrs.from).toBe(room('lobby', 'Alice'));
    expect(self.attrs.to).toBe('alice@localhost/desk');
    const { codes, item } = userX(self);
    expect(codes).toEqual(['110', '201']);
    expect(item?.attrs).toMatchObject({ affiliation: 'owner', role: 'moderator', jid: 'alice@localhost/desk' });
  });

  it('refuses everyone else with item-not-found until the owner configures the room (§10.1.2), then lets them in', async () => {
    await join(alice, 'lobby', 'Alice');
    expect(errorOf(await joinError(bob, 'lobby', 'Bob'))).toEqual({ condition: 'item-not-found', type: 'cancel' });
    const result = await configure(alice, 'lobby', {});
    expect(result.attrs.type).toBe('result');
    const { self } = await join(bob, 'lobby', 'Bob');
    expect(userX(self).item?.attrs).toMatchObject({ affiliation: 'none', role: 'participant' });
  });

  it('creates an instant room at once for a client that sends no <x/> (§10.1.2)', async () => {
    const { self } = await join(alice, 'lobby', 'Alice', []);
    expect(userX(self).codes).toEqual(['110', '201']);
    await join(bob, 'lobby', 'Bob');
  });

  it('answers not-allowed when only service admins may create rooms (§10.1.1)', async () => {
    const restricted = await mucHarness({ creators: 'admins', admins: ['bob@localhost'] });
    const a = await restricted.connect('alice');
    const b = await restricted.connect('bob');
    expect(errorOf(await joinError(a, 'lobby', 'Alice'))).toEqual({ condition: 'not-allowed', type: 'cancel' });
    await join(b, 'lobby', 'Bob');
    for (const core of restricted.cores) await core.shutdown();
  });
});

describe('entering a room (§7.2)', () => {
  beforeEach(async () => {
    await createRoom(alice, 'lobby', 'Alice');
  });

  it('answers jid-malformed to presence without a nick (§7.2.1)', async () => {
    await bob.send(xml('presence', { to: room('lobby') }, mucX()));
    const error = await bob.next((e) => e.name === 'presence' && e.attrs.type === 'error');
    expect(error.attrs.from).toBe(room('lobby'));
    expect(errorOf(error)?.condition).toBe('jid-malformed');
  });

  it("sends the occupants' presence first and the self-presence last; everyone else gets the newcomer's presence (§7.2.3)", async () => {
    await join(bob, 'lobby', 'Bob');
    await alice.next(isPresenceFrom(room('lobby', 'Bob')));
    const { self, before } = await join(carol, 'lobby', 'Carol');
    expect(before.map((p) => p.attrs.from)).toEqual([room('lobby', 'Alice'), room('lobby', 'Bob')]);
    expect(userX(self).codes).toEqual(['110']);
    const toAlice = await alice.next(isPresenceFrom(room('lobby', 'Carol')));
    const toBob = await bob.next(isPresenceFrom(room('lobby', 'Carol')));
    // §7.2.4 semi-anonymous room: the moderator sees the real JID, a participant does not.
    expect(userX(toAlice).item?.attrs.jid).toBe('carol@localhost/desk');
    expect(userX(toBob).item?.attrs.jid).toBeUndefined();
    expect(userX(toBob).codes).toEqual([]);
  });

  it('gives each occupant a stable XEP-0421 occupant id per real bare JID, the same for every receiver and every stanza', async () => {
    const { self } = await join(bob, 'lobby', 'Bob');
    const ownId = self.getChild('occupant-id', MUC.OCCUPANT_ID)?.attrs.id;
    expect(ownId).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    const seenByAlice = await alice.next(isPresenceFrom(room('lobby', 'Bob')));
    expect(seenByAlice.getChild('occupant-id', MUC.OCCUPANT_ID)?.attrs.id).toBe(ownId);
    // A client cannot pass off another id as its own (XEP-0421 §4: the service strips it).
    await groupchat(bob, 'lobby', 'hi', xml('occupant-id', { xmlns: MUC.OCCUPANT_ID, id: 'forged' }));
    const message = await nextGroupchat(alice, 'hi');
    expect(message.getChildren('occupant-id', MUC.OCCUPANT_ID).map((o) => o.attrs.id)).toEqual([ownId]);
    // Leaving and coming back under another nick keeps the id.
    await bob.send(xml('presence', { to: room('lobby', 'Bob'), type: 'unavailable' }));
    await alice.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'));
    const again = await join(bob, 'lobby', 'Robert');
    expect(again.self.getChild('occupant-id', MUC.OCCUPANT_ID)?.attrs.id).toBe(ownId);
    const other = await join(carol, 'lobby', 'Carol');
    expect(other.self.getChild('occupant-id', MUC.OCCUPANT_ID)?.attrs.id).not.toBe(ownId);
  });

  it('answers conflict to a nick in use, from the occupant JID asked for (§7.2.9)', async () => {
    const error = await joinError(bob, 'lobby', 'Alice');
    expect(error.attrs.from).toBe(room('lobby', 'Alice'));
    expect(errorOf(error)).toEqual({ condition: 'conflict', type: 'cancel' });
    // As in XEP-0045's examples 27–36: the error carries <x xmlns=muc/> (clients match join errors by it).
    expect(error.getChild('x', MUC.BASE)).toBeDefined();
  });

  it('answers not-authorized without the right password, and lets the right one in (§7.2.5)', async () => {
    await configure(alice, 'lobby', { 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 's3cret' });
    expect(errorOf(await joinError(bob, 'lobby', 'Bob'))).toEqual({ condition: 'not-authorized', type: 'auth' });
    expect(errorOf(await joinError(bob, 'lobby', 'Bob', [mucX(xml('password', {}, 'wrong'))]))?.condition).toBe('not-authorized');
    await join(bob, 'lobby', 'Bob', [mucX(xml('password', {}, 's3cret'))]);
  });

  it('answers registration-required in a members-only room to a non-member, and lets a member in (§7.2.6)', async () => {
    await configure(alice, 'lobby', { 'muc#roomconfig_membersonly': '1' });
    expect(errorOf(await joinError(bob, 'lobby', 'Bob'))).toEqual({ condition: 'registration-required', type: 'auth' });
    expect((await admin(alice, 'lobby', 'set', xml('item', { jid: 'bob@localhost', affiliation: 'member' }))).attrs.type).toBe('result');
    const { self } = await join(bob, 'lobby', 'Bob');
    expect(userX(self).item?.attrs).toMatchObject({ affiliation: 'member', role: 'participant' });
  });

  it('answers forbidden to a banned user (§7.2.7)', async () => {
    await admin(alice, 'lobby', 'set', xml('item', { jid: 'bob@localhost', affiliation: 'outcast' }, xml('reason', {}, 'spam')));
    expect(errorOf(await joinError(bob, 'lobby', 'Bob'))).toEqual({ condition: 'forbidden', type: 'auth' });
  });

  it('answers service-unavailable of type wait when the room is full, but still admits an admin (§7.2.10)', async () => {
    await configure(alice, 'lobby', { 'muc#roomconfig_maxusers': '2' });
    await join(bob, 'lobby', 'Bob');
    expect(errorOf(await joinError(carol, 'lobby', 'Carol'))).toEqual({ condition: 'service-unavailable', type: 'wait' });
    await admin(alice, 'lobby', 'set', xml('item', { jid: 'carol@localhost', affiliation: 'admin' }));
    const { self } = await join(carol, 'lobby', 'Carol');
    expect(userX(self).item?.attrs.role).toBe('moderator');
  });

  it('sends status 100 in a non-anonymous room and shows real JIDs to everyone (§7.2.3, §7.2.4)', async () => {
    await configure(alice, 'lobby', { 'muc#roomconfig_whois': 'anyone' });
    const { self, before } = await join(bob, 'lobby', 'Bob');
    expect(userX(self).codes).toEqual(['100', '110']);
    expect(userX(before[0]).item?.attrs.jid).toBe('alice@localhost/desk');
  });
});

describe('one user in a room from several resources', () => {
  beforeEach(async () => {
    await createRoom(alice, 'lobby', 'Alice');
    await join(bob, 'lobby', 'Bob');
    await alice.next(isPresenceFrom(room('lobby', 'Bob')));
  });

  it('lets a second resource take the same nick: it gets the room, the others see no new occupant', async () => {
    const bobPhone = await harness.connect('bob', { resource: 'phone' });
    const { self, before } = await join(bobPhone, 'lobby', 'Bob');
    expect(before.map((p) => p.attrs.from)).toEqual([room('lobby', 'Alice')]);
    expect(userX(self).item?.attrs).toMatchObject({ role: 'participant', jid: 'bob@localhost/phone' });
    // Another user still cannot take it.
    expect(errorOf(await joinError(carol, 'lobby', 'Bob'))?.condition).toBe('conflict');
    await nothingBefore(alice, isPresenceFrom(room('lobby', 'Bob')), async () => {
      await groupchat(bob, 'lobby', 'marker');
      return nextGroupchat(alice, 'marker');
    });
    // A private message to the nick reaches both resources; a groupchat message both too.
    await alice.send(xml('message', { type: 'chat', to: room('lobby', 'Bob') }, xml('body', {}, 'to both')));
    for (const client of [bob, bobPhone]) await client.next((e) => e.getChildText('body') === 'to both');
    await groupchat(alice, 'lobby', 'everyone');
    for (const client of [bob, bobPhone]) await nextGroupchat(client, 'everyone');
    const disco = await carol.iq(xml('iq', { type: 'get', to: room('lobby') }, xml('query', { xmlns: MUC.DISCO_INFO })));
    const count = disco.getChild('query', MUC.DISCO_INFO)!.getChild('x', MUC.DATA)!.getChildren('field').find((f) => f.attrs.var === 'muc#roominfo_occupants');
    expect(count?.getChildText('value')).toBe('2');
  });

  it('tells only the leaving resource when others remain, and everyone when the last one leaves', async () => {
    const bobPhone = await harness.connect('bob', { resource: 'phone' });
    await join(bobPhone, 'lobby', 'Bob');
    await bobPhone.send(xml('presence', { to: room('lobby', 'Bob'), type: 'unavailable' }));
    expect(userX(await bobPhone.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'))).codes).toEqual(['110']);
    await nothingBefore(alice, isPresenceFrom(room('lobby', 'Bob'), 'unavailable'), async () => {
      await groupchat(bob, 'lobby', 'still in');
      return nextGroupchat(alice, 'still in');
    });
    await bob.send(xml('presence', { to: room('lobby', 'Bob'), type: 'unavailable' }));
    await alice.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'));
  });

  it('kicks every resource of a nick, each told with 110 and 307, and refuses a nick change by one of them', async () => {
    const bobPhone = await harness.connect('bob', { resource: 'phone' });
    await join(bobPhone, 'lobby', 'Bob');
    await bobPhone.send(xml('presence', { to: room('lobby', 'Robert') }));
    expect(errorOf(await bobPhone.next((e) => e.name === 'presence' && e.attrs.type === 'error'))?.condition).toBe('not-acceptable');
    await alice.iq(xml('iq', { type: 'set', to: room('lobby') }, xml('query', { xmlns: MUC.ADMIN }, xml('item', { nick: 'Bob', role: 'none' }))));
    for (const [client, resource] of [[bob, 'desk'], [bobPhone, 'phone']] as const) {
      const own = await client.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'));
      expect(userX(own).codes).toEqual(['110', '307']);
      expect(userX(own).item?.attrs.jid).toBe(`bob@localhost/${resource}`);
    }
    expect(userX(await alice.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'))).codes).toEqual(['307']);
  });
});

describe('history and subject on entering (§7.2.14, §7.2.15)', () => {
  beforeEach(async () => {
    await createRoom(alice, 'lobby', 'Alice');
  });

  it('sends the recent messages with a delay from the room, then the subject', async () => {
    for (const body of ['one', 'two', 'three']) {
      await groupchat(alice, 'lobby', body);
      await nextGroupchat(alice, body);
    }
    await alice.send(xml('message', { type: 'groupchat', to: room('lobby') }, xml('subject', {}, 'Plans')));
    const { history } = await join(bob, 'lobby', 'Bob');
    expect(history.map((m) => m.getChildText('body'))).toEqual(['one', 'two', 'three']);
    const delay = history[0].getChild('delay', MUC.DELAY);
    expect(delay?.attrs.from).toBe(room('lobby'));
    expect(Date.parse(delay?.attrs.stamp ?? '')).not.toBeNaN();
    expect(history[0].attrs.from).toBe(room('lobby', 'Alice'));
  });

  it('limits the history to what the client asks for (maxstanzas) and to the room setting', async () => {
    for (const body of ['one', 'two', 'three']) await groupchat(alice, 'lobby', body);
    const limited = await join(bob, 'lobby', 'Bob', [mucX(xml('history', { maxstanzas: '1' }))]);
    expect(limited.history.map((m) => m.getChildText('body'))).toEqual(['three']);
    const none = await join(carol, 'lobby', 'Carol', [mucX(xml('history', { maxchars: '0' }))]);
    expect(none.history).toEqual([]);
    await configure(alice, 'lobby', { 'muc#maxhistoryfetch': '2' });
    const dave = await harness.connect('dave');
    expect((await join(dave, 'lobby', 'Dave')).history.map((m) => m.getChildText('body'))).toEqual(['two', 'three']);
  });

  it('sends the subject that was set, from the occupant who set it', async () => {
    await alice.send(xml('message', { type: 'groupchat', to: room('lobby') }, xml('subject', {}, 'Plans for today')));
    await bob.send(xml('presence', { to: room('lobby', 'Bob') }, mucX()));
    const subject = await bob.next((e) => e.name === 'message' && e.getChild('subject') !== undefined);
    expect(subject.attrs.from).toBe(room('lobby', 'Alice'));
    expect(subject.getChildText('subject')).toBe('Plans for today');
    expect(subject.getChild('body')).toBeUndefined();
  });
});

describe('changing nick (§7.6) and leaving (§7.14)', () => {
  beforeEach(async () => {
    await createRoom(alice, 'lobby', 'Alice');
    await join(bob, 'lobby', 'Bob');
    await alice.next(isPresenceFrom(room('lobby', 'Bob')));
  });

  it('announces a nick change with unavailable 303 and the new nick, then available under it', async () => {
    await bob.send(xml('presence', { to: room('lobby', 'Bobby') }));
    const gone = await alice.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'));
    expect(userX(gone).codes).toEqual(['303']);
    expect(userX(gone).item?.attrs).toMatchObject({ nick: 'Bobby', role: 'participant' });
    const back = await alice.next(isPresenceFrom(room('lobby', 'Bobby')));
    expect(userX(back).item?.attrs.role).toBe('participant');
    const ownGone = await bob.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'));
    expect(userX(ownGone).codes).toEqual(['110', '303']);
    const ownBack = await bob.next(isPresenceFrom(room('lobby', 'Bobby')));
    expect(userX(ownBack).codes).toEqual(['110']);
    await groupchat(bob, 'lobby', 'renamed');
    expect((await nextGroupchat(alice, 'renamed')).attrs.from).toBe(room('lobby', 'Bobby'));
  });

  it('answers conflict to a nick change to a nick in use, and changes nothing (§7.6.2)', async () => {
    await bob.send(xml('presence', { to: room('lobby', 'Alice') }));
    const error = await bob.next((e) => e.name === 'presence' && e.attrs.type === 'error');
    expect(error.attrs.from).toBe(room('lobby', 'Alice'));
    expect(errorOf(error)?.condition).toBe('conflict');
    await groupchat(bob, 'lobby', 'still Bob');
    expect((await nextGroupchat(alice, 'still Bob')).attrs.from).toBe(room('lobby', 'Bob'));
  });

  it('rebroadcasts a presence update with the room item (§7.7)', async () => {
    await bob.send(xml('presence', { to: room('lobby', 'Bob') }, xml('show', {}, 'away'), xml('status', {}, 'lunch')));
    const update = await alice.next((e) => isPresenceFrom(room('lobby', 'Bob'))(e) && e.getChildText('show') === 'away');
    expect(update.getChildText('status')).toBe('lunch');
    expect(userX(update).item?.attrs.role).toBe('participant');
  });

  it('announces leaving to everyone, 110 to the leaver, with the status text (§7.14)', async () => {
    await bob.send(xml('presence', { to: room('lobby', 'Bob'), type: 'unavailable' }, xml('status', {}, 'bye')));
    const seen = await alice.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'));
    expect(userX(seen).item?.attrs.role).toBe('none');
    expect(seen.getChildText('status')).toBe('bye');
    expect(userX(await bob.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'))).codes).toEqual(['110']);
    // A message after leaving is refused: bob is no longer an occupant.
    await groupchat(bob, 'lobby', 'late');
    expect(errorOf(await bob.next((e) => e.name === 'message' && e.attrs.type === 'error'))?.condition).toBe('not-acceptable');
  });

  it("takes an occupant out when its session ends, as RFC 6121 §4.6.3 would for directed presence", async () => {
    bob.session.onTransportClosed();
    const gone = await alice.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'));
    expect(userX(gone).item?.attrs.role).toBe('none');
    await join(carol, 'lobby', 'Bob'); // the nick is free again
  });

  it('removes a temporary room when its last occupant leaves, and keeps a persistent one (§10.1.3)', async () => {
    await configure(alice, 'lobby', { 'muc#roomconfig_persistentroom': '1' });
    await createRoom(carol, 'temp', 'Carol');
    await carol.send(xml('presence', { to: room('temp', 'Carol'), type: 'unavailable' }));
    await carol.next(isPresenceFrom(room('temp', 'Carol'), 'unavailable'));
    for (const client of [alice, bob]) await client.send(xml('presence', { to: room('lobby', client === alice ? 'Alice' : 'Bob'), type: 'unavailable' }));
    await bob.next(isPresenceFrom(room('lobby', 'Bob'), 'unavailable'));
    const info = (name: string) => carol.iq(xml('iq', { type: 'get', to: room(name) }, xml('query', { xmlns: MUC.DISCO_INFO })));
    expect(errorOf(await info('temp'))?.condition).toBe('item-not-found');
    const lobby = await info('lobby');
    expect(lobby.attrs.type).toBe('result');
    expect(lobby.getChild('query')?.getChildren('feature').map((f) => f.attrs.var)).toContain('muc_persistent');
  });
});
