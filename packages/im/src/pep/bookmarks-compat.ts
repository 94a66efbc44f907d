// XEP-0402 §5 compatibility with XEP-0048 bookmarks in XEP-0049 private storage
// (`urn:xmpp:bookmarks:1#compat`): the `urn:xmpp:bookmarks:1` PEP node is the one truth. A client
// that sets `<storage xmlns='storage:bookmarks'/>` through private storage has its conferences
// published to (and the missing ones retracted from) that node, with the notifications a PEP
// client would cause; a client that reads it gets the node's conferences back as XEP-0048. What
// XEP-0402 has no place for (XEP-0048 `<url/>` bookmarks) stays in private storage beside them.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, parseJid, type JID } from '@deskchat/protocol';
import { parseDocument, type PepStore, type PrivateXmlStore } from '@deskchat/core';
import type { PrivateXmlBridge } from '../private/private-xml-bridge.js';
import { DATA_NS, PUBLISH_OPTIONS_FORM } from './pep-ns.js';

export const BOOKMARKS_NS = 'urn:xmpp:bookmarks:1';
export const BOOKMARKS_COMPAT = `${BOOKMARKS_NS}#compat`;
const LEGACY_NS = 'storage:bookmarks';
const KEY = `storage ${LEGACY_NS}`;

/** XEP-0402 §3: the publish-options every bookmark is published with. */
const OPTIONS: Record<string, string> = { 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' };

const isTrue = (v: string | undefined) => v === 'true' || v === '1';
const textChild = (from: Element, name: string) => {
  const text = from.getChildText(name);
  return text === null || text === undefined ? [] : [xml(name, {}, text)];
};

/** An XEP-0048 `<conference jid=…/>` as the XEP-0402 payload of the item whose id is the room's JID. */
function toBookmark(legacy: Element): Element {
  const attrs: Record<string, string> = {};
  if (legacy.attrs.name) attrs.name = legacy.attrs.name;
  if (isTrue(legacy.attrs.autojoin)) attrs.autojoin = 'true';
  return xml('conference', { xmlns: BOOKMARKS_NS, ...attrs }, ...textChild(legacy, 'nick'), ...textChild(legacy, 'password'));
}

/** An XEP-0402 item back as an XEP-0048 `<conference/>`. */
function toLegacy(id: string, bookmark: Element): Element {
  const attrs: Record<string, string> = { jid: id };
  if (bookmark.attrs.name) attrs.name = bookmark.attrs.name;
  if (isTrue(bookmark.attrs.autojoin)) attrs.autojoin = 'true';
  return xml('conference', attrs, ...textChild(bookmark, 'nick'), ...textChild(bookmark, 'password'));
}

export interface PepOperations {
  /** The module's publish (checks, preconditions, notifications) of one `<publish/>` with publish-options. */
  publish(from: JID, publish: Element, options: Element): Promise<unknown>;
  /** The module's retract (with notification) of one `<retract/>`. */
  retract(username: string, retract: Element): Promise<unknown>;
}

export function bookmarksBridge(store: PepStore, privateXml: PrivateXmlStore, ops: PepOperations): PrivateXmlBridge {
  return {
    key: KEY,
    async get(username) {
      const items = await store.getItems(username, BOOKMARKS_NS);
      const conferences = items.reverse().map((item) => toLegacy(item.id, parseDocument(item.xml)));
      // Kept beside them: URL bookmarks, and conferences stored before this bridge (until a client sets the list again).
      const ids = new Set(items.map((i) => i.id));
      const kept = await privateXml.getItem(username, KEY);
      const others = kept ? (parseDocument(kept).children.filter((c): c is Element => typeof c !== 'string' && !(c.name === 'conference' && ids.has(c.attrs.jid ?? ''))) as Element[]) : [];
      return xml('storage', { xmlns: LEGACY_NS }, ...conferences, ...others);
    },
    async set(username, element, from) {
      const wanted = new Map<string, Element>();
      for (const conference of element.getChildren('conference')) {
        const jid = parseJid(conference.attrs.jid);
        if (!jid?.local || jid.resource) throw new StanzaError('not-acceptable', `a bookmarked room needs a bare JID, not '${conference.attrs.jid ?? ''}' (XEP-0048 §3.2)`);
        wanted.set(jid.toString(), conference);
      }
      const options = xml('x', { xmlns: DATA_NS, type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, PUBLISH_OPTIONS_FORM)), ...Object.entries(OPTIONS).map(([v, value]) => xml('field', { var: v }, xml('value', {}, value))));
      const existing = new Map((await store.getItems(username, BOOKMARKS_NS)).map((i) => [i.id, i.xml]));
      for (const [id, conference] of wanted) {
        const payload = toBookmark(conference);
        if (existing.get(id) === payload.toString()) continue; // unchanged: no notification
        await ops.publish(from, xml('publish', { node: BOOKMARKS_NS }, xml('item', { id }, payload)), options);
      }
      for (const id of existing.keys()) if (!wanted.has(id)) await ops.retract(username, xml('retract', { node: BOOKMARKS_NS, notify: 'true' }, xml('item', { id })));
      // What XEP-0402 cannot hold (URL bookmarks) stays in private storage.
      const others = element.children.filter((c): c is Element => typeof c !== 'string' && c.name !== 'conference');
      if (others.length > 0) await privateXml.setItem(username, KEY, xml('storage', { xmlns: LEGACY_NS }, ...others).toString());
      else await privateXml.removeItem(username, KEY);
    },
  };
}
