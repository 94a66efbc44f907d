// One XEP-0060 item as PEP and the pubsub.<domain> service take and give it: the checks of a
// publish request's item (§7.1.3.6) and the <item/> element of a stored item.
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { parseJid, type JID } from '@deskchat/protocol';
import { parseDocument, type PepItem } from '@deskchat/core';
import { pubsubError } from './pep-ns.js';

const elements = (el: Element) => el.children.filter((c): c is Element => typeof c !== 'string');

/** The item of a `<publish/>`: exactly one, with exactly one payload of at most `maxItemBytes`; the service names it when the publisher did not (§7.1.2). */
export function publishedItem(publish: Element, publisher: JID, maxItemBytes: number): PepItem {
  const items = publish.getChildren('item');
  if (items.length !== 1) throw pubsubError('bad-request', 'invalid-payload', 'publish exactly one item (XEP-0060 §7.1.3.6)', {}, 'modify');
  const content = elements(items[0]!);
  if (content.length === 0) throw pubsubError('bad-request', 'payload-required', 'the item needs a payload (XEP-0060 §7.1.3.6)', {}, 'modify');
  if (content.length > 1) throw pubsubError('bad-request', 'invalid-payload', 'an item carries exactly one payload element (XEP-0060 §7.1.3.6)', {}, 'modify');
  const payloadXml = content[0]!.toString();
  if (Buffer.byteLength(payloadXml, 'utf8') > maxItemBytes) throw pubsubError('not-acceptable', 'payload-too-big', `an item may be at most ${maxItemBytes} bytes (XEP-0060 §7.1.3.6)`, {}, 'modify');
  const id = items[0]!.attrs.id || `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  return { id, xml: payloadXml, publisher: publisher.toString(), publishedAt: Date.now() };
}

/** A stored item as an <item/> of a result or a notification; the publisher shown as its bare JID. */
export const itemElement = (item: PepItem): Element => xml('item', { id: item.id, publisher: parseJid(item.publisher)?.bare().toString() ?? item.publisher }, parseDocument(item.xml));
