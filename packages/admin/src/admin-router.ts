// The admin API as a router factory: `server` mounts it on the admin port's Koa app
// (bound to loopback by default). Every route needs the bearer token.
import Router from '@koa/router';
import type { PresenceSourceService } from '@deskchat/im';
import { bearerAuth } from './bearer-auth.js';
import { renderErrors } from './http-error.js';
import { presenceRoutes } from './presence-routes.js';

export interface AdminRouterOptions {
  /** The bearer token integrations and administrators present. */
  token: string | undefined;
  presenceSources: () => PresenceSourceService | undefined;
}

export function createAdminRouter(options: AdminRouterOptions): Router {
  const router = new Router();
  router.use(renderErrors);
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.use('/api', bearerAuth(options.token));
  presenceRoutes(router, options.presenceSources);
  return router;
}
