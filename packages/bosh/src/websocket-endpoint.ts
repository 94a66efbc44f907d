// The RFC 7395 endpoint on the node's HTTP server: the upgrade on /xmpp-websocket with the `xmpp`
// sub-protocol (§3.1), the same origin policy as BOSH, and one shared timer for pings and idle
// connections. `server` attaches it; this package never listens.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Core } from '@deskchat/core';
import { clientAddress, isSecureRequest } from './client-address.js';
import { WEBSOCKET_PATH } from './constants.js';
import { OriginPolicy } from './cors.js';
import type { HttpOptions, WebSocketOptions } from './options.js';
import { WebSocketTransport } from './websocket-transport.js';

export interface WebSocketEndpoint {
  readonly transports: ReadonlySet<WebSocketTransport>;
  /** After core's shutdown closed every stream: gives the close frames a moment, then cuts what is left. */
  close(): Promise<void>;
}

export function attachWebSocket(server: Server, core: Core, options: WebSocketOptions, http: HttpOptions): WebSocketEndpoint {
  const transports = new Set<WebSocketTransport>();
  const origins = new OriginPolicy(http.corsOrigins);
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // Twice the stanza limit: anything between gets a clear policy-violation from the XML parser.
    maxPayload: core.options.xml.maxStanzaBytes * 2,
    handleProtocols: (protocols) => (protocols.has('xmpp') ? 'xmpp' : false),
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      upgrade(req, socket, head);
    } catch (err) {
      core.log.error({ err }, 'WebSocket upgrade failed');
      socket.destroy();
    }
  });

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WEBSOCKET_PATH) return reject(socket, 404, 'Not Found', `no WebSocket endpoint at ${path}; use ${WEBSOCKET_PATH}`);
    if (origins.decide(req.headers.origin, req.headers.host) === false) return reject(socket, 403, 'Forbidden', 'origin not allowed (http.corsOrigins)');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes('xmpp')) return reject(socket, 400, 'Bad Request', "Sec-WebSocket-Protocol must offer 'xmpp' (RFC 7395 §3.1)");
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A failure while accepting one connection ends that connection, never the process (issue #7 §1).
      try {
        const transport = new WebSocketTransport(core, ws, clientAddress(req, http.trustProxy), isSecureRequest(req, http.trustProxy));
        transports.add(transport);
        ws.once('close', () => transports.delete(transport));
      } catch (err) {
        core.log.error({ err }, 'could not accept a WebSocket connection');
        ws.terminate();
      }
    });
  };

  const period = Math.min(options.pingInterval, options.idleTimeout) * 1000;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const transport of transports) transport.tick(now, options);
  }, period);
  timer.unref();

  return {
    transports,
    close: async () => {
      clearInterval(timer);
      if (transports.size > 0) await new Promise((resolve) => setTimeout(resolve, 300));
      for (const transport of transports) transport.ws.terminate();
      wss.close();
    },
  };
}

function reject(socket: Duplex, status: number, reason: string, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}
