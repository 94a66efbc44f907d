// Sends a BOSH or WebSocket client to another node (design §5 clustering): XEP-0124 §17.2
// see-other-uri with its <uri/>, or RFC 7395 §3.6.1 <close see-other-uri=…/>.
import type { Session } from '@deskchat/core';
import { BoshSession } from './bosh-session.js';
import { WebSocketTransport } from './websocket-transport.js';

/** Ends the session with a pointer to `uri`; false for a transport that has no such signal (TCP uses see-other-host). */
export function redirectSession(session: Session, uri: string): boolean {
  const transport = session.transport;
  if (transport instanceof BoshSession || transport instanceof WebSocketTransport) {
    transport.seeOtherUri(uri);
    return true;
  }
  return false;
}
