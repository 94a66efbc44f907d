// The admin port's Koa app (loopback by default): the admin router plus the token it checks.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Koa from 'koa';
import { mountAdminApi } from '@deskchat/admin';
import type { Core, Logger } from '@deskchat/core';
import { PRESENCE_SOURCES_SERVICE, type PresenceSourceService } from '@deskchat/im';
import type { ServerConfig } from './config.js';

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
  mountAdminApi(app, { token, presenceSources: () => core.services.get(PRESENCE_SOURCES_SERVICE) as PresenceSourceService | undefined });
  return http.createServer(app.callback());
}
