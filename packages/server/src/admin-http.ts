// The admin port's Koa app (loopback by default): the admin page, then the admin API with its
// authentication, health, readiness and /metrics. Also the first-start bootstrap: the API token
// and, with no admin account yet, a first `admin` account whose generated password is printed once.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Koa from 'koa';
import { LOAD_LIMITS_KEY, createAdminApi, hashPassword, renderErrors, type ClusterAdminService, type LoadLimitControl, type ReadinessCheck, type UserAdminService } from '@deskchat/admin';
import { parseLoadLimits, type AdminStores, type Core, type LoadLimits, type Logger } from '@deskchat/core';
import { PRESENCE_SOURCES_SERVICE, type PresenceSourceService } from '@deskchat/im';
import { FILE_POLICY_SERVICE, type FilePolicyService } from '@deskchat/files';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ServerConfig } from './config.js';
import type { NodeMetrics } from './metrics/node-metrics.js';
import type { PromMetrics } from './metrics/prom-metrics.js';
import { serveStatic, webAppDir } from './static-files.js';

/**
 * The configured token, or one generated on first start and kept in `<dataDir>/admin-token`
 * (mode 0600) so that integrations keep working across restarts.
 */
export function adminToken(config: ServerConfig, log: Logger): string {
  if (config.admin.token) return config.admin.token;
  const file = path.join(config.dataDir, 'admin-token');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  log.warn({ file }, 'no admin.token configured: generated one and wrote it to this file (shown once here)');
  process.stdout.write(`Admin API token (also in ${file}): ${token}\n`);
  return token;
}

/** design §8: a first admin account, printed once, when there is none (admin.createFirstAdmin). */
export async function createFirstAdmin(config: ServerConfig, stores: AdminStores, log: Logger): Promise<void> {
  if (!config.admin.createFirstAdmin || (await stores.admins.listAdmins()).length > 0) return;
  const password = randomBytes(15).toString('base64url');
  const now = Date.now();
  if (!(await stores.admins.createAdmin({ name: 'admin', passwordHash: await hashPassword(password), createdAt: now, passwordChangedAt: now }))) return;
  await stores.audit.append({ at: now, actor: 'system', action: 'admin.add', target: 'admin', newValue: { name: 'admin', reason: 'first start' } });
  log.warn({ admin: 'admin' }, 'no admin account: created "admin" with a generated password (shown once; change it with `deskchat admin passwd admin`)');
  process.stdout.write(`Admin page sign-in: admin / ${password}\n`);
}

/** Load limits saved from the admin page win over the config file's (they were set later, on purpose). */
export async function applySavedLoadLimits(core: Core, log: Logger): Promise<void> {
  const saved = await core.stores.settings.get(LOAD_LIMITS_KEY);
  if (!saved) return;
  try {
    core.loadLimit.configure(parseLoadLimits(saved.value as Record<string, unknown>));
  } catch (err) {
    log.error({ err: (err as Error).message }, 'ignoring the saved load limits: they no longer validate');
  }
}

export interface AdminServerDeps {
  core: Core;
  config: ServerConfig;
  token: string;
  adminStores: AdminStores;
  users: UserAdminService;
  /** In a cluster: nodes, pairs, users on nodes (absent: those routes answer "not a cluster"). */
  cluster?: ClusterAdminService;
  /** Whether the shared store answers (in a cluster: Redis), for /readyz. */
  isStoreAvailable?: () => boolean;
  /** In a cluster: whether this node reads its bus stream (what other nodes send it), for /readyz. */
  busHealth?: () => ReadinessCheck;
  metrics: PromMetrics;
  nodeMetrics: NodeMetrics;
  log: Logger;
  /** In a cluster: one request-rate count for every node (rate-limiter-flexible on Redis). */
  rateLimiter?: RateLimiterAbstract;
}

export function createAdminServer(deps: AdminServerDeps): http.Server {
  const { core, config, log } = deps;
  const app = new Koa();
  app.proxy = false;
  app.on('error', (err: Error) => log.error({ err }, 'admin API failure'));
  const loadLimit: LoadLimitControl = {
    current: () => core.loadLimit.current,
    apply: (limits: LoadLimits) => core.loadLimit.configure(limits),
    status: () => ({ sessions: core.sessions.size, isRefusing: core.loadLimit.isAtLimit(core.sessions.size), refusals: core.loadLimit.refusals }),
  };
  const api = createAdminApi({
    token: deps.token,
    stores: deps.adminStores,
    settings: core.stores.settings,
    presenceSources: () => core.services.get(PRESENCE_SOURCES_SERVICE) as PresenceSourceService | undefined,
    users: () => deps.users,
    cluster: () => deps.cluster,
    loadLimit,
    filePolicy: () => core.services.get(FILE_POLICY_SERVICE) as FilePolicyService | undefined,
    allowInsecureChatUrls: config.admin.allowInsecureChatUrls,
    metricsPublic: config.admin.metricsPublic,
    sessionTimeouts: { idleMs: config.admin.sessionIdleMinutes * 60_000, absoluteMs: 12 * 3_600_000 },
    metrics: () => deps.metrics.scrape(),
    status: () => deps.nodeMetrics.status(),
    readiness: () => readiness(core, deps.cluster ? { isRedisAvailable: deps.isStoreAvailable, busHealth: deps.busHealth } : {}),
    ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
    onSignIn: (result) => deps.nodeMetrics.adminSignIn(result),
  });
  // The admin page (packages/web), when it was built; its API calls carry the session cookie and CSRF header.
  const page = webAppDir('admin');
  if (page) app.use(serveStatic(page, { mount: '/', headers: { 'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'", 'X-Frame-Options': 'DENY' } }));
  app.use(renderErrors).use(api.middleware);
  return http.createServer(app.callback());
}

/** /readyz: storage answers, and the node is under its load limit (with the cluster: Redis reachable, its bus read). */
async function readiness(core: Core, cluster: { isRedisAvailable?: () => boolean; busHealth?: () => ReadinessCheck }): Promise<Record<string, ReadinessCheck>> {
  const { isRedisAvailable, busHealth } = cluster;
  let storage: ReadinessCheck;
  try {
    await core.stores.accounts.countAccounts();
    storage = { ok: true };
  } catch (err) {
    storage = { ok: false, detail: (err as Error).message };
  }
  const isRefusing = core.loadLimit.isAtLimit(core.sessions.size);
  const { maxSessionsPerNode } = core.loadLimit.current;
  return {
    storage,
    // In a cluster the connection's own view (health PINGs, failed calls): false from the moment
    // Redis is seen gone or hung, before a store call here would notice.
    ...(isRedisAvailable ? { redis: isRedisAvailable() ? { ok: true } : { ok: false, detail: 'Redis is unreachable: the cluster\'s shared state and stores are unavailable' } } : {}),
    // Its bus reader stuck or taken over: stanzas other nodes send here wait unread.
    ...(busHealth ? { bus: busHealth() } : {}),
    // Fenced (cut off from the cluster, or declared dead): not serving until it is back.
    serving: core.isServing ? { ok: true } : { ok: false, detail: 'fenced: this node is out of the cluster until its store answers again' },
    loadLimit: isRefusing ? { ok: false, detail: `${core.sessions.size} sessions: at limits.maxSessionsPerNode (${maxSessionsPerNode}), refusing sign-ins` } : { ok: true },
  };
}
