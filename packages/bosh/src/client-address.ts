// Who is on the other end of an HTTP request (BOSH and WebSocket alike). Behind a trusted reverse
// proxy (`http.trustProxy`) the client is the address the proxy saw (the last X-Forwarded-For
// entry, one hop) and the scheme the one it was reached with (X-Forwarded-Proto).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').pop()?.trim() : undefined;
  return forwarded || req.socket.remoteAddress || 'unknown';
}

export function isSecureRequest(req: IncomingMessage, trustProxy: boolean): boolean {
  const proto = trustProxy ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() : '';
  return proto ? proto === 'https' : (req.socket as TLSSocket).encrypted === true;
}
