// The gadgets' public, read-only copy of the chat server URLs (HTTP port): exactly
// {primary, secondary}, this node's own BOSH URL while nothing is saved, ETag revalidation, CORS.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import Koa from 'koa';
import { MemorySettingsStore } from '@deskchat/core';
import { createPublicRouter } from './public-router.js';

const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function serve(settings: MemorySettingsStore): Promise<string> {
  const app = new Koa();
  const router = createPublicRouter({ settings, allowOrigin: (origin) => (origin === 'https://finesse.example.com' ? origin : origin === undefined ? undefined : false) });
  app.use(router.routes());
  const server = http.createServer(app.callback());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const URLS = { primary: 'https://imp1.example.com/http-bind', secondary: 'https://imp2.example.com/http-bind' };

describe('GET /api/v1/public/chat-servers', () => {
  it("answers this node's own BOSH URL and a null secondary while nothing is saved", async () => {
    const base = await serve(new MemorySettingsStore());
    const response = await fetch(`${base}/api/v1/public/chat-servers`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ primary: `${base}/http-bind`, secondary: null });
  });

  it('answers exactly the saved primary and secondary, nothing else (no who/when)', async () => {
    const settings = new MemorySettingsStore();
    await settings.set('chat-servers', URLS, 'admin:root');
    const base = await serve(settings);
    const text = await (await fetch(`${base}/api/v1/public/chat-servers`)).text();
    expect(JSON.parse(text)).toEqual(URLS);
    expect(Object.keys(JSON.parse(text))).toEqual(['primary', 'secondary']);
  });

  it('is cacheable: an ETag from the revision, 304 while unchanged, 200 with the new value after a save', async () => {
    const settings = new MemorySettingsStore();
    await settings.set('chat-servers', URLS, 'admin:root');
    const base = await serve(settings);
    const first = await fetch(`${base}/api/v1/public/chat-servers`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"chat-servers-\d+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    // A browser revalidating sends If-None-Match (undici's fetch would add Cache-Control: no-cache unless one is given).
    const revalidate = { 'if-none-match': etag, 'cache-control': 'max-age=0' };
    expect((await fetch(`${base}/api/v1/public/chat-servers`, { headers: revalidate })).status).toBe(304);
    await settings.set('chat-servers', { ...URLS, secondary: null }, 'admin:root');
    const changed = await fetch(`${base}/api/v1/public/chat-servers`, { headers: revalidate });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ ...URLS, secondary: null });
  });

  it('allows a configured origin (CORS, with a preflight) and not another', async () => {
    const base = await serve(new MemorySettingsStore());
    const allowed = await fetch(`${base}/api/v1/public/chat-servers`, { headers: { origin: 'https://finesse.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://finesse.example.com');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('ETag');
    const other = await fetch(`${base}/api/v1/public/chat-servers`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${base}/api/v1/public/chat-servers`, { method: 'OPTIONS', headers: { origin: 'https://finesse.example.com', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, OPTIONS');
  });
});
