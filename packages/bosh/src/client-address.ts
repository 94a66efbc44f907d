// Who is on the other end of an HTTP request (BOSH and WebSocket alike). Behind a trusted reverse
// proxy (`http.trustProxy`) the client is the address the proxy saw (the last X-Forwarded-For
// entry, one hop) and the scheme the one it was reached with (X-Forwarded-Proto).
import type { IncomingHttpHeaders } from 'node:http';

/** What these read of a request: node's IncomingMessage, or the BOSH wire's parsed request. */
export interface RequestLike {
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string; encrypted?: boolean };
}

export function clientAddress(req: RequestLike, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').pop()?.trim() : undefined;
  return forwarded || req.socket.remoteAddress || 'unknown';
}

export function isSecureRequest(req: RequestLike, trustProxy: boolean): boolean {
  const proto = trustProxy ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() : '';
  return proto ? proto === 'https' : req.socket.encrypted === true;
}
