// XEP-0060 requests to the pubsub.<domain> service and readers of its notifications, for the e2e
// suites of the service (pubsub.e2e, pubsub-cluster.e2e).
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';

export const PUBSUB = 'http://jabber.org/protocol/pubsub';
export const PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
export const PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const SERVICE = 'pubsub.localhost';
export const ENTRY = 'urn:e2e:entry';

const form = (formType: string, fields: Record<string, string>) =>
  xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)), ...Object.entries(fields).map(([v, value]) => xml('field', { var: v }, xml('value', {}, value))));
const toService = (type: 'get' | 'set', xmlns: string, child: Element, ...more: Element[]) => xml('iq', { type, to: SERVICE }, xml('pubsub', { xmlns }, child, ...more));

export const create = (node: string, config?: Record<string, string>) => toService('set', PUBSUB, xml('create', { node }), ...(config ? [xml('configure', {}, form(`${PUBSUB}#node_config`, config))] : []));
export const publish = (node: string, id: string, payload: Element) => toService('set', PUBSUB, xml('publish', { node }, xml('item', { id }, payload)));
export const subscribe = (node: string, jid: string) => toService('set', PUBSUB, xml('subscribe', { node, jid }));
export const unsubscribe = (node: string, jid: string) => toService('set', PUBSUB, xml('unsubscribe', { node, jid }));
export const getItems = (node: string) => toService('get', PUBSUB, xml('items', { node }));
export const deleteNode = (node: string) => toService('set', PUBSUB_OWNER, xml('delete', { node }));
/** An item's payload: an entry with a title. */
export const entry = (title: string) => xml('entry', { xmlns: ENTRY }, xml('title', {}, title));

/** The <event/> of a notification from the service, if `el` is one. */
export const eventOf = (el: Element) => (el.is('message') && el.attrs.from === SERVICE ? el.getChild('event', PUBSUB_EVENT) : undefined);
/** The ids of the items a notification from the service carries for `node`. */
export const notifiedIds = (el: Element, node: string) => {
  const items = eventOf(el)?.getChild('items');
  return items?.attrs.node === node ? items.getChildren('item').map((i: Element) => i.attrs.id) : [];
};
