// @deskchat/bosh: XMPP over BOSH (XEP-0124, XEP-0206) and over WebSocket (RFC 7395) behind core's
// Session port. Exports a request handler and an upgrade handler for the node's one HTTP server; never listens.
export { createBoshEndpoint, contentTypeProblem, isBoshTarget, type BoshEndpoint, type WireRequest } from './bosh-http.js';
export { frontBoshWire, parseHead, type BoshWire, type BoshWireOptions } from './bosh-wire.js';
export type { BoshResponse } from './bosh-response.js';
export { clientAddress, isSecureRequest } from './client-address.js';
export { BoshService, type BoshServiceInit, type BoshHttpRequest } from './bosh-service.js';
export { BoshSession } from './bosh-session.js';
export type { BoshSessionParams } from './session-params.js';
export { MemoryBoshSessionStore, type BoshSessionStore } from './session-store.js';
export { RidWindow, type RidVerdict, type CachedResponse } from './rid-window.js';
export { KeySequence } from './key-sequence.js';
export { TERMINAL_CONDITIONS, BoshError, terminateStatus, type TerminalCondition } from './conditions.js';
export { OriginPolicy, type OriginDecision } from './cors.js';
export { attachWebSocket, type WebSocketEndpoint } from './websocket-endpoint.js';
export { WebSocketTransport } from './websocket-transport.js';
export { redirectSession } from './redirect.js';
export { BOSH_PATHS, WEBSOCKET_PATH, HTTPBIND_NS, XBOSH_NS, FRAMING_NS } from './constants.js';
export {
  DEFAULT_BOSH_OPTIONS,
  DEFAULT_HTTP_OPTIONS,
  DEFAULT_WEBSOCKET_OPTIONS,
  parseBoshOptions,
  parseHttpOptions,
  type BoshOptions,
  type HttpOptions,
  type WebSocketOptions,
} from './options.js';
