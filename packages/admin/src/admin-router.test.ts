// The admin API in a real Koa app on a free loopback port: authorization before routing (issue #7
// §4), JSON errors, the request-rate limit (rate-limiter-flexible), unknown endpoints and methods.
import { describe, it, expect, afterEach } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { PresenceSourceService } from '@deskchat/im';
import { mountAdminApi, type AdminRouterOptions } from './admin-router.js';

const TOKEN = 'admin-token-0123456789';
const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

const fakeService: PresenceSourceService = {
  setSource: async (username) => username === 'alice',
  report: async (username) => (username === 'alice' ? { username, composed: { isAvailable: false, show: 'xa', reason: 'offline' }, sources: { resources: [] } } : undefined),
};

async function serve(options: Partial<AdminRouterOptions> = {}): Promise<string> {
  const app = new Koa();
  mountAdminApi(app, { token: TOKEN, presenceSources: () => fakeService, ...options });
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

  it('answers 401 before routing: without a token, unknown paths and wrong methods look like known ones (issue #7 §4)', async () => {
    const base = await serve();
    for (const [method, path] of [['GET', '/api/v1/nothing'], ['GET', '/anything'], ['DELETE', '/api/v1/users/alice/presence'], ['GET', '/api/v1/users/alice/presence']]) {
      const response = await fetch(`${base}${path}`, { method });
      expect([method, path, response.status]).toEqual([method, path, 401]);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toMatchObject({ error: 'unauthorized' });
    }
  });

  it("names an offline user's presence unavailable, not xa (RFC 6121 §4.7.1, issue #7 §6)", async () => {
    const base = await serve();
    const report = (await (await fetch(`${base}/api/v1/users/alice/presence`, { headers: auth })).json()) as { composed: { show: string; isAvailable: boolean } };
    expect(report.composed).toMatchObject({ isAvailable: false, show: 'unavailable' });
  });

  it('answers a wrong method with a JSON 405 once authorized', async () => {
    const base = await serve();
    const response = await fetch(`${base}/api/v1/users/alice/presence`, { method: 'DELETE', headers: auth });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ error: 'method-not-allowed' });
  });

  it('answers 429 with Retry-After past the request-rate limit (rate-limiter-flexible), before anything else', async () => {
    const base = await serve({ rateLimit: { perSecond: 1, burst: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}/api/v1/users/alice/presence`, { headers: auth })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetch(`${base}/health`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ error: 'too-many-requests' });
  });
});
