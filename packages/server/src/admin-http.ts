// The admin port's Koa app (loopback by default): the admin router plus the token it checks.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Koa from 'koa';
import { createAdminRouter, renderErrors } from '@deskchat/admin';
import type { Core, Logger } from '@deskchat/core';
import { PRESENCE_SOURCES_SERVICE, type PresenceSourceService } from '@deskchat/im';
import { FILE_POLICY_SERVICE, type FilePolicyService } from '@deskchat/files';
import type { ServerConfig } from './config.js';
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

export function createAdminServer(core: Core, token: string, log: Logger): http.Server {
  const app = new Koa();
  app.proxy = false;
  app.on('error', (err: Error) => log.error({ err }, 'admin API failure'));
  const router = createAdminRouter({
    token,
    presenceSources: () => core.services.get(PRESENCE_SOURCES_SERVICE) as PresenceSourceService | undefined,
    filePolicy: () => core.services.get(FILE_POLICY_SERVICE) as FilePolicyService | undefined,
  });
  // The admin page (packages/web), when it was built; its API calls carry their own authorization.
  const page = webAppDir('admin');
  if (page) app.use(serveStatic(page, { mount: '/', headers: { 'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'", 'X-Frame-Options': 'DENY' } }));
  app.use(renderErrors).use(router.routes()).use(router.allowedMethods());
  return http.createServer(app.callback());
}
