// Namespaces and feature names of the message-delivery XEPs implemented in this folder:
// XEP-0280 (carbons), XEP-0297 (forwarding), XEP-0203 (delay), XEP-0085 (chat states),
// XEP-0334 (hints), XEP-0359 (stanza ids), XEP-0160 (offline feature name).
export const MESSAGING_NS = {
  CARBONS: 'urn:xmpp:carbons:2',
  FORWARD: 'urn:xmpp:forward:0',
  DELAY: 'urn:xmpp:delay',
  CHATSTATES: 'http://jabber.org/protocol/chatstates',
  HINTS: 'urn:xmpp:hints',
  STANZA_ID: 'urn:xmpp:sid:0',
  /** XEP-0160 §4: the disco feature of a server that stores offline messages. */
  MSGOFFLINE: 'msgoffline',
} as const;
