// The node's one HTTP server (design §6) on http.port (5280): HTTPS when a certificate is configured,
// plain HTTP otherwise. BOSH paths go to the BOSH handler, everything else (the public settings
// copy, XEP-0363 uploads and downloads under /files/, the gadget) to the Koa app; the WebSocket
// upgrade is attached to the same server; returns it unbound (node.ts listens).
import http from 'node:http';
import https from 'node:https';
import Koa from 'koa';
import type { Core } from '@deskchat/core';
import { OriginPolicy, attachWebSocket, createBoshEndpoint, frontBoshWire, type BoshService, type BoshWire, type WebSocketEndpoint } from '@deskchat/bosh';
import { createPublicRouter } from '@deskchat/admin';
import { createFilesRouter, expectContinue, FILE_UPLOAD_SERVICE, type UploadService } from '@deskchat/files';
import type { ServerConfig } from './config.js';
import { serveGadgetSpec } from './gadget-spec.js';
import { serveStatic, webAppDir } from './static-files.js';

export interface HttpSurface {
  readonly server: http.Server;
  readonly bosh: BoshService;
  /** Reads plain BOSH requests on the raw socket, in front of node's HTTP server. */
  readonly boshWire: BoshWire;
  readonly websocket: WebSocketEndpoint;
  /** After core's shutdown: answers what BOSH still holds, closes WebSockets, then the server. */
  close(): Promise<void>;
}

export interface HttpSurfaceOptions {
  /** Checks a chat password for downloads under files.downloadRequiresAuth. */
  verifyPassword?: (username: string, password: string, address: string) => Promise<boolean>;
}

export function createHttpSurface(core: Core, config: ServerConfig, tls?: { cert: Buffer; key: Buffer }, options: HttpSurfaceOptions = {}): HttpSurface {
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
  // XEP-0363 uploads and downloads (packages/files), streamed to and from the FileStore.
  const files = createFilesRouter({
    service: () => core.services.get(FILE_UPLOAD_SERVICE) as UploadService | undefined,
    uploadIdleSeconds: config.files.uploadIdleSeconds,
    ...(options.verifyPassword ? { verifyPassword: options.verifyPassword } : {}),
  });
  app.use(files.routes());
  app.use(files.allowedMethods());
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
  // An upload with Expect: 100-continue is checked before its body is asked for.
  expectContinue(server, handler);
  // A held BOSH request lasts up to bosh.maxWait; keep idle keep-alive connections a little longer than a proxy would.
  server.keepAliveTimeout = 65_000;
  // A request must arrive whole within these (a held BOSH request is answered later, which is not
  // limited): slow senders of headers or bodies do not hold descriptors and buffers for minutes.
  server.headersTimeout = 20_000;
  // Node's bound is per server, not per path: an upload of files.maxBytes over a slow link needs
  // files.uploadSeconds (120 s by default) in all. Uploads are also cut after
  // files.uploadIdleSeconds of silence; other bodies stay small (bosh.maxBodyBytes).
  server.requestTimeout = Math.max(30_000, config.files.uploadSeconds * 1000);
  // Plain BOSH requests are read on the raw socket, without node's HTTP objects (a long-polling
  // client keeps two connections for as long as it is signed in); anything else goes to node's
  // HTTP server above (packages/bosh/src/bosh-wire.ts).
  const wire = frontBoshWire(server, bosh, { maxHeadBytes: 16 * 1024, requestTimeoutMs: server.headersTimeout, keepAliveTimeoutMs: server.keepAliveTimeout });
  const websocket = attachWebSocket(server, core, { pingInterval: config.c2s.keepaliveInterval, idleTimeout: config.c2s.idleTimeout }, config.http);
  return {
    server,
    bosh: bosh.service,
    boshWire: wire,
    websocket,
    close: async () => {
      bosh.service.close();
      wire.close();
      await websocket.close();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(timer);
    },
  };
}
