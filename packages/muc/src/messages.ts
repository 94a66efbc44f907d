// XEP-0045 §7.4 (messages to all occupants), §8.1 (subject), §7.5 (private messages), §7.8.2
// (mediated invitations and declines), §7.13 / §8.6 (voice requests and their approval), and
// XEP-0421 occupant ids on everything an occupant says. XEP-0249 direct invitations go from user
// to user and never reach the room.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, parseJid } from '@deskchat/protocol';
import type { MucOccupant, StanzaEvent } from '@deskchat/core';
import { form, readBoolean, readForm } from './data-form.js';
import './events.js';
import { MUC } from './ns.js';
import { applyRoleChange } from './roles.js';
import { isAtLeast, type Room } from './room.js';

/** A copy of an occupant's message as the room sends it: from room/nick, the client's own occupant-id removed and ours added. */
function fromOccupant(room: Room, occupant: MucOccupant, stanza: Element): Element {
  const copy = xml('message', { ...stanza.attrs, from: room.occupantJid(occupant.nick) });
  delete copy.attrs.to;
  for (const child of stanza.children) {
    if (typeof child === 'string' || child.attrs.xmlns === MUC.OCCUPANT_ID) continue;
    copy.append(child);
  }
  copy.append(xml('occupant-id', { xmlns: MUC.OCCUPANT_ID, id: room.occupantId(occupant.jid) }));
  return copy;
}

/** A message to room@service (§7.4, §8.1, §7.8.2, §7.13). */
export async function roomMessage(room: Room, event: StanzaEvent): Promise<void> {
  const { stanza, from } = event;
  const type = stanza.attrs.type ?? 'normal';
  if (type === 'error') return;
  if (!room.exists) throw new StanzaError('item-not-found', 'no such room');
  const sender = room.byJid(from.toString());
  if (type === 'groupchat') return groupchat(room, sender, stanza);
  const userX = stanza.getChild('x', MUC.USER);
  if (userX?.getChild('invite')) return invite(room, event, sender, userX);
  if (userX?.getChild('decline')) return decline(room, event, userX);
  const request = stanza.getChild('x', MUC.DATA);
  if (request && readForm(request).get('FORM_TYPE')?.[0] === MUC.REQUEST) return voiceRequest(room, sender, request);
  throw new StanzaError('bad-request', 'messages to the room are of type groupchat (XEP-0045 §7.4)');
}

/** §7.4 and §8.1: to every occupant, or a subject change. */
async function groupchat(room: Room, sender: MucOccupant | undefined, stanza: Element): Promise<void> {
  // §7.4: "If the sender is not an occupant of the room, the service SHOULD return a <not-acceptable/> error".
  if (!sender) throw new StanzaError('not-acceptable', 'only occupants may send messages to the room (XEP-0045 §7.4)');
  // §7.4 and §8.3–§8.4: in a moderated room, visitors have no voice.
  if (sender.role === 'visitor') throw new StanzaError('forbidden', 'visitors may not speak in a moderated room (XEP-0045 §7.4)');
  const subject = stanza.getChild('subject');
  const hasBody = stanza.getChild('body') !== undefined;
  if (subject && !hasBody) {
    // §8.1: moderators, and participants where the room allows it.
    const mayChange = sender.role === 'moderator' || (room.config.canChangeSubject && sender.role === 'participant');
    if (!mayChange) throw new StanzaError('forbidden', 'you may not change the subject of this room (XEP-0045 §8.1)');
    const message = xml('message', { type: 'groupchat', from: room.occupantJid(sender.nick) }, xml('subject', {}, subject.text()));
    room.record = { ...room.record!, subject: message.toString() };
    await room.save();
    await room.broadcast(() => xml('message', { ...message.attrs }, xml('subject', {}, subject.text())));
    return;
  }
  const message = fromOccupant(room, sender, stanza);
  const { api, service, options } = room.ctx;
  const at = options.now();
  // The archive seam (events.ts): whatever an archive returns (a XEP-0359 stanza id) goes on every copy.
  for (const extra of await api.collect('muc/groupchat', { room: room.jid.toString(), message, sender: sender.jid, at })) message.append(extra);
  if (hasBody && room.config.historyLength > 0) await api.mucOccupants.addHistory(service, room.name, { stanza: message.toString(), at }, room.config.historyLength);
  await room.broadcast(() => xml('message', { ...message.attrs }, ...message.children));
}

/** §7.5: a private message to room@service/nick, between occupants. */
export async function privateMessage(room: Room, event: StanzaEvent): Promise<void> {
  const { stanza, from } = event;
  const type = stanza.attrs.type ?? 'normal';
  if (type === 'error') return;
  if (!room.exists) throw new StanzaError('item-not-found', 'no such room');
  // §7.5: "If the sender attempts to send a message of type groupchat to a particular occupant, the service MUST refuse … <bad-request/>".
  if (type === 'groupchat') throw new StanzaError('bad-request', 'a groupchat message goes to the room, not to an occupant (XEP-0045 §7.5)');
  const sender = room.byJid(from.toString());
  if (!sender) throw new StanzaError('not-acceptable', 'only occupants may send private messages in this room (XEP-0045 §7.5)');
  const targets = room.sessionsOf(event.to.resource);
  if (targets.length === 0) throw new StanzaError('item-not-found', 'no occupant has that nickname (XEP-0045 §7.5)');
  const copy = fromOccupant(room, sender, stanza);
  // §7.5: the service adds <x xmlns=muc#user/> so that the recipient's client knows this is a MUC private message.
  if (!copy.getChild('x', MUC.USER)) copy.append(xml('x', { xmlns: MUC.USER }));
  for (const target of targets) await room.deliverTo(target.jid, xml('message', { ...copy.attrs }, ...copy.children));
}

/** §7.8.2: the room sends each invitation on behalf of an occupant. */
async function invite(room: Room, event: StanzaEvent, sender: MucOccupant | undefined, userX: Element): Promise<void> {
  if (!sender) throw new StanzaError('not-acceptable', 'only occupants may invite others to this room (XEP-0045 §7.8.2)');
  const affiliation = room.affiliationOf(sender.jid);
  // §7.8.2: in a members-only room only admins and owners invite, unless the room lets participants do it.
  if (room.config.isMembersOnly && !isAtLeast(affiliation, 'admin') && !room.config.allowInvites) {
    throw new StanzaError('forbidden', 'only admins may invite others to this members-only room (XEP-0045 §7.8.2)');
  }
  const invites = userX.getChildren('invite');
  const targets = invites.map((i) => parseJid(i.attrs.to));
  if (targets.some((t) => !t)) throw new StanzaError('jid-malformed', 'each invitation needs a valid to (XEP-0045 §7.8.2)');
  // Invitations are for users; one routed back into this service would also wait on the lock it holds.
  if (targets.some((t) => t!.domain === room.ctx.service)) throw new StanzaError('bad-request', 'invitations go to users, not to rooms (XEP-0045 §7.8.2)');
  const { api, service } = room.ctx;
  if (room.config.isMembersOnly) {
    // §7.8.2: "the service MAY also add the invitee to the member list": so that the invitation can be used.
    const added = targets.map((t) => t!.bare().toString()).filter((jid) => room.affiliationOf(jid) === 'none');
    await api.stores.mucRooms.setAffiliations(service, room.name, added.map((jid) => ({ jid, affiliation: 'member' as const })));
  }
  for (const [i, el] of invites.entries()) {
    const reason = el.getChildText('reason');
    const message = xml(
      'message',
      { from: room.jid.toString(), to: targets[i]!.toString() },
      xml('x', { xmlns: MUC.USER }, xml('invite', { from: event.from.bare().toString() }, ...(reason ? [xml('reason', {}, reason)] : [])), ...(room.config.isPasswordProtected ? [xml('password', {}, room.config.password)] : [])),
      xml('body', {}, `${event.from.bare()} invites you to the room ${room.jid}${reason ? `: ${reason}` : ''}`),
    );
    await api.router.route(message);
  }
}

/** §7.8.2: the invitee declines; the room tells the inviter. */
async function decline(room: Room, event: StanzaEvent, userX: Element): Promise<void> {
  const el = userX.getChild('decline')!;
  const to = parseJid(el.attrs.to);
  if (!to) throw new StanzaError('jid-malformed', 'a decline needs a valid to (XEP-0045 §7.8.2)');
  if (to.domain === room.ctx.service) throw new StanzaError('bad-request', 'a decline goes to the inviter, not to a room (XEP-0045 §7.8.2)');
  const reason = el.getChildText('reason');
  await room.ctx.api.router.route(
    xml('message', { from: room.jid.toString(), to: to.toString() }, xml('x', { xmlns: MUC.USER }, xml('decline', { from: event.from.bare().toString() }, ...(reason ? [xml('reason', {}, reason)] : [])))),
  );
}

/**
 * §7.13: a visitor asks for voice; the room sends the request form to every moderator. §8.6: a
 * moderator approves by submitting it back with muc#request_allow.
 */
async function voiceRequest(room: Room, sender: MucOccupant | undefined, request: Element): Promise<void> {
  if (!sender) throw new StanzaError('not-acceptable', 'only occupants may ask for voice (XEP-0045 §7.13)');
  const values = readForm(request);
  if (sender.role === 'moderator' && values.has('muc#request_allow')) {
    const nick = values.get('muc#roomnick')?.[0];
    if (readBoolean(values.get('muc#request_allow')?.[0]) !== true || !nick) return;
    await applyRoleChange(room, sender, [{ nick, role: 'participant' }]);
    return;
  }
  if (values.get('muc#role')?.[0] !== 'participant') throw new StanzaError('bad-request', 'a voice request asks for muc#role participant (XEP-0045 §7.13)');
  if (sender.role !== 'visitor') return; // already has voice
  const approval = form('form', MUC.REQUEST, [
    { var: 'muc#role', type: 'list-single', label: 'Requested role', value: 'participant', options: [{ value: 'participant' }] },
    { var: 'muc#jid', type: 'jid-single', label: 'User ID', value: sender.jid },
    { var: 'muc#roomnick', type: 'text-single', label: 'Room nickname', value: sender.nick },
    { var: 'muc#request_allow', type: 'boolean', label: 'Grant voice to this person?', value: 'false' },
  ], 'Voice request');
  await room.broadcast((receiver) => (receiver.role === 'moderator' ? xml('message', { from: room.jid.toString() }, approval) : undefined));
}
