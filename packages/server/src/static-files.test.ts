// The static handler for the browser apps (static-files.ts): only files present at start-up are
// ever served, with revalidation and nosniff; anything else falls through.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { serveStatic } from './static-files.js';

let dir: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskchat-static-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>chat</title>');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(os.tmpdir(), 'deskchat-static-secret.txt'), 'secret');
  const app = new Koa();
  app.use(serveStatic(dir, { mount: '/chat/', headers: { 'Content-Security-Policy': "default-src 'self'" } }));
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'fell through';
  });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const raw = (p: string, method = 'GET', headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    // http.request keeps the path as written (fetch would normalise '..' away before sending).
    const req = http.request(`${base}/`, { method, path: p, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });

describe('serveStatic', () => {
  it('serves index.html at the mount, with its type, nosniff, no-cache and the extra headers', async () => {
    const res = await raw('/chat/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>chat</title>');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe("default-src 'self'");
  });

  it('serves nested files with their type, and HEAD without a body', async () => {
    const res = await raw('/chat/assets/app.js');
    expect(res).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const head = await raw('/chat/assets/app.js', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
  });

  it('answers 304 to a request that already has the current ETag', async () => {
    const first = await raw('/chat/assets/app.js');
    const again = await raw('/chat/assets/app.js', 'GET', { 'If-None-Match': String(first.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('redirects the mount without its slash', async () => {
    const res = await raw('/chat?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/chat/?x=1');
  });

  it('never reaches outside the directory: traversal, encoded traversal and unknown files fall through', async () => {
    for (const p of ['/chat/../deskchat-static-secret.txt', '/chat/%2e%2e/deskchat-static-secret.txt', '/chat/assets/../../x', '/chat/missing.js', '/other/']) {
      const res = await raw(p);
      expect([p, res.status, res.body]).toEqual([p, 404, 'fell through']);
    }
  });

  it('lets other methods through to the next handler', async () => {
    expect((await raw('/chat/', 'POST')).body).toBe('fell through');
  });
});
