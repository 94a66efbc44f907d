// XEP-0045 §9.1–§9.5 (ban, member list) and §10.3–§10.7 (owners and admins): affiliation changes
// by bare JID, several items in one request checked first and applied all or none (one store
// transaction), only the changes being sent (the lists are not replaced). Occupants whose
// affiliation changed see their new role at once; the banned, and non-members of a members-only
// room, are removed (status 301, 321).
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, parseJid } from '@deskchat/protocol';
import type { MucAffiliation, MucOccupant } from '@deskchat/core';
import { STATUS } from './ns.js';
import { removeNick } from './occupancy.js';
import { isAtLeast, type Affiliation, type Room } from './room.js';

export interface AffiliationItem {
  jid: string;
  affiliation: Affiliation;
  reason?: string;
  nick?: string;
}

const AFFILIATIONS = ['owner', 'admin', 'member', 'outcast', 'none'];

export function readAffiliationItem(room: Room, item: Element): AffiliationItem {
  const { affiliation } = item.attrs;
  if (!AFFILIATIONS.includes(affiliation)) throw new StanzaError('bad-request', `unknown affiliation '${affiliation}' (XEP-0045 §5.2)`);
  let jid = item.attrs.jid;
  if (!jid && item.attrs.nick) {
    const occupant = room.byNick(item.attrs.nick);
    if (!occupant) throw new StanzaError('item-not-found', `no occupant has the nickname '${item.attrs.nick}'`);
    jid = occupant.jid;
  }
  const parsed = parseJid(jid);
  if (!parsed) throw new StanzaError(jid ? 'jid-malformed' : 'bad-request', 'an affiliation change names a JID (XEP-0045 §9.1)');
  const reason = item.getChildText('reason') ?? undefined;
  return { jid: parsed.bare().toString(), affiliation: affiliation as Affiliation, ...(reason ? { reason } : {}) };
}

/** Checks every item against the actor's affiliation (§9, §10), then stores them and tells the room. */
export async function applyAffiliationChange(room: Room, actorJid: string, items: AffiliationItem[]): Promise<void> {
  const actor = room.affiliationOf(actorJid);
  const actorBare = parseJid(actorJid)!.bare().toString();
  if (!isAtLeast(actor, 'admin')) throw new StanzaError('forbidden', 'only admins and owners change affiliations (XEP-0045 §9.1)');
  const after = new Map([...room.affiliations.values()].map((a) => [a.jid, a.affiliation as Affiliation]));
  for (const item of items) {
    const current = room.affiliationOf(item.jid);
    // §10.3–§10.7: only owners grant or revoke owner and admin status.
    if ((isAtLeast(current, 'admin') || isAtLeast(item.affiliation, 'admin')) && actor !== 'owner') {
      if (current === item.affiliation) continue;
      throw new StanzaError(isAtLeast(item.affiliation, 'admin') ? 'forbidden' : 'not-allowed', 'only owners change the affiliation of owners and admins (XEP-0045 §9.1, §10.3)');
    }
    // §9.1: an admin or owner cannot ban themself (the last-owner rule below would not catch an admin).
    if (item.affiliation === 'outcast' && item.jid === actorBare) throw new StanzaError('conflict', 'you cannot ban yourself (XEP-0045 §9.1)');
    if (item.affiliation === 'none') after.delete(item.jid);
    else after.set(item.jid, item.affiliation);
  }
  // §10.7: "If the owner tries to revoke their own ownership and there are no other owners … <conflict/>"; a room always keeps an owner.
  if (![...after.values()].includes('owner')) throw new StanzaError('conflict', 'a room keeps at least one owner (XEP-0045 §10.7)');
  const { api, service } = room.ctx;
  const changes = items.filter((i) => room.affiliationOf(i.jid) !== i.affiliation || i.reason !== undefined);
  await api.stores.mucRooms.setAffiliations(service, room.name, changes.map((i) => ({ jid: i.jid, affiliation: i.affiliation, ...(i.reason ? { reason: i.reason } : {}) })));
  for (const i of changes) {
    if (i.affiliation === 'none') room.affiliations.delete(i.jid);
    else room.affiliations.set(i.jid, { jid: i.jid, affiliation: i.affiliation as MucAffiliation, ...(i.reason ? { reason: i.reason } : {}) });
  }
  const actorOccupant = room.byJid(actorJid);
  for (const change of changes) {
    const nicks = new Set(room.occupants.filter((o) => parseJid(o.jid)?.bare().toString() === change.jid).map((o) => o.nick));
    for (const nick of nicks) await afterAffiliationChange(room, nick, change, actorOccupant);
  }
}

async function afterAffiliationChange(room: Room, nick: string, change: AffiliationItem, actor: MucOccupant | undefined): Promise<void> {
  const children = [...(actor ? [xml('actor', { nick: actor.nick })] : []), ...(change.reason ? [xml('reason', {}, change.reason)] : [])];
  if (change.affiliation === 'outcast') {
    // §9.1: the banned occupant is removed, with status 301.
    await removeNick(room, nick, { codes: [STATUS.BANNED], itemChildren: children });
    return;
  }
  if (change.affiliation === 'none' && room.config.isMembersOnly) {
    // §9.4: removed from the member list of a members-only room: out, with status 321.
    await removeNick(room, nick, { codes: [STATUS.AFFILIATION_CHANGED], itemChildren: children });
    return;
  }
  const sessions = room.sessionsOf(nick);
  const occupant = sessions[0];
  // §5.1.2: the occupant takes the default role of its new affiliation (a new admin moderates at once;
  // in a moderated room a member has voice and someone back to none is a visitor).
  const role = room.defaultRole(change.affiliation);
  for (const session of sessions) await room.putOccupant({ ...session, role });
  const next = { ...occupant, role };
  await room.broadcast((receiver) => room.presenceOf(receiver.nick === nick ? receiver : next, receiver, { itemChildren: children }));
}

/** §9.5 (member list), §9.2 (ban list), §10.5 (owner list), §10.8 (admin list). */
export function affiliationList(room: Room, actorJid: string, affiliation: string): Element[] {
  if (!AFFILIATIONS.includes(affiliation) || affiliation === 'none') throw new StanzaError('bad-request', `unknown affiliation '${affiliation}'`);
  const actor = room.affiliationOf(actorJid);
  // Admins and owners see every list (§9.2, §9.5, §10.5); members may see the member list of a members-only room.
  const mayRead = isAtLeast(actor, 'admin') || (affiliation === 'member' && actor === 'member' && room.config.isMembersOnly);
  if (!mayRead) throw new StanzaError('forbidden', 'only admins and owners may see this list (XEP-0045 §9.5)');
  return [...room.affiliations.values()]
    .filter((a) => a.affiliation === affiliation)
    .map((a) => xml('item', { affiliation: a.affiliation, jid: a.jid, ...(a.nick ? { nick: a.nick } : {}) }, ...(a.reason ? [xml('reason', {}, a.reason)] : [])));
}
