// The admin router in a real Koa app on a free loopback port: authorization, JSON errors, the
// request-rate limit, and unknown endpoints.
import { describe, it, expect, afterEach } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { PresenceSourceService } from '@deskchat/im';
import { createAdminRouter, type AdminRouterOptions } from './admin-router.js';
import { renderErrors } from './http-error.js';

const TOKEN = 'admin-token-0123456789';
const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

const fakeService: PresenceSourceService = {
  setSource: async (username) => username === 'alice',
  report: async (username) => (username === 'alice' ? { username, composed: { isAvailable: false, show: 'xa', reason: 'offline' }, sources: { resources: [] } } : undefined),
};

async function serve(options: Partial<AdminRouterOptions> = {}): Promise<string> {
  const app = new Koa();
  const router = createAdminRouter({ token: TOKEN, presenceSources: () => fakeService, ...options });
  app.use(renderErrors).use(router.routes()).use(router.allowedMethods());
  const server = http.createServer(app.callback());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const auth = { authorization: `Bearer ${TOKEN}` };

describe('admin router', () => {
  it('answers health without a token and the API only with one', async () => {
    const base = await serve();
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/users/alice/presence`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/users/alice/presence`, { headers: auth })).status).toBe(200);
  });

  it('refuses everything with 503 and a reason when no token is configured', async () => {
    const base = await serve({ token: undefined });
    const response = await fetch(`${base}/api/v1/users/alice/presence`, { headers: auth });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'not-configured' });
  });

  it('answers an unknown endpoint with a JSON 404', async () => {
    const base = await serve();
    const response = await fetch(`${base}/api/v1/nothing`, { headers: auth });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not-found', reason: expect.stringContaining('/api/v1/nothing') });
  });

  it('answers 429 with Retry-After past the request-rate limit, and serves again after refill', async () => {
    let now = 0;
    const base = await serve({ rateLimit: { perSecond: 1, burst: 3 }, now: () => now });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}/api/v1/users/alice/presence`, { headers: auth })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetch(`${base}/api/v1/users/alice/presence`, { headers: auth });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ error: 'too-many-requests' });
    now += 1000;
    expect((await fetch(`${base}/api/v1/users/alice/presence`, { headers: auth })).status).toBe(200);
  });
});
