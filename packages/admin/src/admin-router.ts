// The admin API as one Koa middleware that `server` mounts on the admin port's app (bound to
// loopback by default), after `renderErrors`. Order matters: the request-rate limit, then
// authentication for every path (401 before routing, so unknown and known paths look alike to a
// caller without credentials), then the routes.
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { AdminStores, SettingsStore } from '@deskchat/core';
import type { PresenceSourceService } from '@deskchat/im';
import { AdminSessions, DEFAULT_SESSION_TIMEOUTS, type SessionTimeouts } from './auth/admin-sessions.js';
import { authRoutes } from './auth/auth-routes.js';
import { authenticate } from './auth/authenticate.js';
import { DEFAULT_SIGN_IN_THROTTLE, SignInThrottle, type SignInThrottleOptions } from './auth/sign-in-throttle.js';
import { presenceRoutes } from './presence-routes.js';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { DEFAULT_RATE_LIMIT, memoryRateLimiter, rateLimit, type RateLimit } from './rate-limit.js';
import { adminRoutes } from './routes/admin-routes.js';
import { invitationRoutes } from './routes/invitation-routes.js';
import { filePolicyRoutes, type FilePolicyAdminService } from './routes/file-policy-routes.js';
import { clusterRoutes, type ClusterAdminService } from './routes/cluster-routes.js';
import { healthRoutes, type HealthOptions } from './routes/health-routes.js';
import { settingsRoutes, type LoadLimitControl } from './routes/settings-routes.js';
import { userRoutes, type UserAdminService } from './routes/user-routes.js';

export interface AdminApiOptions extends HealthOptions {
  /** The bootstrap bearer token (admin.token / DESKCHAT_ADMIN_TOKEN / generated): full access, audited as `token:bootstrap`. */
  token: string | undefined;
  stores: AdminStores;
  settings: SettingsStore;
  presenceSources: () => PresenceSourceService | undefined;
  users?: () => UserAdminService | undefined;
  /** Nodes, pairs and users on nodes; undefined on a single node (those routes answer 404 "not a cluster"). */
  cluster?: () => ClusterAdminService | undefined;
  loadLimit?: LoadLimitControl;
  /** The file-transfer policy (GET/PUT/DELETE /api/v1/settings/files). */
  filePolicy?: () => FilePolicyAdminService | undefined;
  /** admin.allowInsecureChatUrls: accept http:// chat server URLs (development only). */
  allowInsecureChatUrls?: boolean;
  /** admin.metricsPublic: /metrics without credentials. */
  metricsPublic?: boolean;
  sessionTimeouts?: SessionTimeouts;
  signInThrottle?: SignInThrottleOptions;
  /** Requests per second (and burst) per client address, counted in memory… */
  rateLimit?: RateLimit;
  /** …or by this limiter (a RateLimiterRedis in a cluster: one count for every node). */
  rateLimiter?: RateLimiterAbstract;
  now?: () => number;
  /** Sign-ins to the page by result (metrics). */
  onSignIn?: (result: 'ok' | 'failed' | 'throttled') => void;
}

export interface AdminApi {
  middleware: Middleware;
  /** Failed sign-ins refused while throttled (a metric). */
  readonly throttle: SignInThrottle;
}

const OPEN_PATHS = new Set(['/healthz', '/health', '/readyz']);

export function createAdminApi(options: AdminApiOptions): AdminApi {
  const now = options.now ?? Date.now;
  const timeouts = options.sessionTimeouts ?? DEFAULT_SESSION_TIMEOUTS;
  const sessions = new AdminSessions(timeouts, now);
  const throttle = new SignInThrottle(options.signInThrottle ?? DEFAULT_SIGN_IN_THROTTLE);
  const isPublic = (ctx: Context) =>
    OPEN_PATHS.has(ctx.path) || (ctx.path === '/api/v1/auth/sign-in' && ctx.method === 'POST') || (ctx.path === '/metrics' && !!options.metricsPublic);

  const router = new Router();
  healthRoutes(router, options);
  authRoutes(router, { stores: options.stores, sessions, throttle, idleSeconds: Math.round(timeouts.idleMs / 1000), onSignIn: options.onSignIn });
  settingsRoutes(router, { settings: options.settings, audit: options.stores.audit, allowInsecureChatUrls: !!options.allowInsecureChatUrls, loadLimit: options.loadLimit });
  userRoutes(router, options.users ?? (() => undefined), options.stores.audit);
  clusterRoutes(router, options.cluster ?? (() => undefined), options.stores.audit);
  adminRoutes(router, options.stores, now);
  invitationRoutes(router, options.stores, now);
  presenceRoutes(router, options.presenceSources);
  filePolicyRoutes(router, options.filePolicy ?? (() => undefined), options.stores.audit);

  const limiter = options.rateLimiter ?? memoryRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const chain: Middleware[] = [rateLimit(limiter), authenticate({ bootstrapToken: options.token, stores: options.stores, sessions, isPublic }), router.routes() as Middleware, router.allowedMethods() as Middleware];
  return { middleware: compose(chain), throttle };
}

/** Runs middleware in order, each `next` calling the following one (koa-compose, minus its checks). */
function compose(chain: Middleware[]): Middleware {
  return (ctx: Context, next: Next) => {
    const run = (i: number): Promise<void> => (i === chain.length ? next() : Promise.resolve(chain[i]!(ctx, () => run(i + 1))));
    return run(0);
  };
}
