// Test kit for the admin API: the real middleware in a real Koa app on a free loopback port, on
// memory stores, with a fetch wrapper that keeps the session cookie like a browser would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { MemorySettingsStore, memoryAdminStores, type AdminStores } from '@deskchat/core';
import { createAdminApi, type AdminApiOptions } from '../admin-router.js';
import { hashPassword } from '../auth/password-hash.js';
import { renderErrors } from '../http-error.js';

export const TOKEN = 'admin-token-0123456789';
/** A cheap scrypt cost for tests (the format and code path are the real ones). */
export const TEST_COST = { log2N: 10, r: 8, p: 1 };

export interface Served {
  base: string;
  stores: AdminStores;
  settings: MemorySettingsStore;
  close(): void;
}

export async function serve(options: Partial<AdminApiOptions> = {}): Promise<Served> {
  const stores = options.stores ?? memoryAdminStores();
  const settings = (options.settings as MemorySettingsStore | undefined) ?? new MemorySettingsStore();
  const app = new Koa();
  app.silent = true;
  const api = createAdminApi({ token: TOKEN, presenceSources: () => undefined, ...options, stores, settings });
  app.use(renderErrors).use(api.middleware);
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stores, settings, close: () => server.close() };
}

export async function addAdmin(stores: AdminStores, name: string, password: string, at = Date.now()): Promise<void> {
  await stores.admins.createAdmin({ name, passwordHash: await hashPassword(password, TEST_COST), createdAt: at, passwordChangedAt: at });
}

/** A browser-like client: keeps the session cookie, sends the CSRF token it was given. */
export class Browser {
  cookie?: string;
  csrf?: string;
  lastSetCookie?: string;

  constructor(private readonly base: string) {}

  async signIn(name: string, password: string): Promise<Response> {
    const response = await this.fetch('/api/v1/auth/sign-in', { method: 'POST', json: { name, password } });
    if (response.ok) this.csrf = ((await response.clone().json()) as { csrfToken: string }).csrfToken;
    return response;
  }

  async fetch(path: string, init: { method?: string; json?: unknown; headers?: Record<string, string>; csrf?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (init.csrf !== false && this.csrf && init.method && init.method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const response = await fetch(this.base + path, { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    const set = response.headers.get('set-cookie');
    if (set) {
      this.lastSetCookie = set;
      const [pair] = set.split(';');
      this.cookie = pair!.endsWith('=') ? undefined : pair;
    }
    return response;
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
