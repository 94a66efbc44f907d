// The BOSH wire's HTTP/1.1 framing on a real node HTTP server and real sockets: which requests it
// takes and which it leaves to node, keep-alive and pipelining in order, its timeouts, and a client
// closing a connection whose request is still being answered. The endpoint behind it is a small
// stand-in (the BOSH logic is tested through the real node in packages/server's bosh-*.e2e tests):
// it answers at once, or holds a request until the test releases it.
import { describe, it, expect, afterEach } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import type { BoshEndpoint, WireRequest } from './bosh-http.js';
import type { BoshResponse } from './bosh-response.js';
import { frontBoshWire, parseHead, type BoshWire } from './bosh-wire.js';

const head = (lines: string[]) => parseHead(lines.join('\r\n'));

describe('parseHead', () => {
  it('takes a plain BOSH POST and OPTIONS', () => {
    expect(head(['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 12', 'Content-Type: text/xml'])).toEqual({
      method: 'POST',
      headers: { host: 'a', 'content-type': 'text/xml' },
      contentLength: 12,
      keepAlive: true,
    });
    expect(head(['OPTIONS /httpbinding?x=1 HTTP/1.1', 'Host: a', 'Origin: https://a.example'])).toMatchObject({ method: 'OPTIONS', contentLength: 0 });
    expect(head(['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 0', 'Connection: Close'])).toMatchObject({ keepAlive: false });
  });

  it('joins repeated fields as node does, and keeps the first Host', () => {
    const parsed = head(['POST /http-bind HTTP/1.1', 'Host: a', 'Host: b', 'X-Forwarded-For: 1.1.1.1', 'X-Forwarded-For: 2.2.2.2', 'Content-Length: 0']);
    expect(parsed?.headers).toEqual({ host: 'a', 'x-forwarded-for': '1.1.1.1, 2.2.2.2' });
  });

  it.each([
    ['no Host', ['POST /http-bind HTTP/1.1', 'Content-Length: 0']],
    ['another path', ['POST /chat/ HTTP/1.1', 'Host: a', 'Content-Length: 0']],
    ['another method', ['GET /http-bind HTTP/1.1', 'Host: a']],
    ['HTTP/1.0', ['POST /http-bind HTTP/1.0', 'Host: a', 'Content-Length: 0']],
    ['a chunked body', ['POST /http-bind HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked']],
    ['no Content-Length', ['POST /http-bind HTTP/1.1', 'Host: a']],
    ['two Content-Lengths', ['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 1', 'Content-Length: 1']],
    ['a Content-Length that is not a number', ['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: +1']],
    ['Expect: 100-continue', ['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 1', 'Expect: 100-continue']],
    ['an upgrade', ['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 0', 'Connection: Upgrade', 'Upgrade: h2c']],
    ['a folded header line', ['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 0', 'X-A: 1', ' 2']],
    ['a control character in a value', ['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 0', 'X-A: a\rb']],
    ['a bad field name', ['POST /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 0', 'X A: 1']],
    ['a malformed request line', ['POST  /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 0']],
    ['an OPTIONS with a body', ['OPTIONS /http-bind HTTP/1.1', 'Host: a', 'Content-Length: 3']],
  ])('leaves %s to node', (_what, lines) => {
    expect(head(lines)).toBeUndefined();
  });
});

/** A stand-in endpoint: echoes the body, or holds requests whose body is "hold". */
class Endpoint implements Pick<BoshEndpoint, 'handleWire' | 'wireBodyBytes'> {
  wireBodyBytes = 1024;
  held: BoshResponse[] = [];
  closedUnanswered = 0;
  handleWire(req: WireRequest, res: BoshResponse): void {
    const body = req.body.toString();
    if (body !== 'hold') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`echo:${body}`);
    this.held.push(res);
    res.once('close', () => {
      if (!res.writableEnded) this.closedUnanswered++;
    });
  }
}

interface Rig {
  server: http.Server;
  wire: BoshWire;
  endpoint: Endpoint;
  port: number;
  nodeRequests: string[];
}

let rig: Rig | undefined;
afterEach(async () => {
  rig?.server.closeAllConnections();
  await new Promise((resolve) => rig?.server.close(resolve) ?? resolve(undefined));
  rig = undefined;
});

async function start(timeouts: { requestTimeoutMs?: number; keepAliveTimeoutMs?: number } = {}): Promise<Rig> {
  const nodeRequests: string[] = [];
  const server = http.createServer((req, res) => {
    nodeRequests.push(`${req.method} ${req.url}`);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => res.end(`node:${req.method}:${body}`));
  });
  const endpoint = new Endpoint();
  const wire = frontBoshWire(server, endpoint as unknown as BoshEndpoint, { maxHeadBytes: 4096, requestTimeoutMs: timeouts.requestTimeoutMs ?? 5000, keepAliveTimeoutMs: timeouts.keepAliveTimeoutMs ?? 5000, sweepIntervalMs: 50 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rig = { server, wire, endpoint, port: (server.address() as net.AddressInfo).port, nodeRequests };
  return rig;
}

/** A raw client connection that reads whole HTTP/1.1 responses (Content-Length framed). */
class Conn {
  private data = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  readonly socket: net.Socket;
  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    this.socket.on('error', () => {});
  }
  write(text: string): void {
    this.socket.write(text);
  }
  async response(): Promise<{ status: number; head: string; body: string }> {
    for (;;) {
      const end = this.data.indexOf('\r\n\r\n');
      if (end >= 0) {
        const headText = this.data.subarray(0, end).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(headText)?.[1] ?? 0);
        if (this.data.length >= end + 4 + length) {
          const body = this.data.subarray(end + 4, end + 4 + length).toString();
          this.data = this.data.subarray(end + 4 + length);
          return { status: Number(headText.split(' ')[1]), head: headText, body };
        }
      }
      if (this.closed) throw new Error(`closed with ${this.data.length} bytes unread`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

const post = (body: string, extra = '') => `POST /http-bind HTTP/1.1\r\nHost: x\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('the BOSH wire', () => {
  it('answers plain BOSH requests itself, one after another on a keep-alive connection', async () => {
    const { port, wire, nodeRequests } = await start();
    const conn = new Conn(port);
    conn.write(post('one'));
    const first = await conn.response();
    expect(first).toMatchObject({ status: 200, body: 'echo:one' });
    expect(first.head).toMatch(/\r\nDate: .+ GMT\r\n/);
    expect(first.head).toContain('Keep-Alive: timeout=5');
    conn.write(post('two'));
    expect((await conn.response()).body).toBe('echo:two');
    expect(wire.connections).toBe(1);
    expect(nodeRequests).toEqual([]);
    conn.socket.destroy();
  });

  it('answers pipelined requests in order, the second only once the first (held) is answered', async () => {
    const { port, endpoint } = await start();
    const conn = new Conn(port);
    conn.write(post('hold') + post('after'));
    await until(() => endpoint.held.length === 1);
    // The second request is not taken while the first is held.
    await new Promise((r) => setTimeout(r, 100));
    expect(endpoint.held.length).toBe(1);
    endpoint.held[0]!.writeHead(200, {}).end('released');
    expect((await conn.response()).body).toBe('released');
    expect((await conn.response()).body).toBe('echo:after');
    conn.socket.destroy();
  });

  it('leaves the connection alone when an answered response is dropped later (its next request lives on)', async () => {
    const { port, endpoint } = await start();
    const conn = new Conn(port);
    conn.write(post('hold'));
    await until(() => endpoint.held.length === 1);
    const first = endpoint.held[0]!;
    first.writeHead(200, {}).end('one');
    expect((await conn.response()).body).toBe('one');
    conn.write(post('hold'));
    await until(() => endpoint.held.length === 2);
    first.destroy(); // e.g. a resend taking over a rid whose answer already went out
    endpoint.held[1]!.writeHead(200, {}).end('two');
    expect((await conn.response()).body).toBe('two');
    expect(conn.closed).toBe(false);
    conn.socket.destroy();
  });

  it('hands a connection to node at the first request it does not take, with the bytes it read', async () => {
    const { port, wire, nodeRequests } = await start();
    const conn = new Conn(port);
    conn.write(post('bosh'));
    expect((await conn.response()).body).toBe('echo:bosh');
    // On the same connection: a chunked BOSH body, then a plain one (node reads the rest).
    conn.write('POST /http-bind HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' + post('again'));
    expect((await conn.response()).body).toBe('node:POST:hello');
    expect((await conn.response()).body).toBe('node:POST:again');
    expect(nodeRequests).toEqual(['POST /http-bind', 'POST /http-bind']);
    expect(wire.connections).toBe(0);
    // A first request that is not BOSH goes to node too, split over writes.
    const other = new Conn(port);
    other.write('GET /chat/ HT');
    await new Promise((r) => setTimeout(r, 50));
    other.write('TP/1.1\r\nHost: x\r\n\r\n');
    expect((await other.response()).body).toBe('node:GET:');
    conn.socket.destroy();
    other.socket.destroy();
  });

  it('leaves a body larger than it reads to node (which streams it within the session’s limit)', async () => {
    const { port, wire, nodeRequests } = await start();
    const conn = new Conn(port);
    conn.write(post('b'.repeat(1025)));
    expect((await conn.response()).body).toBe(`node:POST:${'b'.repeat(1025)}`);
    expect(nodeRequests).toEqual(['POST /http-bind']);
    expect(wire.connections).toBe(0);
    conn.socket.destroy();
  });

  it('leaves at once to node what cannot be a BOSH request: TLS on the plain port, bare LF line ends (400)', async () => {
    const { port, nodeRequests } = await start();
    const tls = new Conn(port);
    tls.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    expect((await tls.response()).status).toBe(400);
    const lf = new Conn(port);
    lf.write('POST /http-bind HTTP/1.1\nHost: x\nContent-Length: 2\n\nlf');
    // Node's parser refuses bare LF line ends: it is node that answers, not the wire that waits.
    expect((await lf.response()).status).toBe(400);
    expect(nodeRequests).toEqual([]);
    lf.socket.destroy();
  });

  it('leaves a head too large for it to node, which refuses it (431)', async () => {
    const { port } = await start();
    const conn = new Conn(port);
    conn.write(`POST /http-bind HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n`);
    expect((await conn.response()).status).toBe(431);
  });

  it('closes after the answer when the client asks (Connection: close)', async () => {
    const { port } = await start();
    const conn = new Conn(port);
    conn.write(post('bye', 'Connection: close\r\n'));
    const reply = await conn.response();
    expect(reply.body).toBe('echo:bye');
    expect(reply.head).toContain('Connection: close');
    await conn.untilClosed();
  });

  it('tells the held response when its client closes the connection', async () => {
    const { port, endpoint } = await start();
    const conn = new Conn(port);
    conn.write(post('hold'));
    await until(() => endpoint.held.length === 1);
    conn.socket.end(); // half-close, as a browser tab that goes away
    await until(() => endpoint.closedUnanswered === 1);
    expect(endpoint.held[0]!.destroyed).toBe(true);
  });

  it('at shutdown closes idle connections at once and held ones with their answer', async () => {
    const { port, wire, endpoint } = await start();
    const idle = new Conn(port);
    idle.write(post('x'));
    await idle.response();
    const held = new Conn(port);
    held.write(post('hold'));
    await until(() => endpoint.held.length === 1);
    wire.close();
    await idle.untilClosed();
    expect(held.closed).toBe(false);
    endpoint.held[0]!.writeHead(200, {}).end('last');
    const reply = await held.response();
    expect(reply.body).toBe('last');
    expect(reply.head).toContain('Connection: close');
    await held.untilClosed();
  });

  it('closes a connection whose request does not arrive whole in time, but not one that is held', async () => {
    const { port, endpoint } = await start({ requestTimeoutMs: 300, keepAliveTimeoutMs: 300 });
    const slow = new Conn(port);
    slow.write('POST /http-bind HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    const held = new Conn(port);
    held.write(post('hold'));
    const idle = new Conn(port);
    idle.write(post('x'));
    await idle.response();
    await slow.untilClosed();
    await idle.untilClosed();
    expect(held.closed).toBe(false);
    expect(endpoint.held.length).toBe(1);
    held.socket.destroy();
  });
});

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
