// Namespaces and fixed values of XEP-0124 (BOSH), XEP-0206 (XMPP over BOSH) and RFC 7395 (XMPP
// over WebSocket), which protocol's NS table does not carry because only this package speaks them.

export const HTTPBIND_NS = 'http://jabber.org/protocol/httpbind';
export const XBOSH_NS = 'urn:xmpp:xbosh';
export const FRAMING_NS = 'urn:ietf:params:xml:ns:xmpp-framing';
/** DeskChat's own namespace for the human-readable reason in a terminate body (XEP-0124 schema allows `##other`). */
export const BOSH_TEXT_NS = 'urn:deskchat:bosh:0';

/** XEP-0124 §7.1: the paths clients are configured with (`/httpbinding` is the IM&P path). */
export const BOSH_PATHS = ['/http-bind', '/httpbinding'] as const;
/** RFC 7395 endpoint on the same HTTP server. */
export const WEBSOCKET_PATH = '/xmpp-websocket';

/** The highest BOSH version this connection manager implements (XEP-0124 1.11). */
export const BOSH_VERSION: readonly [number, number] = [1, 11];
/** XEP-0124 §14.1: rids are integers below 2^53. */
export const MAX_RID = Number.MAX_SAFE_INTEGER;
/** XEP-0124 §9.2: an unacknowledged response older than this is reported to the client. */
export const REPORT_AFTER_MS = 2000;
export const DEFAULT_CONTENT_TYPE = 'text/xml; charset=utf-8';
