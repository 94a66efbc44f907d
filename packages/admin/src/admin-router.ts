// The admin API (design §6) mounted on the admin port's Koa app, which `server` creates and binds
// to loopback by default. Order matters (issue #7 §4): errors are rendered as JSON around
// everything; the rate limit comes first; `/health` is the one unauthenticated endpoint; every
// other request needs the bearer token *before routing*, so that without it unknown paths and
// wrong methods get the same 401 as known ones and the API cannot be mapped from outside.
import Router from '@koa/router';
import type Koa from 'koa';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { PresenceSourceService } from '@deskchat/im';
import { bearerAuth } from './bearer-auth.js';
import { failures, renderErrors } from './http-error.js';
import { presenceRoutes } from './presence-routes.js';
import { DEFAULT_RATE_LIMIT, memoryRateLimiter, rateLimit, type RateLimit } from './rate-limit.js';

export interface AdminRouterOptions {
  /** The bearer token integrations and administrators present. */
  token: string | undefined;
  presenceSources: () => PresenceSourceService | undefined;
  /** Requests per second (and burst) per client address… */
  rateLimit?: RateLimit;
  /** …or a limiter of one's own (RateLimiterRedis in a cluster). */
  limiter?: RateLimiterAbstract;
}

/** The authenticated routes under /api. */
export function createAdminRouter(options: AdminRouterOptions): Router {
  const router = new Router();
  presenceRoutes(router, options.presenceSources);
  return router;
}

/** Mounts the whole admin API on `app`: errors, rate limit, `/health`, authorization, routes. */
export function mountAdminApi(app: Koa, options: AdminRouterOptions): void {
  const router = createAdminRouter(options);
  app.use(renderErrors);
  app.use(rateLimit(options.limiter ?? memoryRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT)));
  // Liveness for load balancers and monitoring: no token, no details.
  app.use(async (ctx, next) => {
    if (ctx.path !== '/health') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw failures.methodNotAllowed('GET');
    ctx.body = { status: 'ok' };
  });
  app.use(bearerAuth(options.token));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true, methodNotAllowed: () => failures.methodNotAllowed(), notImplemented: () => failures.methodNotAllowed() }));
}
