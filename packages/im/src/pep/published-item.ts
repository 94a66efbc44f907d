// One XEP-0060 item as PEP and the pubsub.<domain> service take and give it: the checks of a
// publish request's item (§7.1.3.6), the <item/> element of a stored item, and the notification
// message that carries an event (§7.1.2.1).
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { childElements, parseJid, type JID } from '@deskchat/protocol';
import { parseDocument, type PepItem } from '@deskchat/core';
import { PUBSUB_EVENT_NS, pubsubError } from './pep-ns.js';

const DELAY_NS = 'urn:xmpp:delay';


/** The item of a `<publish/>`: exactly one, with exactly one payload of at most `maxItemBytes`; the service names it when the publisher did not (§7.1.2). */
export function publishedItem(publish: Element, publisher: JID, maxItemBytes: number): PepItem {
  const items = publish.getChildren('item');
  if (items.length !== 1) throw pubsubError('bad-request', 'invalid-payload', 'publish exactly one item (XEP-0060 §7.1.3.6)', {}, 'modify');
  const content = childElements(items[0]!);
  if (content.length === 0) throw pubsubError('bad-request', 'payload-required', 'the item needs a payload (XEP-0060 §7.1.3.6)', {}, 'modify');
  if (content.length > 1) throw pubsubError('bad-request', 'invalid-payload', 'an item carries exactly one payload element (XEP-0060 §7.1.3.6)', {}, 'modify');
  const payloadXml = content[0]!.toString();
  if (Buffer.byteLength(payloadXml, 'utf8') > maxItemBytes) throw pubsubError('not-acceptable', 'payload-too-big', `an item may be at most ${maxItemBytes} bytes (XEP-0060 §7.1.3.6)`, {}, 'modify');
  const id = items[0]!.attrs.id || `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  return { id, xml: payloadXml, publisher: publisher.toString(), publishedAt: Date.now() };
}

/** A stored item as an <item/> of a result or a notification; the publisher shown as its bare JID. */
export const itemElement = (item: PepItem): Element => xml('item', { id: item.id, publisher: parseJid(item.publisher)?.bare().toString() ?? item.publisher }, parseDocument(item.xml));

/** A headline notification from `from` (a PEP owner's bare JID, or the service) carrying `payload`; `delay`: when an item sent late was published (XEP-0203). */
export const eventMessage = (from: string, to: JID, payload: Element, delay?: number): Element =>
  xml(
    'message',
    { from, to: to.toString(), type: 'headline', id: `event-${randomBytes(6).toString('hex')}` },
    xml('event', { xmlns: PUBSUB_EVENT_NS }, payload),
    ...(delay !== undefined ? [xml('delay', { xmlns: DELAY_NS, from, stamp: new Date(delay).toISOString() })] : []),
  );
