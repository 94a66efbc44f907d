// The node's one HTTP server (design §6) on http.port (5280): HTTPS when a certificate is configured,
// plain HTTP otherwise. BOSH paths go to the BOSH handler, everything else (the public settings
// copy, the gadget) to the Koa app; the WebSocket upgrade is attached to the same server; returns
// it unbound (node.ts listens).
import http from 'node:http';
import https from 'node:https';
import Koa from 'koa';
import type { Core } from '@deskchat/core';
import { OriginPolicy, attachWebSocket, createBoshEndpoint, type BoshService, type WebSocketEndpoint } from '@deskchat/bosh';
import { createPublicRouter } from '@deskchat/admin';
import type { ServerConfig } from './config.js';
import { serveGadgetSpec } from './gadget-spec.js';
import { serveStatic, webAppDir } from './static-files.js';

export interface HttpSurface {
  readonly server: http.Server;
  readonly bosh: BoshService;
  readonly websocket: WebSocketEndpoint;
  /** After core's shutdown: answers what BOSH still holds, closes WebSockets, then the server. */
  close(): Promise<void>;
}

export function createHttpSurface(core: Core, config: ServerConfig, tls?: { cert: Buffer; key: Buffer }): HttpSurface {
  const app = new Koa();
  // Behind a reverse proxy the client's address and scheme come from X-Forwarded-* (one hop).
  app.proxy = config.http.trustProxy;
  app.maxIpsCount = 1;
  app.silent = true;
  app.on('error', (err: Error) => core.log.warn({ err: err.message }, 'HTTP request failed'));
  const bosh = createBoshEndpoint(core, config.bosh, config.http);
  // The gadget's discovery settings (public, read-only; CORS as for BOSH).
  const origins = new OriginPolicy(config.http.corsOrigins);
  const publicRouter = createPublicRouter({ settings: core.stores.settings, allowOrigin: (origin, host) => origins.decide(origin, host) });
  app.use(publicRouter.routes());
  // The desktop-chat gadget (packages/web), when it was built.
  const chat = webAppDir('chat');
  const gadgetSpec = chat ? serveGadgetSpec(chat) : undefined;
  if (gadgetSpec) app.use(gadgetSpec);
  if (chat) app.use(serveStatic(chat, { mount: '/chat/' }));
  else core.log.warn({}, 'the desktop-chat gadget is not built (npm run build): /chat/ is not served');
  // BOSH is served by its own lean handler (no Koa context per held request, issue #7 §8); Koa gets the rest.
  const koa = app.callback();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!bosh.handle(req, res)) void koa(req, res);
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) : http.createServer(handler);
  // A held BOSH request lasts up to bosh.maxWait; keep idle keep-alive connections a little longer than a proxy would.
  server.keepAliveTimeout = 65_000;
  // A request must arrive whole within these (a held BOSH request is answered later, which is not
  // limited): slow senders of headers or bodies do not hold descriptors and buffers for minutes.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  const websocket = attachWebSocket(server, core, { pingInterval: config.c2s.keepaliveInterval, idleTimeout: config.c2s.idleTimeout }, config.http);
  return {
    server,
    bosh: bosh.service,
    websocket,
    close: async () => {
      bosh.service.close();
      await websocket.close();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(timer);
    },
  };
}
