// Namespaces of XEP-0045 (Multi-User Chat), XEP-0410 (MUC self-ping), XEP-0421 (occupant ids),
// XEP-0249 (direct invitations), XEP-0004 (data forms) and XEP-0203 (delayed delivery).
export const MUC = {
  BASE: 'http://jabber.org/protocol/muc',
  USER: 'http://jabber.org/protocol/muc#user',
  ADMIN: 'http://jabber.org/protocol/muc#admin',
  OWNER: 'http://jabber.org/protocol/muc#owner',
  ROOMCONFIG: 'http://jabber.org/protocol/muc#roomconfig',
  ROOMINFO: 'http://jabber.org/protocol/muc#roominfo',
  REQUEST: 'http://jabber.org/protocol/muc#request',
  SELF_PING: 'http://jabber.org/protocol/muc#self-ping-optimization',
  OCCUPANT_ID: 'urn:xmpp:occupant-id:0',
  DIRECT_INVITE: 'jabber:x:conference',
  DATA: 'jabber:x:data',
  DELAY: 'urn:xmpp:delay',
  PING: 'urn:xmpp:ping',
  DISCO_INFO: 'http://jabber.org/protocol/disco#info',
  DISCO_ITEMS: 'http://jabber.org/protocol/disco#items',
  STANZAS: 'urn:ietf:params:xml:ns:xmpp-stanzas',
} as const;

/** XEP-0045 §15.6.2 (Registrar): the status codes this service sends. */
export const STATUS = {
  /** Any occupant may see real JIDs (non-anonymous room). */
  NON_ANONYMOUS: '100',
  /** A configuration change that is not about privacy. */
  CONFIG_CHANGED: '104',
  /** This presence is about you. */
  SELF: '110',
  NOW_NON_ANONYMOUS: '172',
  NOW_SEMI_ANONYMOUS: '173',
  ROOM_CREATED: '201',
  /** The service changed (normalised) the nick. */
  NICK_MODIFIED: '210',
  BANNED: '301',
  NEW_NICK: '303',
  KICKED: '307',
  AFFILIATION_CHANGED: '321',
  MEMBERS_ONLY: '322',
  SHUTDOWN: '332',
} as const;
