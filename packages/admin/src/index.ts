// @deskchat/admin: the admin HTTP API as a router factory. Never listens itself.
export { createAdminRouter, mountAdminApi, type AdminRouterOptions } from './admin-router.js';
export { HttpError, failures, renderErrors } from './http-error.js';
export { DEFAULT_RATE_LIMIT, memoryRateLimiter, type RateLimit } from './rate-limit.js';
