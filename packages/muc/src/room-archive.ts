// XEP-0313 room archives (urn:xmpp:mam:2, version 1.1, §5.1.2 "MUC archives") with XEP-0359 stanza
// ids, on core's ArchiveStore (the archive named by the room's bare JID; Redis keeps it in the
// room's slot). Issue #13; docs/muc.md.
//   - Every message to all occupants (with a body) is archived through the 'muc/groupchat' seam
//     (events.ts) and gets `<stanza-id by='room@service'/>` on every copy and in the history.
//   - The archived copy keeps the sender's real bare JID in a muc#user <item jid/>, which a query
//     returns only to those who may see real JIDs (§5.1 whois: anyone in a non-anonymous room,
//     moderators otherwise); `with` filters by occupant JID (room@service/nick).
//   - Queries at the room's JID: banned users are refused (forbidden); in a members-only room only
//     members, admins, owners and current occupants may query (forbidden otherwise).
//   - The archive goes with the room (destroy, a temporary room's last occupant leaving).
import xml, { type Element } from '@xmpp/xml';
import { MAM_NS, StanzaError, mamFin, mamQueryForm, mamResult, parseMamQuery, stanzaId } from '@deskchat/protocol';
import { parseDocument, queryArchive, type StanzaEvent } from '@deskchat/core';
import type { MucGroupchat } from './events.js';
import { MUC } from './ns.js';
import { isAtLeast, type MucContext, type Room } from './room.js';

const PAGING = { defaultPageSize: 50, maxPageSize: 250 };

/** Archives one message to all occupants; the stanza id to put on every copy. */
export async function archiveGroupchat(ctx: MucContext, event: MucGroupchat): Promise<Element | undefined> {
  if (!ctx.options.archive || event.message.getChild('body') === undefined) return undefined;
  const { options } = ctx;
  const stored = xml('message', { ...event.message.attrs }, ...event.message.children);
  const real = event.sender.includes('/') ? event.sender.slice(0, event.sender.indexOf('/')) : event.sender;
  stored.append(xml('x', { xmlns: MUC.USER }, xml('item', { jid: real })));
  const id = await ctx.api.stores.archive.append(
    event.room,
    { at: event.at, with: [event.message.attrs.from], stanza: stored.toString() },
    {
      maxMessages: options.archiveMaxMessagesPerRoom,
      maxBytes: options.archiveMaxBytesPerRoom,
      ...(options.archiveRetentionDays > 0 ? { expireBefore: event.at - options.archiveRetentionDays * 86_400_000 } : {}),
    },
  );
  return stanzaId(event.room, id);
}

/** Whether `from` may read the room's archive. */
function mayQuery(room: Room, from: string): boolean {
  const affiliation = room.affiliationOf(from);
  if (affiliation === 'outcast') return false;
  if (!room.config.isMembersOnly) return true;
  return isAtLeast(affiliation, 'member') || room.byJid(from) !== undefined;
}

/** An IQ with `<query xmlns='urn:xmpp:mam:2'/>` at the room's JID. */
export async function roomArchiveIq(room: Room, event: StanzaEvent, payload: Element): Promise<Element | undefined> {
  const { ctx } = room;
  if (!ctx.options.archive) throw new StanzaError('service-unavailable');
  if (!room.exists) throw new StanzaError('item-not-found', 'no such room');
  const from = event.from.toString();
  if (!mayQuery(room, from)) throw new StanzaError('forbidden', "you may not read this room's archive (XEP-0313 §5.1.2: members-only rooms keep it for members)");
  if (event.stanza.attrs.type === 'get') return mamQueryForm(true);
  const query = parseMamQuery(payload, { extended: true });
  const archive = room.jid.toString();
  const { options } = ctx;
  if (options.archiveRetentionDays > 0) await ctx.api.stores.archive.expire(archive, options.now() - options.archiveRetentionDays * 86_400_000);
  const page = await queryArchive(ctx.api.stores.archive, archive, query, PAGING);
  const seesRealJids = room.mayReceiveRealJids(room.byJid(from));
  const limits = { ...ctx.api.coreOptions.xml, maxStanzaBytes: ctx.api.coreOptions.xml.maxStanzaBytes + 2048 };
  for (const m of page.messages) {
    const message = parseDocument(m.stanza, limits);
    if (!seesRealJids) message.children = message.children.filter((c) => typeof c === 'string' || !(c.name === 'x' && c.attrs.xmlns === MUC.USER));
    await ctx.api.router.deliver(event.from, mamResult({ to: from, from: archive, queryId: query.queryId, id: m.id, at: m.at, message }));
  }
  const first = page.messages[0]?.id;
  const last = page.messages.at(-1)?.id;
  return mamFin({ ...(first ? { first } : {}), ...(last ? { last } : {}), ...(query.before === undefined ? { index: page.index } : {}), count: page.count, complete: page.complete });
}

export const ROOM_ARCHIVE_FEATURES = [MAM_NS.MAM, MAM_NS.EXTENDED, MAM_NS.STANZA_ID];
