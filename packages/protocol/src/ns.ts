// XML namespaces of the protocols DeskChat speaks (RFC 6120, RFC 6121 and the XEPs in docs/).
export const NS = {
  CLIENT: 'jabber:client',
  SERVER: 'jabber:server',
  STREAM: 'http://etherx.jabber.org/streams',
  STREAM_ERRORS: 'urn:ietf:params:xml:ns:xmpp-streams',
  STANZA_ERRORS: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  TLS: 'urn:ietf:params:xml:ns:xmpp-tls',
  SASL: 'urn:ietf:params:xml:ns:xmpp-sasl',
  BIND: 'urn:ietf:params:xml:ns:xmpp-bind',
  SESSION: 'urn:ietf:params:xml:ns:xmpp-session',
  ROSTER: 'jabber:iq:roster',
  DISCO_INFO: 'http://jabber.org/protocol/disco#info',
  DISCO_ITEMS: 'http://jabber.org/protocol/disco#items',
  PING: 'urn:xmpp:ping',
  /** XEP-0203 delayed delivery. */
  DELAY: 'urn:xmpp:delay',
  VERSION: 'jabber:iq:version',
  /** XEP-0198 stream management (acks and resumption). */
  SM: 'urn:xmpp:sm:3',
  /** DeskChat's own stream feature naming a user's home and backup nodes (design.md §5). */
  HOME_NODE: 'urn:deskchat:home-node:0',
} as const;

export type Namespace = (typeof NS)[keyof typeof NS];
