// The public, read-only copy of the chat server URLs for gadgets, on the HTTP port (5280):
//   GET /api/v1/public/chat-servers  →  exactly {"primary": URL, "secondary": URL|null}
// No secrets, no authentication. CORS for the allowed origins (http.corsOrigins, as BOSH), and
// cacheable: an ETag (the setting's revision) answered with 304 when unchanged.
// With nothing saved yet, the primary is this node's own BOSH URL as the caller reached it and the
// secondary is null, so that a fresh single node works with the gadget it serves.
import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { SettingsStore } from '@deskchat/core';
import { CHAT_SERVERS_KEY, type ChatServers } from './chat-servers.js';

export const PUBLIC_CHAT_SERVERS_PATH = '/api/v1/public/chat-servers';

export interface PublicRouterOptions {
  settings: SettingsStore;
  /** The Access-Control-Allow-Origin value for an Origin (undefined: none needed; false: refused). */
  allowOrigin(origin: string | undefined, host: string | undefined): string | undefined | false;
}

export function createPublicRouter(options: PublicRouterOptions): Router {
  const router = new Router();
  router.options(PUBLIC_CHAT_SERVERS_PATH, (ctx) => {
    const allowed = options.allowOrigin(ctx.get('Origin') || undefined, ctx.get('Host') || undefined);
    ctx.status = 204;
    ctx.vary('Origin');
    if (allowed) {
      ctx.set('Access-Control-Allow-Origin', allowed);
      ctx.set('Access-Control-Allow-Methods', 'GET, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', 'If-None-Match');
      ctx.set('Access-Control-Max-Age', '86400');
    }
  });

  router.get(PUBLIC_CHAT_SERVERS_PATH, async (ctx) => {
    const allowed = options.allowOrigin(ctx.get('Origin') || undefined, ctx.get('Host') || undefined);
    ctx.vary('Origin');
    if (allowed) {
      ctx.set('Access-Control-Allow-Origin', allowed);
      ctx.set('Access-Control-Expose-Headers', 'ETag');
    }
    const stored = await options.settings.get<ChatServers>(CHAT_SERVERS_KEY);
    let body: ChatServers;
    if (stored) {
      body = { primary: stored.value.primary, secondary: stored.value.secondary };
      ctx.etag = `chat-servers-${stored.revision}`;
    } else {
      body = { primary: `${ctx.protocol}://${ctx.host}/http-bind`, secondary: null };
      ctx.vary('Host');
      ctx.etag = `chat-servers-default-${createHash('sha256').update(body.primary!).digest('base64url').slice(0, 16)}`;
    }
    // Revalidate every time (cheap with the ETag): a change must reach the next gadget that loads.
    ctx.set('Cache-Control', 'no-cache');
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = body;
  });
  return router;
}
