// The admin API as a router factory: `server` mounts it on the admin port's Koa app
// (bound to loopback by default), after `renderErrors` (which must wrap the whole app so that
// unknown paths get a JSON 404 too). Every /api route needs the bearer token.
import Router from '@koa/router';
import type { PresenceSourceService } from '@deskchat/im';
import { bearerAuth } from './bearer-auth.js';
import { filePolicyRoutes, type FilePolicyAdminService } from './file-policy-routes.js';
import { presenceRoutes } from './presence-routes.js';
import { DEFAULT_RATE_LIMIT, rateLimit, type RateLimit } from './rate-limit.js';

export interface AdminRouterOptions {
  /** The bearer token integrations and administrators present. */
  token: string | undefined;
  presenceSources: () => PresenceSourceService | undefined;
  /** The file-transfer policy (GET/PUT/DELETE /api/v1/settings/files). */
  filePolicy?: () => FilePolicyAdminService | undefined;
  /** Requests per second (and burst) per client address. */
  rateLimit?: RateLimit;
  now?: () => number;
}

export function createAdminRouter(options: AdminRouterOptions): Router {
  const router = new Router();
  router.use(rateLimit(options.rateLimit ?? DEFAULT_RATE_LIMIT, options.now));
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.use('/api', bearerAuth(options.token));
  presenceRoutes(router, options.presenceSources);
  filePolicyRoutes(router, options.filePolicy ?? (() => undefined));
  return router;
}
