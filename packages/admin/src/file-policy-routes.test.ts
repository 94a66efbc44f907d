// The file-policy routes in a real Koa app on a free loopback port, over a fake service that
// validates as the real one does (errors are OptionsError naming the key).
import { describe, it, expect, afterEach } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { OptionsError } from '@deskchat/core';
import { createAdminRouter } from './admin-router.js';
import type { FilePolicyAdminService } from './file-policy-routes.js';
import { renderErrors } from './http-error.js';

const TOKEN = 'admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

function fakePolicy(): FilePolicyAdminService & { stored?: unknown; by?: string } {
  const service: FilePolicyAdminService & { stored?: unknown; by?: string } = {
    report: async () => ({ policy: service.stored ?? { maxBytes: 5 }, source: service.stored ? 'admin' : 'config' }),
    set: async (value, by) => {
      const maxBytes = (value as { maxBytes?: unknown }).maxBytes;
      if (typeof maxBytes !== 'number' || maxBytes < 1) throw new OptionsError('files.maxBytes', 'must be an integer 1..1099511627776');
      service.stored = value;
      service.by = by;
      return service.report();
    },
    reset: async () => {
      service.stored = undefined;
      return service.report();
    },
  };
  return service;
}

async function serve(filePolicy?: () => FilePolicyAdminService | undefined): Promise<string> {
  const app = new Koa();
  const router = createAdminRouter({ token: TOKEN, presenceSources: () => undefined, ...(filePolicy ? { filePolicy } : {}) });
  app.use(renderErrors).use(router.routes()).use(router.allowedMethods());
  const server = http.createServer(app.callback());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/settings/files`;
}

describe('GET/PUT/DELETE /api/v1/settings/files', () => {
  it('reads, replaces and reverts the policy, recording who changed it', async () => {
    const service = fakePolicy();
    const url = await serve(() => service);
    expect(await (await fetch(url, { headers: auth })).json()).toEqual({ policy: { maxBytes: 5 }, source: 'config' });
    const put = await fetch(url, { method: 'PUT', headers: auth, body: JSON.stringify({ maxBytes: 1024 }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ policy: { maxBytes: 1024 }, source: 'admin' });
    expect(service.by).toBe('admin-api');
    expect(await (await fetch(url, { method: 'DELETE', headers: auth })).json()).toEqual({ policy: { maxBytes: 5 }, source: 'config' });
  });

  it('answers 400 with the key that is wrong, and stores nothing', async () => {
    const service = fakePolicy();
    const url = await serve(() => service);
    const put = await fetch(url, { method: 'PUT', headers: auth, body: JSON.stringify({ maxBytes: 0 }) });
    expect(put.status).toBe(400);
    expect(await put.json()).toEqual({ error: 'bad-request', reason: 'files.maxBytes: must be an integer 1..1099511627776' });
    expect(service.stored).toBeUndefined();
  });

  it('needs the token, JSON, and a node with file transfer', async () => {
    const url = await serve(() => fakePolicy());
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { method: 'PUT', headers: { authorization: auth.authorization, 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    const bare = await serve();
    expect(await (await fetch(bare, { headers: auth })).json()).toMatchObject({ error: 'not-found', reason: 'file transfer is not configured on this node' });
  });
});
