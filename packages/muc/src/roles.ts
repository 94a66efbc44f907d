// XEP-0045 §8.2 (kicking), §8.3–§8.4 (granting and revoking voice), §9.6–§9.7 (granting and
// revoking moderator status), §8.5 / §9.8 (voice and moderator lists): role changes by nick.
// Several items in one request are checked first and applied all or none.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import type { MucOccupant, MucRole } from '@deskchat/core';
import { STATUS } from './ns.js';
import { removeNick } from './occupancy.js';
import { isAtLeast, type Room } from './room.js';

export interface RoleItem {
  nick: string;
  role: MucRole | 'none';
  reason?: string;
}

const ROLES = ['moderator', 'participant', 'visitor', 'none'];

export function readRoleItem(item: Element): RoleItem {
  const { nick, role } = item.attrs;
  if (!ROLES.includes(role)) throw new StanzaError('bad-request', `unknown role '${role}' (XEP-0045 §5.1)`);
  if (!nick) throw new StanzaError('bad-request', 'a role change names the occupant by nick (XEP-0045 §8.2)');
  const reason = item.getChildText('reason') ?? undefined;
  return { nick, role: role as RoleItem['role'], ...(reason ? { reason } : {}) };
}

/** Checks every item (the actor's rights, the target's affiliation), then applies them in order. */
export async function applyRoleChange(room: Room, actor: MucOccupant | undefined, items: RoleItem[]): Promise<void> {
  // §8.2, §8.3: only moderators change roles.
  if (actor?.role !== 'moderator') throw new StanzaError('forbidden', 'only moderators may change roles (XEP-0045 §8.2)');
  const actorAffiliation = room.affiliationOf(actor.jid);
  const targets = items.map((item) => {
    const target = room.byNick(item.nick);
    if (!target) throw new StanzaError('item-not-found', `no occupant has the nickname '${item.nick}'`);
    const affiliation = room.affiliationOf(target.jid);
    // §8.2: "a moderator MUST NOT be able to kick … an admin or owner"; §8.4 likewise for voice.
    if ((item.role === 'none' || item.role === 'visitor') && isAtLeast(affiliation, 'admin')) {
      throw new StanzaError('not-allowed', 'admins and owners cannot be kicked or silenced (XEP-0045 §8.2, §8.4)');
    }
    if (item.role === 'none' && target.jid === actor.jid) throw new StanzaError('conflict', 'a moderator cannot kick themself (XEP-0045 §8.2)');
    // §9.6, §9.7: only admins and owners grant or revoke moderator status.
    if ((item.role === 'moderator' || target.role === 'moderator') && !isAtLeast(actorAffiliation, 'admin')) {
      throw new StanzaError('not-allowed', 'only admins and owners grant or revoke moderator status (XEP-0045 §9.6)');
    }
    if (target.role === 'moderator' && item.role !== 'moderator' && isAtLeast(affiliation, 'admin')) {
      throw new StanzaError('not-allowed', "an admin's or owner's moderator status follows their affiliation (XEP-0045 §9.7)");
    }
    return { item, target };
  });
  for (const { item, target } of targets) {
    const sessions = room.sessionsOf(target.nick);
    if (sessions.length === 0) continue;
    const actorEl = xml('actor', { nick: actor.nick });
    const reasonEl = item.reason ? [xml('reason', {}, item.reason)] : [];
    if (item.role === 'none') {
      // §8.2: the kicked occupant (every session of the nick) and everyone else get unavailable with status 307.
      await removeNick(room, target.nick, { codes: [STATUS.KICKED], itemChildren: [actorEl, ...reasonEl] });
      continue;
    }
    if (sessions[0].role === item.role) continue;
    for (const session of sessions) await room.putOccupant({ ...session, role: item.role });
    const next = room.byNick(target.nick)!;
    await room.broadcast((receiver) => room.presenceOf(receiver.nick === next.nick ? receiver : next, receiver, { itemChildren: [actorEl, ...reasonEl] }));
  }
}

/** §8.5 (voice list: participants) and §9.8 (moderator list): the occupants with a role, for moderators. */
export function roleList(room: Room, actor: MucOccupant | undefined, role: string): Element[] {
  if (actor?.role !== 'moderator') throw new StanzaError('forbidden', 'only moderators may see role lists (XEP-0045 §8.5)');
  if (!ROLES.includes(role) || role === 'none') throw new StanzaError('bad-request', `unknown role '${role}'`);
  return room.nicks
    .filter((o) => o.role === role)
    .map((o) => xml('item', { nick: o.nick, role: o.role, affiliation: room.affiliationOf(o.jid), ...(room.mayReceiveRealJids(actor) ? { jid: o.jid } : {}) }));
}
