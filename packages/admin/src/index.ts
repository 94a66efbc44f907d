// @deskchat/admin: the admin HTTP API as a router factory. Never listens itself.
export { createAdminRouter, type AdminRouterOptions } from './admin-router.js';
export { HttpError, failures, renderErrors } from './http-error.js';
export { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limit.js';
export { filePolicyRoutes, type FilePolicyAdminService } from './file-policy-routes.js';
