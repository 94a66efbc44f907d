// The BOSH wire: BOSH requests read and answered on the raw socket, in front of node's HTTP server
// (issue #7 §8). Node's HTTP server costs 9–14 KB per connection (its parser, request and response
// objects, and the native state behind them; `scripts/node-http-floor.mjs`), and a long-polling
// BOSH client keeps two connections per session for as long as it is signed in. The wire takes
// every new connection of the node's HTTP server and reads it as HTTP/1.1 itself while the requests
// are plain BOSH requests: POST or OPTIONS to a BOSH path, HTTP/1.1 with Host, a Content-Length body
// within the limit before authentication (endpoint.wireBodyBytes), no Transfer-Encoding, Expect or
// Upgrade, well-formed header lines. At the first request that is anything else it hands the
// connection, with the bytes it has read, to node's HTTP server, which has every other answer
// (Koa's routes, the WebSocket upgrade, 100-continue, chunked bodies, 400 and 431 for what is
// malformed) — so the wire need not parse what it does not take.
//
// One request at a time per connection, in order: a pipelined request waits, buffered, until the
// one before it is answered (a held BOSH request may take `wait` seconds). The socket is read all
// the while, so a client that closes a connection with a held request is seen at once (issue #7 §3).
import { STATUS_CODES, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { BoshEndpoint, WireRequest } from './bosh-http.js';
import { isBoshTarget } from './bosh-http.js';
import type { BoshResponse } from './bosh-response.js';

export interface BoshWireOptions {
  /** The largest request head the wire reads; larger ones go to node's HTTP server (431). */
  maxHeadBytes: number;
  /** A request must arrive whole within this from its first byte (node's headersTimeout). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection closes after this (node's keepAliveTimeout). */
  keepAliveTimeoutMs: number;
  /** How often the deadlines above are checked (default 1 s; they may pass by up to this much). */
  sweepIntervalMs?: number;
}

export interface BoshWire {
  /** Connections the wire reads now (not those it handed to node's HTTP server). */
  readonly connections: number;
  /** At shutdown, after the BOSH service answered what it held: ends every connection of the wire (drops it 2 s later). */
  close(): void;
}

/** A parsed request head the wire takes. */
interface Head {
  method: 'POST' | 'OPTIONS';
  headers: IncomingHttpHeaders;
  contentLength: number;
  keepAlive: boolean;
}

/** How long after the advertised keep-alive timeout an idle connection is closed (node's buffer). */
const KEEP_ALIVE_GRACE_MS = 1000;
/** At shutdown, how long connections may take to close before they are dropped. */
const CLOSE_GRACE_MS = 2000;
const CRLF2 = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
const POST = Buffer.from('POST /');
const OPTIONS = Buffer.from('OPTIONS /');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, space and tab (RFC 9110 §5.5; obs-text is left to node's parser).
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
const TARGET = /^\/[\x21-\x7e]*$/;
const DIGITS = /^\d{1,10}$/;
/** Header fields whose presence means node's HTTP server should answer. */
const LEFT_TO_NODE = new Set(['transfer-encoding', 'expect', 'upgrade', 'http2-settings']);
/** As node: a repeated field among these keeps its first value; others are joined with ', '. */
const FIRST_WINS = new Set(['host', 'content-type', 'user-agent', 'authorization', 'referer']);

/** Whether the start of a request can still be a BOSH request's. */
function mayBeBosh(start: Buffer): boolean {
  const prefix = start[0] === 0x4f ? OPTIONS : POST;
  const n = Math.min(start.length, prefix.length);
  return start.compare(prefix, 0, n, 0, n) === 0;
}

/**
 * Reads one request head (without its final CRLF CRLF); undefined when the wire does not take it.
 */
export function parseHead(text: string): Head | undefined {
  const lines = text.split('\r\n');
  const requestLine = lines[0]!.split(' ');
  if (requestLine.length !== 3) return undefined;
  const [method, target, version] = requestLine as [string, string, string];
  if ((method !== 'POST' && method !== 'OPTIONS') || version !== 'HTTP/1.1') return undefined;
  if (!TARGET.test(target) || !isBoshTarget(target)) return undefined;
  const headers: IncomingHttpHeaders = {};
  let contentLength: number | undefined;
  let keepAlive = true;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value) || LEFT_TO_NODE.has(name)) return undefined;
    if (name === 'content-length') {
      if (contentLength !== undefined || !DIGITS.test(value)) return undefined;
      contentLength = Number(value);
      continue;
    }
    if (name === 'connection') {
      const options = value.toLowerCase().split(',').map((s) => s.trim());
      if (options.includes('upgrade')) return undefined;
      if (options.includes('close')) keepAlive = false;
    }
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (!FIRST_WINS.has(name)) headers[name] = `${previous as string}, ${value}`;
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused (node's HTTP server answers 400).
  if (headers.host === undefined) return undefined;
  if (method === 'POST' && contentLength === undefined) return undefined;
  if (method === 'OPTIONS' && (contentLength ?? 0) !== 0) return undefined;
  return { method, headers, contentLength: contentLength ?? 0, keepAlive };
}

let dateText = '';
let dateSecond = 0;
/** The Date header's value, made at most once a second (RFC 9110 §6.6.1). */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** The response to the request a connection is answering. */
class WireResponse implements BoshResponse {
  writableEnded = false;
  private status = 200;
  private headers: Record<string, string | number> | undefined;
  private extra: [string, string][] | undefined;
  private onClose: (() => void) | undefined;

  constructor(private readonly connection: WireConnection) {}

  get destroyed(): boolean {
    return this.connection.socket.destroyed;
  }

  writeHead(status: number, headers?: Record<string, string | number>): this {
    this.status = status;
    if (headers) this.headers = headers;
    return this;
  }

  setHeader(name: string, value: string): void {
    (this.extra ??= []).push([name, value]);
  }

  end(body = ''): void {
    if (this.writableEnded) return;
    this.writableEnded = true;
    let closes = !this.connection.keepAlive;
    let text = `HTTP/1.1 ${this.status} ${STATUS_CODES[this.status] ?? 'Unknown'}\r\nDate: ${httpDate()}\r\n`;
    let hasLength = false;
    const add = (name: string, value: string | number) => {
      const lower = name.toLowerCase();
      if (lower === 'content-length') hasLength = true;
      if (lower === 'connection') {
        if (String(value).toLowerCase() === 'close') closes = true;
        return;
      }
      text += `${name}: ${value}\r\n`;
    };
    if (this.extra) for (const [name, value] of this.extra) add(name, value);
    if (this.headers) for (const name in this.headers) add(name, this.headers[name]!);
    if (!hasLength && this.status !== 204 && this.status !== 304) text += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    text += closes ? 'Connection: close\r\n\r\n' : `Keep-Alive: timeout=${this.connection.keepAliveSeconds}\r\n\r\n`;
    this.connection.answered(text + body, closes);
  }

  /** As node's ServerResponse: once answered, the connection is no longer this response's to drop. */
  destroy(): void {
    if (!this.writableEnded) this.connection.socket.destroy();
  }

  once(_event: 'close', listener: () => void): this {
    this.onClose = listener;
    return this;
  }

  /** The connection closed while this response was its request's. */
  closed(): void {
    const listener = this.onClose;
    this.onClose = undefined;
    listener?.call(this);
  }
}

/** Where the socket's shared listeners find their connection (no closures per connection). */
const CONNECTION = Symbol('bosh wire connection');
type WireSocket = Socket & { [CONNECTION]?: WireConnection; encrypted?: boolean };

function onWireData(this: WireSocket, chunk: Buffer): void {
  this[CONNECTION]?.received(chunk);
}
/** The client closed its side (node's HTTP server is half-open): as node does, the connection ends. */
function onWireEnd(this: WireSocket): void {
  this.end();
}
function onWireClose(this: WireSocket): void {
  this[CONNECTION]?.closed();
}
function ignoreError(): void {
  // 'close' follows; a reset connection is nothing to report.
}

class WireConnection {
  /** Bytes received and not yet taken: a request being read, or pipelined ones. */
  private pending: Buffer | undefined;
  private head: Head | undefined;
  private headBytes = 0;
  /** When the request being read began (0: between requests). */
  private startedAt = 0;
  /**
   * When the connection is closed if nothing changes (0: never, while its request is answered).
   * One sweep checks them all, rather than a timer per socket that every read and write re-arms.
   */
  deadline: number;
  private response: WireResponse | undefined;
  keepAlive = true;

  constructor(
    readonly socket: WireSocket,
    private readonly wire: Wire,
  ) {
    socket[CONNECTION] = this;
    socket.on('data', onWireData);
    socket.on('end', onWireEnd);
    socket.on('close', onWireClose);
    socket.on('error', ignoreError);
    // A new connection must bring its first request as soon as any other (node's headersTimeout).
    this.deadline = Date.now() + wire.options.requestTimeoutMs;
  }

  get keepAliveSeconds(): number {
    return Math.floor(this.wire.options.keepAliveTimeoutMs / 1000);
  }

  received(chunk: Buffer): void {
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    if (this.response) {
      // Pipelined behind a request still being answered: kept, within the bounds of one request.
      if (this.pending.length > this.wire.options.maxHeadBytes + this.wire.endpoint.wireBodyBytes) this.socket.destroy();
      return;
    }
    if (this.startedAt === 0) {
      this.startedAt = Date.now();
      this.deadline = this.startedAt + this.wire.options.requestTimeoutMs;
    }
    this.next();
  }

  /** Takes the next whole request from `pending`, if there is one. */
  private next(): void {
    const pending = this.pending;
    if (!pending) return;
    if (!this.head) {
      const end = pending.indexOf(CRLF2);
      if (end < 0) {
        // Not a BOSH request (another method, TLS on the plain port), bare LF line ends, or a head
        // too large: node's HTTP server answers those at once.
        if (!mayBeBosh(pending) || pending.includes(LFLF) || pending.length > this.wire.options.maxHeadBytes) this.handOver();
        return;
      }
      const head = end <= this.wire.options.maxHeadBytes ? parseHead(pending.toString('latin1', 0, end)) : undefined;
      if (!head || head.contentLength > this.wire.endpoint.wireBodyBytes) return this.handOver();
      this.head = head;
      this.headBytes = end + 4;
    }
    const total = this.headBytes + this.head.contentLength;
    if (pending.length < total) return;
    const head = this.head;
    this.head = undefined;
    this.pending = total < pending.length ? pending.subarray(total) : undefined;
    this.startedAt = 0;
    this.keepAlive = head.keepAlive;
    const response = (this.response = new WireResponse(this));
    // Held: the BOSH session answers it (at the latest after `wait`); no deadline of the wire's.
    this.deadline = 0;
    const request: WireRequest = { method: head.method, headers: head.headers, body: pending.subarray(this.headBytes, total), socket: this.socket };
    this.wire.endpoint.handleWire(request, response);
  }

  /** The response was written: on to the next request, or the end of the connection. */
  answered(text: string, closes: boolean): void {
    this.response = undefined;
    if (this.socket.destroyed) return;
    if (closes) {
      this.socket.end(text);
      this.socket.removeListener('data', onWireData);
      this.pending = undefined;
      return;
    }
    this.socket.write(text);
    if (this.pending) {
      this.startedAt = Date.now();
      this.deadline = this.startedAt + this.wire.options.requestTimeoutMs;
      // Not from inside the answer: the BOSH session that wrote it may still be walking its requests.
      queueMicrotask(() => {
        if (!this.response && !this.socket.destroyed) this.next();
      });
    } else {
      // As node's HTTP server: a second past the advertised `Keep-Alive: timeout`, so that a client
      // that reuses the connection up to that moment does not meet the close on its way.
      this.deadline = Date.now() + this.wire.options.keepAliveTimeoutMs + KEEP_ALIVE_GRACE_MS;
    }
  }

  closed(): void {
    this.wire.forget(this);
    this.socket[CONNECTION] = undefined;
    this.response?.closed();
  }

  /** From here on node's HTTP server reads this connection, from the first byte the wire has not used. */
  private handOver(): void {
    const socket = this.socket;
    socket.removeListener('data', onWireData);
    socket.removeListener('end', onWireEnd);
    socket.removeListener('close', onWireClose);
    socket.removeListener('error', ignoreError);
    socket[CONNECTION] = undefined;
    this.wire.forget(this);
    // Paused so that the bytes given back are read, in order, by node's listener once it is attached.
    socket.pause();
    if (this.pending) socket.unshift(this.pending);
    this.pending = undefined;
    this.wire.handToNode(socket);
    socket.resume();
  }

  /** Shutdown: a connection between requests closes now; one being answered once its answer is out. */
  end(): void {
    if (this.response && !this.response.writableEnded) this.keepAlive = false;
    else this.socket.end();
  }
}

class Wire implements BoshWire {
  private readonly open = new Set<WireConnection>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly endpoint: BoshEndpoint,
    readonly options: BoshWireOptions,
    readonly handToNode: (socket: Socket) => void,
  ) {}

  get connections(): number {
    return this.open.size;
  }

  accept(socket: Socket): void {
    if (socket.destroyed) return;
    this.open.add(new WireConnection(socket, this));
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), this.options.sweepIntervalMs ?? 1000);
      this.sweeper.unref();
    }
  }

  /** Closes the connections whose request did not arrive in time, or that stayed idle too long. */
  private sweep(): void {
    const now = Date.now();
    for (const connection of this.open) if (connection.deadline !== 0 && now > connection.deadline) connection.socket.destroy();
  }

  forget(connection: WireConnection): void {
    this.open.delete(connection);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const connection of this.open) connection.end();
    // A client that never closes its side must not keep the server from closing (as node's closeAllConnections).
    setTimeout(() => {
      for (const connection of this.open) connection.socket.destroy();
    }, CLOSE_GRACE_MS).unref();
  }
}

/**
 * Puts the wire in front of `server`'s own connection handling: node's listener for new
 * connections ('connection', or 'secureConnection' for HTTPS) is taken off and called by the wire
 * for the connections it hands over. Call before anything else listens for connections.
 */
export function frontBoshWire(server: HttpServer, endpoint: BoshEndpoint, options: BoshWireOptions): BoshWire {
  const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
  const [nodeListener, ...others] = server.listeners(event) as ((socket: Socket) => void)[];
  if (!nodeListener || others.length > 0) throw new Error(`frontBoshWire: expected node's one '${event}' listener on the server`);
  server.removeListener(event, nodeListener);
  const handToNode = (socket: Socket) => {
    // Node would read a fresh connection straight from its handle into its parser; this one has
    // bytes to give back first, so it is read through the stream like any other.
    const handle = (socket as Socket & { _handle?: { _consumed?: boolean } })._handle;
    if (handle) handle._consumed = true;
    nodeListener.call(server, socket);
  };
  const wire = new Wire(endpoint, options, handToNode);
  server.on(event, (socket: Socket) => wire.accept(socket));
  return wire;
}
