// Namespaces and errors of XEP-0060 that PEP (XEP-0163) uses.
import xml from '@xmpp/xml';
import { StanzaError, type StanzaErrorCondition } from '@deskchat/protocol';

export const PUBSUB_NS = 'http://jabber.org/protocol/pubsub';
export const PUBSUB_OWNER_NS = 'http://jabber.org/protocol/pubsub#owner';
export const PUBSUB_EVENT_NS = 'http://jabber.org/protocol/pubsub#event';
export const PUBSUB_ERRORS_NS = 'http://jabber.org/protocol/pubsub#errors';
export const NODE_CONFIG_FORM = 'http://jabber.org/protocol/pubsub#node_config';
export const PUBLISH_OPTIONS_FORM = 'http://jabber.org/protocol/pubsub#publish-options';
export const DATA_NS = 'jabber:x:data';

/** The XEP-0060 §10 features this server implements for PEP; each is advertised because it works. */
export const PEP_FEATURES = [
  'access-open',
  'access-presence',
  'access-whitelist',
  'auto-create',
  'auto-subscribe',
  'config-node',
  // XEP-0060 §16.2 (1.25): `max` is accepted for pubsub#max_items (Converse.js asks for it when this
  // is advertised, and a literal 9999 otherwise, above pep.maxItemsPerNode).
  'config-node-max',
  'create-and-configure',
  'create-nodes',
  'delete-nodes',
  'filtered-notifications',
  'item-ids',
  'last-published',
  'persistent-items',
  'presence-notifications',
  'publish',
  'publish-options',
  'purge-nodes',
  'retract-items',
  'retrieve-items',
].map((f) => `${PUBSUB_NS}#${f}`);

/** A stanza error with an XEP-0060 application condition (`<name xmlns=pubsub#errors/>`). */
export function pubsubError(condition: StanzaErrorCondition, app: string, text: string, attrs: Record<string, string> = {}, type?: 'cancel' | 'modify' | 'auth' | 'wait'): StanzaError {
  return new StanzaError(condition, text, { ...(type ? { type } : {}), application: xml(app, { xmlns: PUBSUB_ERRORS_NS, ...attrs }) });
}

/** XEP-0060 §7.1.5: a publish-options precondition that the node's configuration does not meet. */
export const preconditionNotMet = (text: string) => pubsubError('conflict', 'precondition-not-met', text, {}, 'cancel');

/** XEP-0060 §7.1.3 etc.: what this service does not do (`<unsupported feature=…/>`). */
export const unsupported = (feature: string) => pubsubError('feature-not-implemented', 'unsupported', `${feature} is not supported by this PEP service`, { feature }, 'cancel');
