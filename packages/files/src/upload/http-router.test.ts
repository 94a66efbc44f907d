// XEP-0363 §5 over real HTTP on a free loopback port (issue #10, "raw HTTP tests for every edge"):
// PUT without a slot, with a wrong size or type, twice, after expiry, with a path in the name, a
// slow upload, a cut upload, a full disk, refused content, Expect: 100-continue; downloads as
// attachments that never render, optionally only for the sender and recipients.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import Koa from 'koa';
import { FileStoreError, MemoryFileStore, MemorySettingsStore, type FileStore, type StoredFile } from '@deskchat/core';
import { FilePolicyService } from '../policy/policy-service.js';
import { parseFilePolicy } from '../policy/policy.js';
import { pdf, windowsExecutable } from '../__tests__/samples.js';
import { createFilesRouter, expectContinue } from './http-router.js';
import { UploadService } from './upload-service.js';

/** A store whose writes the test can watch, and which can run out of room after N bytes. */
class WatchedStore extends MemoryFileStore {
  noSpaceAfter: number | undefined;
  settled: { id: string; error?: unknown }[] = [];
  chunkSizes: number[] = [];
  private waiters: (() => void)[] = [];

  override async write(id: string, bytes: AsyncIterable<Uint8Array>, complete: { expiresAt: number; now?: number }): Promise<StoredFile> {
    const watched = this.watch(bytes);
    try {
      const done = await super.write(id, watched, complete);
      this.settle({ id });
      return done;
    } catch (error) {
      this.settle({ id, error });
      throw error;
    }
  }

  /** Resolves once `count` writes have ended, successfully or not. */
  async writesSettled(count: number): Promise<void> {
    while (this.settled.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private settle(entry: { id: string; error?: unknown }): void {
    this.settled.push(entry);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async *watch(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let total = 0;
    for await (const chunk of bytes) {
      this.chunkSizes.push(chunk.length);
      total += chunk.length;
      // A full disk part-way through: the store gets some bytes, then the write fails.
      if (this.noSpaceAfter !== undefined && total > this.noSpaceAfter) throw new FileStoreError('no-space', 'disk full (simulated)');
      yield chunk;
    }
  }
}

let store: WatchedStore;
let policies: FilePolicyService;
let uploads: UploadService;
let server: http.Server;
let port: number;
const clock = { now: Date.UTC(2025, 0, 1) };

async function start(options: { downloadRequiresAuth?: boolean; idleSeconds?: number } = {}): Promise<void> {
  store = new WatchedStore();
  policies = new FilePolicyService(new MemorySettingsStore(), parseFilePolicy({ maxBytes: 64 * 1024 * 1024 }));
  uploads = new UploadService({ store: store as FileStore, policies, domain: 'localhost', expiryHours: 72, slotSeconds: 300, downloadRequiresAuth: options.downloadRequiresAuth ?? false, publicUrl: () => `http://127.0.0.1:${port}`, now: () => clock.now });
  const router = createFilesRouter({ service: () => uploads, uploadIdleSeconds: options.idleSeconds ?? 30, verifyPassword: async (user, password) => password === `pw-${user}` });
  const app = new Koa();
  app.silent = true;
  app.use(router.routes()).use(router.allowedMethods());
  server = http.createServer(app.callback());
  expectContinue(server, app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
}

beforeEach(() => start());
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function slot(name = 'report.pdf', size = 2048, type = 'application/pdf', owner = 'alice'): Promise<{ path: string; id: string }> {
  const { file, url } = await uploads.requestSlot(owner, { name, size, type });
  return { path: new URL(url).pathname, id: file.id };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with exactly the headers given (Content-Length included), through node:http. */
function request(method: string, path: string, headers: Record<string, string | number> = {}, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const put = (path: string, body: Buffer, type = 'application/pdf', extra: Record<string, string | number> = {}) =>
  request('PUT', path, { 'Content-Type': type, 'Content-Length': body.length, ...extra }, body);

/** A raw socket: write what you like, read everything the server sends until it closes. */
class RawClient {
  received = '';
  isClosed = false;
  private readonly socket: net.Socket;

  constructor() {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => (this.received += d));
    this.socket.on('close', () => (this.isClosed = true));
    this.socket.on('error', () => {});
  }

  /** Strings are written byte for byte (latin1), so that binary samples keep their length. */
  write(data: string | Buffer): void {
    if (typeof data === 'string') this.socket.write(data, 'latin1');
    else this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }

  async until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const start = Date.now();
    while (!check()) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(this.received)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const head = (path: string, length: number, extra = '') => `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/pdf\r\nContent-Length: ${length}\r\n${extra}\r\n`;

describe('PUT (XEP-0363 §5)', () => {
  it('stores the bytes of a slot with 201, after which GET returns them (same hash)', async () => {
    const data = pdf(100_000);
    const { path, id } = await slot('report.pdf', data.length);
    expect((await put(path, data)).status).toBe(201);
    const download = await fetch(`http://127.0.0.1:${port}${path}`);
    expect(download.status).toBe(200);
    const body = Buffer.from(await download.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    await expect(store.get(id)).resolves.toMatchObject({ state: 'complete', sha256: createHash('sha256').update(data).digest('hex') });
  });

  it('answers 404 with a text to a PUT without a slot', async () => {
    const reply = await put(`/files/${randomBytes(18).toString('base64url')}/report.pdf`, pdf(10));
    expect(reply).toMatchObject({ status: 404, body: 'No such upload slot: request a slot first (XEP-0363 §4).' });
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('refuses a size other than the slot\'s (400) and a type other than the slot\'s (415), keeping the slot', async () => {
    const { path, id } = await slot('report.pdf', 2048);
    expect(await put(path, pdf(2047))).toMatchObject({ status: 400, body: expect.stringContaining('Content-Length 2047 does not match the size declared for this slot, 2048 bytes') });
    expect(await put(path, pdf(2048), 'text/html')).toMatchObject({ status: 415, body: expect.stringContaining('Content-Type text/html does not match the type declared for this slot, application/pdf') });
    expect((await put(path, pdf(2048), 'application/PDF; charset=binary')).status).toBe(201);
    await expect(store.get(id)).resolves.toMatchObject({ state: 'complete' });
  });

  it('requires Content-Length (411): a chunked upload is refused', async () => {
    const { path } = await slot('report.pdf', 10);
    expect(await request('PUT', path, { 'Content-Type': 'application/pdf', 'Transfer-Encoding': 'chunked' }, pdf(10))).toMatchObject({ status: 411 });
  });

  it('uses a slot once: the second PUT gets 409 and the first bytes stay', async () => {
    const first = pdf(2048);
    const { path } = await slot('report.pdf', 2048);
    expect((await put(path, first)).status).toBe(201);
    const second = Buffer.from(first);
    second[2000] = 0x41;
    expect(await put(path, second)).toMatchObject({ status: 409, body: expect.stringContaining('already used') });
    expect(Buffer.from(await (await fetch(`http://127.0.0.1:${port}${path}`)).arrayBuffer()).equals(first)).toBe(true);
  });

  it('refuses a PUT after the slot expired with 410', async () => {
    const { path } = await slot('report.pdf', 10);
    clock.now += 301_000;
    expect(await put(path, pdf(10))).toMatchObject({ status: 410, body: expect.stringContaining('expired') });
    clock.now -= 301_000;
  });

  it('never lets a path in the name reach anything: dot segments and encoded slashes match no slot', async () => {
    const { path, id } = await slot('report.pdf', 10);
    for (const target of [`/files/${id}/../../etc/passwd`, `/files/${id}/..%2F..%2Freport.pdf`, `/files/${id}/report.pdf/extra`, `/files/${id}/%2e%2e`]) {
      const reply = await put(target, pdf(10));
      expect([target, reply.status]).toEqual([target, 404]);
    }
    await expect(store.get(id)).resolves.toMatchObject({ state: 'pending' });
    expect((await put(path, pdf(10))).status).toBe(201);
  });

  it('applies the policy again at upload time: disabled since the slot was given (403)', async () => {
    const { path } = await slot('report.pdf', 10);
    await policies.set({ enabled: false }, 'admin');
    expect(await put(path, pdf(10))).toMatchObject({ status: 403, body: expect.stringContaining('files.enabled') });
  });

  it('refuses a renamed executable sent as report.pdf while uploading (415), and keeps nothing, not even the slot', async () => {
    const { path, id } = await slot('report.pdf', 200_000);
    const reply = await put(path, windowsExecutable(200_000));
    expect(reply).toMatchObject({ status: 415, body: 'report.pdf is named as .pdf but its content is a Windows executable (.exe), which is not accepted (files.refusedTypes)' });
    await expect(store.get(id)).resolves.toBeUndefined();
    expect((await put(path, pdf(200_000))).status).toBe(404);
  });

  it('answers 507 on a full disk, keeps nothing partial, and the slot can be used once there is room', async () => {
    const data = pdf(300_000);
    const { path, id } = await slot('report.pdf', data.length);
    store.noSpaceAfter = 100_000;
    expect(await put(path, data)).toMatchObject({ status: 507, body: expect.stringContaining('no room to store this file') });
    await expect(store.get(id)).resolves.toMatchObject({ state: 'pending' });
    await expect(store.read(id)).resolves.toBeUndefined();
    expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(404);
    store.noSpaceAfter = undefined;
    expect((await put(path, data)).status).toBe(201);
  });

  it('keeps nothing from a cut upload, and the slot can be retried', async () => {
    const data = pdf(50_000);
    const { path, id } = await slot('report.pdf', data.length);
    const client = new RawClient();
    client.write(head(path, data.length) + data.subarray(0, 20_000).toString('latin1'));
    await client.until(() => store.chunkSizes.length > 0, 'the first bytes to reach the store');
    client.destroy();
    await store.writesSettled(1);
    expect(store.settled[0]!.error).toBeDefined();
    await expect(store.read(id)).resolves.toBeUndefined();
    expect((await put(path, data)).status).toBe(201);
  });

  it('answers 408 and closes the connection when an upload stalls past uploadIdleSeconds, keeping nothing', async () => {
    await new Promise((resolve) => server.close(resolve));
    await start({ idleSeconds: 1 });
    const data = pdf(10_000);
    const { path, id } = await slot('report.pdf', data.length);
    const client = new RawClient();
    client.write(head(path, data.length) + data.subarray(0, 100).toString('latin1'));
    await client.until(() => client.isClosed, 'the server to close the stalled upload', 4000);
    expect(client.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(client.received).toContain('sent nothing for 1 seconds and was cut (files.uploadIdleSeconds)');
    await expect(store.get(id)).resolves.toMatchObject({ state: 'pending' });
    await expect(store.read(id)).resolves.toBeUndefined();
  });

  it('with Expect: 100-continue, refuses a wrong upload before the body is sent, and invites a right one', async () => {
    const { path } = await slot('report.pdf', 2048);
    const wrong = new RawClient();
    wrong.write(head(path, 9999, 'Expect: 100-continue\r\n'));
    await wrong.until(() => /\r\n\r\n/.test(wrong.received), 'an answer');
    expect(wrong.received).toMatch(/^HTTP\/1\.1 400 /);
    wrong.destroy();
    const right = new RawClient();
    right.write(head(path, 2048, 'Expect: 100-continue\r\n'));
    await right.until(() => right.received.startsWith('HTTP/1.1 100 Continue'), '100 Continue');
    right.write(pdf(2048));
    await right.until(() => /HTTP\/1\.1 201 /.test(right.received), '201 Created');
    right.destroy();
  });

  it('streams to the store chunk by chunk: bytes reach it while the client is still sending, in chunks of at most 64 KiB', async () => {
    const size = 4 * 1024 * 1024;
    const { path } = await slot('report.pdf', size);
    const client = new RawClient();
    client.write(head(path, size) + pdf(1024 * 1024).toString('latin1'));
    await client.until(() => store.chunkSizes.length > 0, 'the first bytes to reach the store');
    const before = store.chunkSizes.reduce((a, b) => a + b, 0);
    expect(before).toBeLessThan(size);
    client.write(Buffer.alloc(size - 1024 * 1024, 0x20));
    await client.until(() => /HTTP\/1\.1 201 /.test(client.received), '201 Created', 15_000);
    client.destroy();
    expect(Math.max(...store.chunkSizes)).toBeLessThanOrEqual(64 * 1024 + 4096);
  });
});

describe('GET (issue #10: downloads that never render)', () => {
  it('serves an uploaded HTML page as an attachment, nosniff, under a CSP that runs nothing', async () => {
    const page = Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>');
    const { path } = await slot('page "1".html', page.length, 'text/html');
    expect((await put(path, page, 'text/html')).status).toBe(201);
    const reply = await fetch(`http://127.0.0.1:${port}${path}`);
    expect(reply.headers.get('content-disposition')).toBe(`attachment; filename="page _1_.html"; filename*=UTF-8''page%20%221%22.html`);
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox; frame-ancestors 'none'");
    expect(reply.headers.get('content-type')).toBe('text/html');
    expect(reply.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers HEAD with the length and no body, and 304 to a matching ETag', async () => {
    const data = pdf(5000);
    const { path } = await slot('report.pdf', data.length);
    await put(path, data);
    const headReply = await request('HEAD', path);
    expect(headReply).toMatchObject({ status: 200, body: '' });
    expect(headReply.headers['content-length']).toBe('5000');
    const etag = headReply.headers.etag!;
    expect((await request('GET', path, { 'If-None-Match': etag })).status).toBe(304);
  });

  it('answers 404 for a pending slot, a wrong name and an expired file', async () => {
    const { path, id } = await slot('report.pdf', 10);
    expect((await request('GET', path)).status).toBe(404);
    await put(path, pdf(10));
    expect((await request('GET', `/files/${id}/other.pdf`)).status).toBe(404);
    clock.now += 73 * 3_600_000;
    expect(await request('GET', path)).toMatchObject({ status: 404, body: expect.stringContaining('expired') });
    clock.now -= 73 * 3_600_000;
  });

  it('answers a CORS preflight for a web client on another origin', async () => {
    const { path } = await slot();
    const reply = await request('OPTIONS', path, { Origin: 'https://web.example.com', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' });
    expect(reply.status).toBe(204);
    expect(reply.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, PUT, OPTIONS' });
  });
});

describe('files.downloadRequiresAuth', () => {
  beforeEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await start({ downloadRequiresAuth: true });
  });
  const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

  it('lets only the sender and the addressed recipients download, with their chat password', async () => {
    const data = pdf(100);
    const { path, id } = await slot('report.pdf', data.length);
    await put(path, data);
    await store.addRecipient(id, 'bob@localhost');
    const anonymous = await request('GET', path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Basic realm="DeskChat files", charset="UTF-8"');
    expect((await request('GET', path, basic('bob', 'wrong'))).status).toBe(401);
    expect(await request('GET', path, basic('carol', 'pw-carol'))).toMatchObject({ status: 403, body: expect.stringContaining('Only the sender and the recipients') });
    expect((await request('GET', path, basic('bob@localhost', 'pw-bob'))).status).toBe(200);
    const owner = await request('GET', path, basic('alice', 'pw-alice'));
    expect(owner.status).toBe(200);
    expect(owner.headers['content-length']).toBe('100');
  });
});
