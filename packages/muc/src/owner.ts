// XEP-0045 §10.1.2–§10.2 (instant and reserved rooms, configuration) and §10.9 (destroying a
// room): the muc#owner namespace, for owners only.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, parseJid } from '@deskchat/protocol';
import { MUC, STATUS } from './ns.js';
import { removeNick } from './occupancy.js';
import { applyConfigForm, changeStatuses, configForm } from './room-config.js';
import type { Room } from './room.js';

export function ownerGet(room: Room, from: string, payload: Element): Element {
  if (room.affiliationOf(from) !== 'owner') throw new StanzaError('forbidden', 'only owners may configure the room (XEP-0045 §10.2)');
  if (payload.getChildElements().length > 0) throw new StanzaError('bad-request', 'a configuration request is an empty query (XEP-0045 §10.2)');
  return xml('query', { xmlns: MUC.OWNER }, configForm(room.config, room.ctx.options));
}

export async function ownerSet(room: Room, from: string, payload: Element): Promise<void> {
  if (room.affiliationOf(from) !== 'owner') throw new StanzaError('forbidden', 'only owners may configure or destroy the room (XEP-0045 §10.2, §10.9)');
  const destroy = payload.getChild('destroy');
  if (destroy) return destroyRoom(room, destroy);
  const x = payload.getChild('x', MUC.DATA);
  if (!x) throw new StanzaError('bad-request', 'a muc#owner set carries a data form or <destroy/> (XEP-0045 §10.2)');
  if (x.attrs.type === 'cancel') {
    // §10.1.3: cancelling the initial configuration of a reserved (locked) room destroys it.
    if (room.config.isLocked) await destroyRoom(room, xml('destroy'));
    return;
  }
  if (x.attrs.type !== 'submit') throw new StanzaError('bad-request', "the form's type is submit or cancel (XEP-0004 §3.1)");
  const before = room.config;
  const after = applyConfigForm(before, x, room.ctx.options);
  const wasLocked = before.isLocked;
  room.config = after;
  await room.save();
  if (wasLocked) return; // §10.1.2: accepting the initial configuration unlocks the room, nothing to announce
  // §10.2.1: occupants learn that the configuration changed (104; 172/173 for privacy).
  const codes = changeStatuses(before, after);
  await room.broadcast(() => xml('message', { type: 'groupchat', from: room.jid.toString() }, xml('x', { xmlns: MUC.USER }, ...codes.map((code) => xml('status', { code })))));
  // §9.4 / §10.2: a room made members-only removes the occupants who are not members (status 322).
  if (after.isMembersOnly && !before.isMembersOnly) {
    for (const occupant of room.nicks) {
      if (room.affiliationOf(occupant.jid) === 'none') await removeNick(room, occupant.nick, { codes: [STATUS.MEMBERS_ONLY] });
    }
  }
  // A room made moderated gives no voice back to visitors and takes none; occupants keep their roles until changed.
}

/** §10.9: every occupant gets unavailable with <destroy/> (alternate venue and reason), then the room goes. */
async function destroyRoom(room: Room, destroy: Element): Promise<void> {
  const venue = destroy.attrs.jid;
  if (venue !== undefined && !parseJid(venue)) throw new StanzaError('jid-malformed', 'the alternate venue is not a valid JID (XEP-0045 §10.9)');
  const reason = destroy.getChildText('reason');
  const password = destroy.getChildText('password');
  const notice = () => xml('destroy', venue ? { jid: venue } : {}, ...(reason ? [xml('reason', {}, reason)] : []), ...(password ? [xml('password', {}, password)] : []));
  for (const occupant of room.occupants) {
    await room.deliverTo(occupant.jid, room.presenceOf(occupant, occupant, { type: 'unavailable', item: { affiliation: 'none' }, extra: [notice()] }));
  }
  await room.destroy();
}
