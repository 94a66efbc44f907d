// RFC 6121 §2.1: the `<query xmlns='jabber:iq:roster'/>` payload: reading a roster set (with
// every error case of §2.3.3 and §2.5.3) and writing items, results and pushes.
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError, parseJid, type JID } from '@deskchat/protocol';
import type { RosterItem } from '@deskchat/core';
import type { RosterOptions } from './options.js';

export type RosterSet =
  | { action: 'update'; jid: string; name?: string; groups: string[] }
  | { action: 'remove'; jid: string };

const children = (el: Element, name: string): Element[] =>
  el.children.filter((c): c is Element => typeof c !== 'string' && c.name === name);

/** Number of characters (code points), so that a limit does not depend on UTF-16 surrogates. */
const lengthOf = (text: string): number => [...text].length;

/**
 * Reads a roster set from `user` (RFC 6121 §2.3, §2.4, §2.5). Throws the StanzaError the RFC
 * names for each violation. The 'ask' and 'approved' attributes and any 'subscription' other than
 * "remove" are ignored, as §2.1.2.1, §2.1.2.2 and §2.1.2.5 require of a server.
 */
export function readRosterSet(query: Element, user: JID, limits: RosterOptions): RosterSet {
  // 1. §2.3.3: exactly one item.
  const items = children(query, 'item');
  if (items.length !== 1) throw new StanzaError('bad-request', 'a roster set carries exactly one <item/> (RFC 6121 §2.3.3)');
  const [item] = items;
  // 2. §2.1.2.3: a bare JID is required.
  if (item.attrs.jid === undefined) throw new StanzaError('bad-request', "a roster item needs a 'jid' (RFC 6121 §2.1.2.3)");
  const jid = parseJid(item.attrs.jid);
  if (!jid) throw new StanzaError('jid-malformed', 'the item JID is not a valid JID (RFC 7622)');
  if (jid.resource) throw new StanzaError('bad-request', 'a roster item is a bare JID, without a resource (RFC 6121 §2.1)');
  const bare = jid.toString();
  if (item.attrs.subscription === 'remove') return { action: 'remove', jid: bare };
  // 3. The user's own presence reaches their resources without a roster item (§4.2.2), and a
  //    subscription to oneself has no defined state: refused as an action the server never allows.
  if (jid.equals(user.bare())) throw new StanzaError('not-allowed', "a user's own JID cannot be a roster item");
  // 4. §2.3.3: the name and each group within the configured limits; a group is never empty.
  const name = item.attrs.name === undefined || item.attrs.name === '' ? undefined : String(item.attrs.name);
  if (name !== undefined && lengthOf(name) > limits.maxNameLength) {
    throw new StanzaError('not-acceptable', `the name is longer than ${limits.maxNameLength} characters (RFC 6121 §2.3.3)`);
  }
  const groups = children(item, 'group').map((g) => g.getText());
  for (const group of groups) {
    if (group === '') throw new StanzaError('not-acceptable', 'a group name is empty; to leave all groups send no <group/> (RFC 6121 §2.3.3)');
    if (lengthOf(group) > limits.maxGroupLength) {
      throw new StanzaError('not-acceptable', `a group name is longer than ${limits.maxGroupLength} characters (RFC 6121 §2.3.3)`);
    }
  }
  // 5. §2.3.3: duplicate groups are a bad request.
  if (new Set(groups).size !== groups.length) throw new StanzaError('bad-request', 'the item names the same group twice (RFC 6121 §2.3.3)');
  return name === undefined ? { action: 'update', jid: bare, groups } : { action: 'update', jid: bare, name, groups };
}

/** An `<item/>` as a result or push carries it (RFC 6121 §2.1.2). */
export function itemElement(item: RosterItem): Element {
  const attrs: Record<string, string> = { jid: item.jid, subscription: item.subscription };
  if (item.name !== undefined) attrs.name = item.name;
  if (item.isPendingOut) attrs.ask = 'subscribe';
  if (item.isPreApproved) attrs.approved = 'true';
  return xml('item', attrs, ...item.groups.map((g) => xml('group', {}, g)));
}

/** The roster get result (RFC 6121 §2.1.4) with its version (RFC 6121 §2.6.3). */
export function rosterQuery(items: RosterItem[], version: number): Element {
  return xml('query', { xmlns: NS.ROSTER, ver: String(version) }, ...items.map(itemElement));
}

/** A roster push to one interested resource (RFC 6121 §2.1.6): no 'from', which clients read as "from my own account". */
export function rosterPush(to: JID, version: number, item: RosterItem | { jid: string; subscription: 'remove' }): Element {
  const payload = 'groups' in item ? itemElement(item) : xml('item', { jid: item.jid, subscription: 'remove' });
  return xml('iq', { type: 'set', id: `push-${randomBytes(6).toString('hex')}`, to: to.toString() }, xml('query', { xmlns: NS.ROSTER, ver: String(version) }, payload));
}

/** Whether two items look the same to a client (a push would show no change). */
export function isSameItem(a: RosterItem | undefined, b: RosterItem | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.jid === b.jid &&
    a.name === b.name &&
    a.subscription === b.subscription &&
    a.isPendingOut === b.isPendingOut &&
    a.isPreApproved === b.isPreApproved &&
    a.groups.length === b.groups.length &&
    a.groups.every((g, i) => g === b.groups[i])
  );
}
