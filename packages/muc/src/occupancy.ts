// XEP-0045 §7.2 (Entering a Room), §7.6 (Changing Nickname), §7.14 (Exiting a Room), §10.1
// (Creating a Room), §7.2.14 (history on join) and §7.2.15 (the subject on join). Every change
// runs under the room's lock; presence goes to each occupant through the router, wherever it is.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import type { MucOccupant, StanzaEvent } from '@deskchat/core';
import { MUC, STATUS } from './ns.js';
import { defaultConfig } from './room-config.js';
import { ownPresence, readPresence, type Room } from './room.js';

/** Presence to room@service/nick (§7.2, §7.6, §7.14). */
export async function occupantPresence(room: Room, event: StanzaEvent): Promise<void> {
  const { stanza, from } = event;
  const type = stanza.attrs.type;
  const nick = event.to.resource;
  const sender = from.toString();
  const current = room.byJid(sender);
  if (type === 'unavailable') {
    if (current) await leave(room, current, ownPresence(stanza));
    return;
  }
  // Errors, probes and subscriptions to an occupant JID mean nothing to a room.
  if (type !== undefined) return;
  if (current) {
    if (current.nick === nick) return updatePresence(room, current, stanza);
    return changeNick(room, current, nick, stanza);
  }
  await join(room, event);
}

/** §7.2 and §10.1: entering (and creating) a room; errors in the order XEP-0045 §7.2.5–§7.2.10 lists them. */
async function join(room: Room, event: StanzaEvent): Promise<void> {
  const { ctx } = room;
  const { stanza, from } = event;
  const nick = event.to.resource;
  const mucX = stanza.getChild('x', MUC.BASE);
  const bare = from.bare().toString();
  let isNew = false;
  if (!room.exists) {
    // §10.1.1: the service decides who may create rooms.
    if (ctx.options.creators === 'admins' && !ctx.options.admins.includes(bare)) throw new StanzaError('not-allowed', 'only service administrators may create rooms here (XEP-0045 §10.1.1)');
    if ((await ctx.api.stores.mucRooms.listRooms(ctx.service)).length >= ctx.options.maxRooms) throw new StanzaError('resource-constraint', 'this service has as many rooms as it may keep');
    room.config = defaultConfig(ctx.options);
    // §10.1.2: a client that speaks MUC gets a locked room to configure (or accept as an instant room);
    // one that does not (no <x/>) gets an instant room at once.
    room.config.isLocked = mucX !== undefined;
    room.affiliations.set(bare, { jid: bare, affiliation: 'owner' });
    await room.save();
    await ctx.api.stores.mucRooms.setAffiliations(ctx.service, room.name, [{ jid: bare, affiliation: 'owner' }]);
    isNew = true;
  } else {
    const affiliation = room.affiliationOf(from);
    // §10.1.2: until its owner configures it, a new room refuses everyone else.
    if (room.config.isLocked && affiliation !== 'owner') throw new StanzaError('item-not-found', 'this room is locked until its owner configures it (XEP-0045 §10.1.2)');
    // §7.2.7: banned users.
    if (affiliation === 'outcast') throw new StanzaError('forbidden', 'you are banned from this room (XEP-0045 §7.2.7)');
    // §7.2.6: members-only rooms.
    if (room.config.isMembersOnly && affiliation === 'none') throw new StanzaError('registration-required', 'this room is members-only (XEP-0045 §7.2.6)');
    // §7.2.5: password-protected rooms.
    if (room.config.isPasswordProtected && mucX?.getChildText('password') !== room.config.password) throw new StanzaError('not-authorized', 'this room needs the right password (XEP-0045 §7.2.5)');
    // §7.2.9: a nick in use by another user, or reserved by one. The same user may hold its nick
    // from several resources (as a second client of the same account joins).
    const holder = room.byNick(nick);
    if ((holder && bareOf(holder.jid) !== bare) || room.nickReservedByOther(nick, bare)) throw new StanzaError('conflict', 'that nickname is in use in this room (XEP-0045 §7.2.9)');
    // §7.2.10: the room is full (admins and owners may still enter; another session of a nick adds no occupant).
    if (!holder && room.nicks.length >= room.config.maxUsers && affiliation !== 'owner' && affiliation !== 'admin') {
      throw new StanzaError('service-unavailable', 'this room is full (XEP-0045 §7.2.10)', { type: 'wait' });
    }
  }
  const sibling = room.byNick(nick);
  const occupant: MucOccupant = {
    jid: from.toString(),
    nick,
    role: sibling?.role ?? room.defaultRole(room.affiliationOf(from)),
    sessionId: event.origin?.id ?? '',
    presence: ownPresence(stanza).toString(),
    joinedAt: ctx.options.now(),
  };
  const receivers = [...room.occupants];
  await room.putOccupant(occupant);
  // §7.2.3: first the presence of every occupant already there (one per nick), to the new one…
  for (const other of room.nicks) if (other.nick !== nick) await room.deliverTo(occupant.jid, room.presenceOf(other, occupant));
  // …then the new occupant's presence to everyone else (nothing new to them when its nick was
  // already there from another resource), and last to the new occupant itself.
  if (!sibling) for (const other of receivers) await room.deliverTo(other.jid, room.presenceOf(occupant, other));
  const selfCodes = isNew ? [STATUS.ROOM_CREATED] : [];
  await room.deliverTo(occupant.jid, room.presenceOf(occupant, occupant, { codes: selfCodes }));
  // §7.2.14: history, then §7.2.15: the subject (always, empty when none).
  await sendHistory(room, occupant, mucX?.getChild('history'));
  await room.deliverTo(occupant.jid, subjectMessage(room, occupant.jid));
}

/** §7.2.14: the last messages, each with a XEP-0203 delay, limited as the client asked. */
async function sendHistory(room: Room, occupant: MucOccupant, request: Element | undefined): Promise<void> {
  const { api, service, options } = room.ctx;
  let entries = await api.mucOccupants.history(service, room.name);
  entries = entries.slice(Math.max(0, entries.length - room.config.historyLength));
  const maxStanzas = readLimit(request?.attrs.maxstanzas);
  const maxChars = readLimit(request?.attrs.maxchars);
  const seconds = readLimit(request?.attrs.seconds);
  const since = request?.attrs.since ? Date.parse(request.attrs.since) : undefined;
  if (seconds !== undefined) entries = entries.filter((e) => e.at >= options.now() - seconds * 1000);
  if (since !== undefined && !Number.isNaN(since)) entries = entries.filter((e) => e.at > since);
  if (maxStanzas !== undefined) entries = entries.slice(Math.max(0, entries.length - maxStanzas));
  if (maxChars !== undefined) {
    // Counted from the newest back, whole stanzas only (§7.2.14: "the total number of characters").
    let total = 0;
    let first = entries.length;
    while (first > 0 && total + entries[first - 1].stanza.length <= maxChars) total += entries[--first].stanza.length;
    entries = entries.slice(first);
  }
  for (const entry of entries) {
    const message = readPresence(entry.stanza);
    message.attrs.to = occupant.jid;
    message.append(xml('delay', { xmlns: MUC.DELAY, from: room.jid.toString(), stamp: new Date(entry.at).toISOString() }));
    await room.deliverTo(occupant.jid, message);
  }
}

function readLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** §8.1: the current subject as a message from whoever set it (empty <subject/> from the room when none). */
export function subjectMessage(room: Room, to: string): Element {
  const stored = room.record?.subject ? readPresence(room.record.subject) : undefined;
  if (stored) {
    stored.attrs.to = to;
    return stored;
  }
  return xml('message', { type: 'groupchat', from: room.jid.toString(), to }, xml('subject'));
}

/** §7.7 (presence updates): an occupant's new presence of an occupant: rebroadcast with the room's additions. */
async function updatePresence(room: Room, occupant: MucOccupant, stanza: Element): Promise<void> {
  const next = { ...occupant, presence: ownPresence(stanza).toString() };
  await room.putOccupant(next);
  await room.broadcast((receiver) => room.presenceOf(next, receiver));
}

/** §7.6: unavailable with status 303 and the new nick, then available under the new nick. */
async function changeNick(room: Room, occupant: MucOccupant, nick: string, stanza: Element): Promise<void> {
  const owner = bareOf(occupant.jid);
  if (room.byNick(nick) || room.nickReservedByOther(nick, owner)) throw new StanzaError('conflict', 'that nickname is in use in this room (XEP-0045 §7.6)');
  // One resource cannot take a nick its other resources share away from them.
  if (room.sessionsOf(occupant.nick).length > 1) throw new StanzaError('not-acceptable', 'this nick is in the room from several of your resources: leave with the others first');
  await room.broadcast((receiver) => room.presenceOf(occupant, receiver, { type: 'unavailable', codes: [STATUS.NEW_NICK], item: { nick, role: occupant.role } }));
  const next = { ...occupant, nick, presence: ownPresence(stanza).toString() };
  await room.putOccupant(next);
  await room.broadcast((receiver) => room.presenceOf(next, receiver));
}

/**
 * §7.14: one session leaves (its client said so, or its session ended). The last session of a
 * nick takes the nick out: everyone (itself included, with 110) gets its unavailable presence;
 * one of several only tells itself.
 */
export async function leave(room: Room, occupant: MucOccupant, stanza?: Element): Promise<void> {
  const statusText = stanza?.getChild('status')?.text();
  if (room.sessionsOf(occupant.nick).length > 1) {
    await room.removeOccupant(occupant.jid);
    const own = room.presenceOf(occupant, occupant, { type: 'unavailable' });
    if (statusText !== undefined) own.append(xml('status', {}, statusText));
    await room.deliverTo(occupant.jid, own);
    return;
  }
  await removeNick(room, occupant.nick, { statusText });
}

/** A nick leaves with every session under it (§7.14, §8.2 kick 307, §9.1 ban 301, §9.4 321, 322): one unavailable to each session. */
export async function removeNick(room: Room, nick: string, options: { codes?: string[]; itemChildren?: Element[]; extra?: Element[]; statusText?: string } = {}): Promise<void> {
  const sessions = room.sessionsOf(nick);
  if (sessions.length === 0) return;
  const receivers = [...room.occupants];
  for (const session of sessions) await room.removeOccupant(session.jid);
  await room.broadcast((receiver) => {
    // Each of the nick's own sessions hears about itself (110, its own JID); everyone else about the nick.
    const subject = sessions.find((s) => s.jid === receiver.jid) ?? sessions[0];
    const p = room.presenceOf(subject, receiver, { type: 'unavailable', codes: options.codes, itemChildren: options.itemChildren, extra: options.extra });
    if (options.statusText !== undefined) p.append(xml('status', {}, options.statusText));
    return p;
  }, receivers);
  await room.destroyIfEmptyAndTemporary();
}

function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return slash < 0 ? jid : jid.slice(0, slash);
}

/** Occupants whose session went away (its node says so, or a delivery found no session): they leave. */
export async function removeGone(room: Room, jids: Iterable<string>, sessionId?: string): Promise<void> {
  for (const jid of jids) {
    const occupant = room.byJid(jid);
    if (!occupant || (sessionId !== undefined && occupant.sessionId && occupant.sessionId !== sessionId)) continue;
    room.gone.delete(jid);
    await leave(room, occupant);
  }
}
