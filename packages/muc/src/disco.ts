// XEP-0045 §6 (discovering the service, its rooms and a room's features and information, with the
// muc#roominfo form of §15.5.4), XEP-0410 §3 (the self-ping optimization feature) and XEP-0421 §4
// (occupant ids advertised on each room). Only what the service does is advertised.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { form } from './data-form.js';
import { MUC } from './ns.js';
import { parseConfig } from './room-config.js';
import { ROOM_ARCHIVE_FEATURES } from './room-archive.js';
import { readPresence, type MucContext, type Room } from './room.js';

/** §6.1: the service's identity and features. */
export function serviceInfo(): Element {
  return xml(
    'query',
    { xmlns: MUC.DISCO_INFO },
    xml('identity', { category: 'conference', type: 'text', name: 'Group chat' }),
    ...[MUC.BASE, MUC.DISCO_INFO, MUC.DISCO_ITEMS, MUC.PING, MUC.OCCUPANT_ID].map((v) => xml('feature', { var: v })),
  );
}

/** §6.3: the public rooms (locked rooms are not there yet for anyone). */
export async function serviceItems(ctx: MucContext): Promise<Element> {
  const rooms = await ctx.api.stores.mucRooms.listRooms(ctx.service);
  const items: Element[] = [];
  for (const record of rooms) {
    const config = parseConfig(record.config, ctx.options);
    if (!config.isPublic || config.isLocked) continue;
    items.push(xml('item', { jid: `${record.room}@${ctx.service}`, ...(config.name ? { name: config.name } : { name: record.room }) }));
  }
  return xml('query', { xmlns: MUC.DISCO_ITEMS }, ...items);
}

/** §6.4: the room's identity, features (its type, §15.5.2) and the muc#roominfo form. */
export function roomInfo(room: Room): Element {
  if (!room.exists) throw new StanzaError('item-not-found', 'no such room (XEP-0045 §6.4)');
  const c = room.config;
  const features = [
    MUC.BASE,
    MUC.DISCO_INFO,
    MUC.DISCO_ITEMS,
    MUC.SELF_PING,
    MUC.OCCUPANT_ID,
    c.isPublic ? 'muc_public' : 'muc_hidden',
    c.isPersistent ? 'muc_persistent' : 'muc_temporary',
    c.isMembersOnly ? 'muc_membersonly' : 'muc_open',
    c.isModerated ? 'muc_moderated' : 'muc_unmoderated',
    c.whois === 'anyone' ? 'muc_nonanonymous' : 'muc_semianonymous',
    c.isPasswordProtected ? 'muc_passwordprotected' : 'muc_unsecured',
    ...(room.ctx.options.archive ? ROOM_ARCHIVE_FEATURES : []),
  ];
  const subject = room.record?.subject ? readPresence(room.record.subject).getChildText('subject') : undefined;
  const info = form('result', MUC.ROOMINFO, [
    { var: 'muc#roominfo_description', label: 'Description', value: c.description },
    { var: 'muc#roominfo_occupants', label: 'Number of occupants', value: String(room.nicks.length) },
    { var: 'muc#roominfo_subject', label: 'Subject', value: subject ?? '' },
    { var: 'muc#roomconfig_maxusers', label: 'Maximum number of occupants', value: String(c.maxUsers) },
    { var: 'muc#maxhistoryfetch', label: 'Messages of history', value: String(c.historyLength) },
  ]);
  return xml(
    'query',
    { xmlns: MUC.DISCO_INFO },
    xml('identity', { category: 'conference', type: 'text', name: c.name || room.name }),
    ...features.map((v) => xml('feature', { var: v })),
    info,
  );
}

/** §6.5: a room's items. The occupant list is withheld (§6.5 lets a service return none), so that it cannot be read from outside. */
export function roomItems(room: Room): Element {
  if (!room.exists) throw new StanzaError('item-not-found', 'no such room (XEP-0045 §6.5)');
  return xml('query', { xmlns: MUC.DISCO_ITEMS });
}
