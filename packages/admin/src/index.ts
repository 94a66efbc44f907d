// @deskchat/admin: the admin HTTP API (one middleware for the admin port's app) and the public,
// read-only gadget settings router for the HTTP port. Never listens itself.
export { createAdminApi, type AdminApi, type AdminApiOptions } from './admin-router.js';
export { createPublicRouter, PUBLIC_CHAT_SERVERS_PATH, type PublicRouterOptions } from './public-router.js';
export { HttpError, failures, renderErrors } from './http-error.js';
export { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limit.js';
export { CHAT_SERVERS_KEY, BOSH_PATHS, parseChatServers, type ChatServers } from './chat-servers.js';
export { LOAD_LIMITS_KEY, type LoadLimitControl } from './routes/settings-routes.js';
export type { UserAdminService, PreparedImport, ImportReport } from './routes/user-routes.js';
export type { ReadinessCheck } from './routes/health-routes.js';
export type { ClusterAdminService, ClusterView, ClusterNodeView, ClusterPairView, NodeAssignment, Rebalance } from './routes/cluster-routes.js';
export { hashPassword, verifyPassword, DEFAULT_SCRYPT_COST, type ScryptCost } from './auth/password-hash.js';
export { parseAdminName, parseTokenName, adminPasswordProblem, ADMIN_NAME_RULE } from './auth/admin-names.js';
export { generateApiToken, tokenHash } from './auth/api-token.js';
export { generateInvitationToken, invitationTokenHash, DEFAULT_INVITATION_HOURS } from './routes/invitation-routes.js';
export { SESSION_COOKIE } from './auth/authenticate.js';
export { DEFAULT_SESSION_TIMEOUTS, type SessionTimeouts } from './auth/admin-sessions.js';
export { DEFAULT_SIGN_IN_THROTTLE, type SignInThrottleOptions } from './auth/sign-in-throttle.js';
export type { FilePolicyAdminService } from './routes/file-policy-routes.js';
