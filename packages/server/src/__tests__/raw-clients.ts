// Raw clients for the hardening tests (issue #7): a TLS socket, a WebSocket and BOSH requests that
// collect what the server writes as text, with bounded waits. Nothing here sleeps to prove absence.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';

export const FRAMING_OPEN = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>";
export const BOSH_NS = "xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'";

/** Polls `check` every 10 ms until it is true, or fails with `what()` after `timeoutMs`. */
export async function until(check: () => boolean, what: () => string, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A socket (plain or TLS) that collects text. */
export class TextSocket {
  received = '';
  isClosed = false;
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (this.received += d));
    socket.on('close', () => (this.isClosed = true));
    socket.on('error', () => {});
  }

  static plain(port: number, localAddress?: string): Promise<TextSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(new TextSocket(socket)));
      socket.once('error', reject);
    });
  }

  static tls(port: number): Promise<TextSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => resolve(new TextSocket(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  waitFor(pattern: RegExp, timeoutMs = 4000): Promise<void> {
    return until(() => pattern.test(this.received), () => `${pattern} in ${this.received.slice(0, 1500)}`, timeoutMs);
  }

  waitClosed(timeoutMs = 4000): Promise<void> {
    return until(() => this.isClosed, () => 'the server did not close the connection', timeoutMs);
  }
}

/** A WebSocket (sub-protocol xmpp) that collects every message as text. */
export class TextWebSocket {
  readonly frames: string[] = [];
  isClosed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(data.toString()));
    ws.on('close', () => (this.isClosed = true));
    ws.on('error', () => {});
  }

  static open(port: number, options: { headers?: Record<string, string>; secure?: boolean } = {}): Promise<TextWebSocket> {
    const scheme = options.secure ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://127.0.0.1:${port}/xmpp-websocket`, ['xmpp'], { headers: options.headers, rejectUnauthorized: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TextWebSocket(ws)));
      ws.once('error', reject);
    });
  }

  get text(): string {
    return this.frames.join('');
  }

  waitFor(pattern: RegExp, timeoutMs = 4000): Promise<void> {
    return until(() => pattern.test(this.text), () => `${pattern} in ${this.text.slice(0, 1500)}`, timeoutMs);
  }
}

export interface HttpReply {
  status: number;
  body: string;
}

/** One POST on its own connection (agent: false), resolved with the whole response. */
export function post(port: number, body: string | Buffer, options: { path?: string; headers?: Record<string, string>; secure?: boolean } = {}): Promise<HttpReply> {
  const request = options.secure ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/http-bind',
        method: 'POST',
        agent: false,
        rejectUnauthorized: false,
        headers: { 'Content-Type': 'text/xml; charset=utf-8', ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A POST whose connection the test can abort before the answer (a page reload). */
export function postAbortable(port: number, body: string): { reply: Promise<HttpReply | undefined>; abort(): void } {
  let req!: http.ClientRequest;
  const reply = new Promise<HttpReply | undefined>((resolve) => {
    req = http.request({ host: '127.0.0.1', port, path: '/http-bind', method: 'POST', agent: false, headers: { 'Content-Type': 'text/xml; charset=utf-8' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
  return { reply, abort: () => req.destroy() };
}

/** A hand-written BOSH client: rids in sequence, PLAIN (the node is on loopback). */
export class BoshClient {
  sid = '';
  rid = 1_000 + Math.floor(Math.random() * 1_000_000);
  constructor(
    readonly port: number,
    readonly secure = false,
    /** Sent with every request (X-Forwarded-For and -Proto from a trusted proxy). */
    readonly headers: Record<string, string> = {},
  ) {}

  body(attrs = '', payload = ''): string {
    return `<body ${BOSH_NS} rid='${this.rid++}'${this.sid ? ` sid='${this.sid}'` : ''} ${attrs}>${payload}</body>`;
  }

  send(attrs = '', payload = ''): Promise<HttpReply> {
    return post(this.port, this.body(attrs, payload), { secure: this.secure, headers: this.headers });
  }

  async create(attrs = "wait='10' hold='1'"): Promise<HttpReply> {
    const reply = await this.send(`to='localhost' ver='1.6' xmpp:version='1.0' xml:lang='en' ${attrs}`);
    this.sid = /sid='([^']+)'/.exec(reply.body)?.[1] ?? '';
    return reply;
  }

  async signIn(user: string, password: string, resource: string, attrs?: string): Promise<void> {
    await this.create(attrs);
    const auth = `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`;
    const success = await this.send('', auth);
    if (!success.body.includes('<success')) throw new Error(`no SASL success: ${success.body}`);
    await this.send("to='localhost' xmpp:restart='true'");
    const bind = `<iq type='set' id='bind' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`;
    const bound = await this.send('', bind);
    if (!bound.body.includes(`${user}@localhost/${resource}`)) throw new Error(`bind failed: ${bound.body}`);
  }
}

const STREAM_OPEN = "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

/** Signs in over a raw TCP socket with PLAIN (loopback) and binds `resource`, checking each step. */
export async function signInRaw(socket: TextSocket, user: string, password: string, resource: string): Promise<void> {
  socket.write(STREAM_OPEN);
  await socket.waitFor(/<\/stream:features>/);
  socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`);
  await socket.waitFor(/<success/);
  socket.received = '';
  socket.write(STREAM_OPEN);
  await socket.waitFor(/<\/stream:features>/);
  socket.write(`<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
  await socket.waitFor(new RegExp(`<jid>${user}@localhost/${resource}</jid>`));
  socket.received = '';
}

/** Signs in over a raw WebSocket (RFC 7395) with PLAIN and binds `resource`. */
export async function signInWs(ws: TextWebSocket, user: string, password: string, resource: string): Promise<void> {
  ws.ws.send(FRAMING_OPEN);
  await ws.waitFor(/<\/stream:features>/);
  ws.ws.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`);
  await ws.waitFor(/<success/);
  ws.frames.length = 0;
  ws.ws.send(FRAMING_OPEN);
  await ws.waitFor(/urn:ietf:params:xml:ns:xmpp-bind/);
  ws.ws.send(`<iq type='set' id='bind' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
  await ws.waitFor(new RegExp(`<jid>${user}@localhost/${resource}</jid>`));
  ws.frames.length = 0;
}
