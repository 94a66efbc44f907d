// IQs to the service, to a room and to an occupant: XEP-0045 §6 (disco), §8–§9 (muc#admin), §10
// (muc#owner); XEP-0199 pings; XEP-0410 §3 (self-ping: the service answers for a joined client and
// says not-acceptable for one that is not); and other IQs to an occupant JID (XEP-0045 lets a room
// pass an occupant's IQ on, e.g. a vCard request), which the room sends to the target's real JID
// from the asker's occupant JID and whose reply it sends back, with the requester named in the id
// so that any node can carry the reply.
import xml, { type Element } from '@xmpp/xml';
import { MAM_NS, StanzaError, iqPayload, iqResult } from '@deskchat/protocol';
import type { StanzaEvent } from '@deskchat/core';
import { affiliationList, applyAffiliationChange, readAffiliationItem } from './affiliations.js';
import { roomInfo, roomItems, serviceInfo, serviceItems } from './disco.js';
import { MUC } from './ns.js';
import { ownerGet, ownerSet } from './owner.js';
import { roomArchiveIq } from './room-archive.js';
import { applyRoleChange, readRoleItem, roleList } from './roles.js';
import type { MucContext, Room } from './room.js';

const FORWARDED = 'muc-fwd.';

function payloadOf(stanza: Element): Element {
  const payload = iqPayload(stanza);
  if (!payload) throw new StanzaError('bad-request', 'an iq get or set has exactly one payload (RFC 6120 §8.2.3)');
  return payload;
}

async function answer(ctx: MucContext, event: StanzaEvent, payload?: Element): Promise<void> {
  await ctx.api.router.deliver(event.from, iqResult(event.stanza, payload));
}

const isType = (stanza: Element) => stanza.attrs.type === 'get' || stanza.attrs.type === 'set';

/** To conference.<domain> itself. */
export async function serviceIq(ctx: MucContext, event: StanzaEvent): Promise<void> {
  const { stanza } = event;
  if (!isType(stanza)) return;
  const payload = payloadOf(stanza);
  const is = (name: string, ns: string) => payload.name === name && payload.attrs.xmlns === ns && stanza.attrs.type === 'get';
  if (is('query', MUC.DISCO_INFO) && !payload.attrs.node) return answer(ctx, event, serviceInfo());
  if (is('query', MUC.DISCO_ITEMS) && !payload.attrs.node) return answer(ctx, event, await serviceItems(ctx));
  if (is('ping', MUC.PING)) return answer(ctx, event);
  throw new StanzaError('service-unavailable');
}

/** To room@service (under the room's lock). */
export async function roomIq(room: Room, event: StanzaEvent): Promise<void> {
  const { stanza, from } = event;
  if (!isType(stanza)) return;
  const payload = payloadOf(stanza);
  const type = stanza.attrs.type;
  const ns = payload.attrs.xmlns;
  const ctx = room.ctx;
  if (payload.name === 'query' && ns === MUC.DISCO_INFO && type === 'get') return answer(ctx, event, roomInfo(room));
  if (payload.name === 'query' && ns === MUC.DISCO_ITEMS && type === 'get') return answer(ctx, event, roomItems(room));
  if (payload.name === 'ping' && ns === MUC.PING && type === 'get') {
    if (!room.exists) throw new StanzaError('item-not-found', 'no such room');
    return answer(ctx, event);
  }
  if (payload.name === 'query' && ns === MAM_NS.MAM) return answer(ctx, event, await roomArchiveIq(room, event, payload));
  if (payload.name !== 'query' || (ns !== MUC.ADMIN && ns !== MUC.OWNER)) throw new StanzaError('service-unavailable');
  if (!room.exists) throw new StanzaError('item-not-found', 'no such room');
  const sender = from.toString();
  if (ns === MUC.OWNER) {
    if (type === 'get') return answer(ctx, event, ownerGet(room, sender, payload));
    await ownerSet(room, sender, payload);
    return answer(ctx, event);
  }
  const items = payload.getChildren('item');
  if (items.length === 0) throw new StanzaError('bad-request', 'a muc#admin query carries items (XEP-0045 §8, §9)');
  const actor = room.byJid(sender);
  if (type === 'get') {
    // §8.5, §9.2, §9.5, §10.5, §10.8: one list per request, by role or by affiliation.
    const [item] = items;
    const list = item.attrs.role ? roleList(room, actor, item.attrs.role) : affiliationList(room, sender, item.attrs.affiliation ?? '');
    return answer(ctx, event, xml('query', { xmlns: MUC.ADMIN }, ...list));
  }
  // A set changes roles (by nick) or affiliations (by JID); one request does one kind (§8, §9).
  const byRole = items.every((i) => i.attrs.role !== undefined && i.attrs.affiliation === undefined);
  const byAffiliation = items.every((i) => i.attrs.affiliation !== undefined && i.attrs.role === undefined);
  if (byRole) await applyRoleChange(room, actor, items.map(readRoleItem));
  else if (byAffiliation) await applyAffiliationChange(room, sender, items.map((i) => readAffiliationItem(room, i)));
  else throw new StanzaError('bad-request', 'each item changes either a role or an affiliation, and all items of a request the same one (XEP-0045 §8, §9)');
  return answer(ctx, event);
}

/** To room@service/nick: self-ping, IQs forwarded to the occupant, and replies coming back. */
export async function occupantIq(room: Room, event: StanzaEvent): Promise<void> {
  const { stanza, from, to } = event;
  const ctx = room.ctx;
  const sender = room.byJid(from.toString());
  if (!isType(stanza)) {
    // A reply from an occupant's client to a request we forwarded: back to the requester.
    const id = stanza.attrs.id ?? '';
    if (!id.startsWith(FORWARDED) || !sender) return;
    const rest = id.slice(FORWARDED.length);
    const dot = rest.indexOf('.');
    const requester = Buffer.from(rest.slice(0, dot), 'base64url').toString('utf8');
    if (!room.byJid(requester) || room.byJid(requester)?.nick !== to.resource) return;
    const reply = xml('iq', { ...stanza.attrs, id: rest.slice(dot + 1), from: room.occupantJid(sender.nick), to: requester });
    for (const child of stanza.children) if (typeof child !== 'string') reply.append(child);
    await room.deliverTo(requester, reply);
    return;
  }
  if (!room.exists) throw new StanzaError('item-not-found', 'no such room');
  const payload = payloadOf(stanza);
  // XEP-0410 §3: a ping to one's own occupant JID is answered by the service; not joined → not-acceptable.
  if (!sender) {
    // XEP-0045 §6.7: "If a non-occupant attempts to send a disco request to an address of the form
    // <room@service/nick>, a MUC service MUST return a <bad-request/> error".
    if (payload.attrs.xmlns === MUC.DISCO_INFO || payload.attrs.xmlns === MUC.DISCO_ITEMS) throw new StanzaError('bad-request', 'only occupants may query an occupant (XEP-0045 §6.7)');
    throw new StanzaError('not-acceptable', 'you are not an occupant of this room (XEP-0410 §3)');
  }
  if (payload.name === 'ping' && payload.attrs.xmlns === MUC.PING && sender.nick === to.resource) return answer(ctx, event);
  const target = room.byNick(to.resource);
  if (!target) throw new StanzaError('item-not-found', 'no occupant has that nickname');
  const id = `${FORWARDED}${Buffer.from(sender.jid, 'utf8').toString('base64url')}.${stanza.attrs.id ?? ''}`;
  const forwarded = xml('iq', { type: stanza.attrs.type, id, from: room.occupantJid(sender.nick), to: target.jid }, payload);
  await room.deliverTo(target.jid, forwarded);
}
