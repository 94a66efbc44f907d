// XEP-0045 §7.4 (messages to all occupants), §8.1 (subject), §7.5 (private messages), §7.8
// (mediated invitations and declines; XEP-0249 direct invitations pass from user to user), §7.13 /
// §8.6 (voice requests), with raw stanzas through the harness; 'muc-two-nodes' runs it on two nodes.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import type { Harness, HarnessClient } from '@deskchat/testing';
import { MUC } from './ns.js';
import { configure, createRoom, errorOf, groupchat, isPresenceFrom, join, mucHarness, nextGroupchat, nothingBefore, room, userX } from './__tests__/kit.js';

let harness: Harness;
let alice: HarnessClient;
let bob: HarnessClient;
let carol: HarnessClient;

const nextError = (client: HarnessClient, name = 'message') => client.next((e) => e.name === name && e.attrs.type === 'error');

beforeEach(async () => {
  harness = await mucHarness();
  alice = await harness.connect('alice', { resource: 'desk' });
  bob = await harness.connect('bob', { resource: 'desk' });
  carol = await harness.connect('carol', { resource: 'desk' });
  await createRoom(alice, 'lobby', 'Alice');
  await join(bob, 'lobby', 'Bob');
  await alice.next(isPresenceFrom(room('lobby', 'Bob')));
});

afterEach(async () => {
  for (const core of harness.cores) await core.shutdown();
});

describe('messages to all occupants (§7.4)', () => {
  it('reflects a groupchat message to every occupant, the sender included, from room/nick with its id kept', async () => {
    await bob.send(xml('message', { type: 'groupchat', to: room('lobby'), id: 'm1' }, xml('body', {}, 'hello room')));
    for (const client of [alice, bob]) {
      const message = await nextGroupchat(client, 'hello room');
      expect(message.attrs).toMatchObject({ from: room('lobby', 'Bob'), to: `${client.jid.toString()}`, id: 'm1', type: 'groupchat' });
      expect(message.getChild('occupant-id', MUC.OCCUPANT_ID)).toBeDefined();
    }
  });

  it('answers not-acceptable to a groupchat message from someone who is not an occupant, and relays nothing', async () => {
    await groupchat(carol, 'lobby', 'let me in');
    const error = await nextError(carol);
    expect(error.attrs.from).toBe(room('lobby'));
    expect(errorOf(error)).toEqual({ condition: 'not-acceptable', type: 'modify' });
    await nothingBefore(alice, (e) => e.getChildText('body') === 'let me in', async () => {
      await groupchat(bob, 'lobby', 'marker');
      return nextGroupchat(alice, 'marker');
    });
  });

  it('answers item-not-found to a message for a room that does not exist', async () => {
    await groupchat(carol, 'nowhere', 'hello?');
    expect(errorOf(await nextError(carol))?.condition).toBe('item-not-found');
  });

  it('answers bad-request to a chat message to the room itself', async () => {
    await bob.send(xml('message', { type: 'chat', to: room('lobby') }, xml('body', {}, 'hm')));
    expect(errorOf(await nextError(bob))?.condition).toBe('bad-request');
  });
});

describe('subject (§8.1)', () => {
  it('lets a moderator change the subject, sent to everyone with no body', async () => {
    await alice.send(xml('message', { type: 'groupchat', to: room('lobby') }, xml('subject', {}, 'Release day')));
    const subject = await bob.next((e) => e.name === 'message' && e.getChildText('subject') === 'Release day');
    expect(subject.attrs.from).toBe(room('lobby', 'Alice'));
    expect(subject.getChild('body')).toBeUndefined();
  });

  it('answers forbidden to a participant unless the room lets participants change it', async () => {
    await bob.send(xml('message', { type: 'groupchat', to: room('lobby') }, xml('subject', {}, 'Mine')));
    expect(errorOf(await nextError(bob))).toEqual({ condition: 'forbidden', type: 'auth' });
    await configure(alice, 'lobby', { 'muc#roomconfig_changesubject': '1' });
    await bob.send(xml('message', { type: 'groupchat', to: room('lobby') }, xml('subject', {}, 'Mine now')));
    expect((await alice.next((e) => e.getChildText('subject') === 'Mine now')).attrs.from).toBe(room('lobby', 'Bob'));
  });
});

describe('moderated rooms and voice requests (§7.13, §8.3, §8.6)', () => {
  beforeEach(async () => {
    await configure(alice, 'lobby', { 'muc#roomconfig_moderatedroom': '1' });
  });

  it('makes a newcomer without affiliation a visitor, who gets forbidden when speaking', async () => {
    const { self } = await join(carol, 'lobby', 'Carol');
    expect(userX(self).item?.attrs.role).toBe('visitor');
    await groupchat(carol, 'lobby', 'can I talk?');
    expect(errorOf(await nextError(carol))).toEqual({ condition: 'forbidden', type: 'auth' });
  });

  it('sends a visitor\'s voice request to the moderators; approving it gives voice', async () => {
    await join(carol, 'lobby', 'Carol');
    const request = xml('x', { xmlns: MUC.DATA, type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, MUC.REQUEST)), xml('field', { var: 'muc#role' }, xml('value', {}, 'participant')));
    await carol.send(xml('message', { to: room('lobby') }, request));
    const forwarded = await alice.next((e) => e.name === 'message' && e.getChild('x', MUC.DATA) !== undefined);
    expect(forwarded.attrs.from).toBe(room('lobby'));
    const fields: Record<string, string> = Object.fromEntries(forwarded.getChild('x', MUC.DATA)!.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value') ?? '']));
    expect(fields).toMatchObject({ FORM_TYPE: MUC.REQUEST, 'muc#role': 'participant', 'muc#jid': 'carol@localhost/desk', 'muc#roomnick': 'Carol', 'muc#request_allow': 'false' });
    const approval = xml('x', { xmlns: MUC.DATA, type: 'submit' }, ...Object.entries({ ...fields, 'muc#request_allow': 'true' }).map(([v, value]) => xml('field', { var: v }, xml('value', {}, String(value ?? '')))));
    await alice.send(xml('message', { to: room('lobby') }, approval));
    const voiced = await carol.next((e) => isPresenceFrom(room('lobby', 'Carol'))(e) && userX(e).item?.attrs.role === 'participant');
    expect(userX(voiced).codes).toEqual(['110']);
    await groupchat(carol, 'lobby', 'thanks');
    await nextGroupchat(alice, 'thanks');
  });
});

describe('private messages (§7.5)', () => {
  it('delivers a private message from room/nick with <x xmlns=muc#user/>', async () => {
    await bob.send(xml('message', { type: 'chat', to: room('lobby', 'Alice') }, xml('body', {}, 'psst')));
    const message = await alice.next((e) => e.name === 'message' && e.getChildText('body') === 'psst');
    expect(message.attrs).toMatchObject({ from: room('lobby', 'Bob'), to: 'alice@localhost/desk', type: 'chat' });
    expect(message.getChild('x', MUC.USER)).toBeDefined();
  });

  it('answers item-not-found for a nick that is not there, not-acceptable to a non-occupant, bad-request to type groupchat', async () => {
    await bob.send(xml('message', { type: 'chat', to: room('lobby', 'Nobody') }, xml('body', {}, 'hello?')));
    expect(errorOf(await nextError(bob))?.condition).toBe('item-not-found');
    await carol.send(xml('message', { type: 'chat', to: room('lobby', 'Alice') }, xml('body', {}, 'hi from outside')));
    const outside = await nextError(carol);
    expect(outside.attrs.from).toBe(room('lobby', 'Alice'));
    expect(errorOf(outside)).toEqual({ condition: 'not-acceptable', type: 'modify' });
    await bob.send(xml('message', { type: 'groupchat', to: room('lobby', 'Alice') }, xml('body', {}, 'wrong type')));
    expect(errorOf(await nextError(bob))).toEqual({ condition: 'bad-request', type: 'modify' });
  });
});

describe('invitations (§7.8)', () => {
  beforeEach(async () => {
    // Invitations go to bare JIDs: the invitee and the inviter are available (RFC 6121 §8.5.2).
    for (const client of [bob, carol]) await client.send(xml('presence'));
  });

  it('sends a mediated invitation from the room on behalf of the occupant; a decline reaches the inviter (§7.8.2)', async () => {
    await bob.send(xml('message', { to: room('lobby') }, xml('x', { xmlns: MUC.USER }, xml('invite', { to: 'carol@localhost' }, xml('reason', {}, 'join us')))));
    const invitation = await carol.next((e) => e.name === 'message' && e.getChild('x', MUC.USER) !== undefined);
    expect(invitation.attrs.from).toBe(room('lobby'));
    const invite = invitation.getChild('x', MUC.USER)!.getChild('invite')!;
    expect(invite.attrs.from).toBe('bob@localhost');
    expect(invite.getChildText('reason')).toBe('join us');
    await carol.send(xml('message', { to: room('lobby') }, xml('x', { xmlns: MUC.USER }, xml('decline', { to: 'bob@localhost' }, xml('reason', {}, 'busy')))));
    const declined = await bob.next((e) => e.name === 'message' && e.getChild('x', MUC.USER)?.getChild('decline') !== undefined);
    expect(declined.attrs.from).toBe(room('lobby'));
    expect(declined.getChild('x', MUC.USER)!.getChild('decline')!.attrs.from).toBe('carol@localhost');
  });

  it('in a members-only room, lets only admins invite (forbidden otherwise) and makes the invitee a member', async () => {
    await alice.iq(xml('iq', { type: 'set', to: room('lobby') }, xml('query', { xmlns: MUC.ADMIN }, xml('item', { jid: 'bob@localhost', affiliation: 'member' }))));
    await configure(alice, 'lobby', { 'muc#roomconfig_membersonly': '1' });
    await bob.send(xml('message', { to: room('lobby') }, xml('x', { xmlns: MUC.USER }, xml('invite', { to: 'carol@localhost' }))));
    expect(errorOf(await nextError(bob))).toEqual({ condition: 'forbidden', type: 'auth' });
    await alice.send(xml('message', { to: room('lobby') }, xml('x', { xmlns: MUC.USER }, xml('invite', { to: 'carol@localhost' }))));
    await carol.next((e) => e.name === 'message' && e.getChild('x', MUC.USER)?.getChild('invite') !== undefined);
    const { self } = await join(carol, 'lobby', 'Carol');
    expect(userX(self).item?.attrs.affiliation).toBe('member');
  });

  it('answers bad-request to an invitation or a decline addressed to a room, and answers it (the room is not stuck)', async () => {
    await bob.send(xml('message', { to: room('lobby') }, xml('x', { xmlns: MUC.USER }, xml('invite', { to: room('lobby') }))));
    expect(errorOf(await nextError(bob))?.condition).toBe('bad-request');
    await carol.send(xml('message', { to: room('lobby') }, xml('x', { xmlns: MUC.USER }, xml('decline', { to: room('other') }))));
    expect(errorOf(await nextError(carol))?.condition).toBe('bad-request');
    await groupchat(bob, 'lobby', 'still responsive');
    await nextGroupchat(alice, 'still responsive');
  });

  it('relays a XEP-0249 direct invitation from user to user untouched', async () => {
    await bob.send(xml('message', { to: 'carol@localhost' }, xml('x', { xmlns: MUC.DIRECT_INVITE, jid: room('lobby'), reason: 'come' })));
    const direct = await carol.next((e) => e.name === 'message' && e.getChild('x', MUC.DIRECT_INVITE) !== undefined);
    expect(direct.attrs.from).toBe('bob@localhost/desk');
    expect(direct.getChild('x', MUC.DIRECT_INVITE)!.attrs).toMatchObject({ jid: room('lobby'), reason: 'come' });
  });
});
