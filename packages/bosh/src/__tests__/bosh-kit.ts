// In-process BOSH test kit: a real Core (the testing package's harness, passed in by the test) and
// a BoshService with an injected clock and no sweep timer, fed parsed bodies and answering into fake
// HTTP responses. No sockets, no sleeping.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import xml, { type Element } from '@xmpp/xml';
import { parseDocument, type Core } from '@deskchat/core';
import { BoshService } from '../bosh-service.js';
import { HTTPBIND_NS, XBOSH_NS } from '../constants.js';
import { DEFAULT_BOSH_OPTIONS, type BoshOptions } from '../options.js';

/** The part of node's ServerResponse the connection manager uses; `destroy()` is the client closing the connection. */
export class FakeResponse extends EventEmitter {
  status?: number;
  body?: string;
  headers: Record<string, unknown> = {};
  writableEnded = false;
  destroyed = false;

  writeHead(status: number, headers: Record<string, unknown>): this {
    this.status = status;
    Object.assign(this.headers, headers);
    return this;
  }

  end(body: string): void {
    this.body = body;
    this.writableEnded = true;
    this.emit('close');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }

  get isAnswered(): boolean {
    return this.body !== undefined;
  }

  /** The response body as an element. */
  get element(): Element {
    if (this.body === undefined) throw new Error('not answered');
    return parseDocument(this.body, undefined, { wrapperDepth: 1 });
  }
}

/** `<body/>` with the namespaces a client declares, `attrs` rendered in order. */
export function body(attrs: Record<string, string | number>, ...payloads: (Element | string)[]): string {
  const rendered = Object.entries(attrs)
    .map(([k, v]) => ` ${k}='${v}'`)
    .join('');
  return `<body xmlns='${HTTPBIND_NS}' xmlns:xmpp='${XBOSH_NS}'${rendered}>${payloads.map(String).join('')}</body>`;
}

export const settle = async (): Promise<void> => {
  for (let i = 0; i < 6; i++) await new Promise((resolve) => setImmediate(resolve));
};

export interface KitSession {
  sid: string;
  /** The rid the next request should carry; `next()` returns it and moves on. */
  rid: number;
  next(): number;
}

/** What the kit needs of the harness (tests pass `await Harness.create()`). */
export interface KitHarness {
  readonly core: Core;
  addUser(username: string): Promise<void>;
}

export class BoshKit<H extends KitHarness = KitHarness> {
  now = 1_000_000;
  readonly service: BoshService;

  private constructor(
    readonly harness: H,
    options: BoshOptions,
    core: Core,
  ) {
    this.service = new BoshService(core, options, { clock: () => this.now, sweepIntervalMs: 0 });
  }

  /** Users alice and bob (password `secret`) on the harness, and a service with `options` (on `core`, the harness's first by default). */
  static async create<H extends KitHarness>(harness: H, options: Partial<BoshOptions> = {}, core: Core = harness.core): Promise<BoshKit<H>> {
    if (core === harness.core) for (const user of ['alice', 'bob']) await harness.addUser(user);
    return new BoshKit(harness, { ...DEFAULT_BOSH_OPTIONS, ...options }, core);
  }

  post(text: string, options: { isSecure?: boolean } = {}): FakeResponse {
    const res = new FakeResponse();
    const doc = parseDocument(text, undefined, { wrapperDepth: 1 });
    this.service.handle(doc, { res: res as unknown as ServerResponse, isSecure: options.isSecure ?? false, remoteAddress: '127.0.0.1' });
    return res;
  }

  /** Posts and lets core and the flush run. */
  async send(text: string, options?: { isSecure?: boolean }): Promise<FakeResponse> {
    const res = this.post(text, options);
    await settle();
    return res;
  }

  /** Posts and waits for the answer, for steps that do real asynchronous work (PBKDF2 on the thread pool). */
  async sendUntilAnswered(text: string): Promise<FakeResponse> {
    const res = this.post(text);
    const start = Date.now();
    while (res.body === undefined && !res.destroyed && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 1));
    await settle();
    return res;
  }

  /** Moves the clock and runs the sweep. */
  advance(ms: number): void {
    this.now += ms;
    this.service.sweep(this.now);
  }

  /** A session created with `attrs` added to the usual creation request; its response is answered. */
  async create(attrs: Record<string, string | number> = {}, options?: { isSecure?: boolean }): Promise<KitSession & { res: FakeResponse }> {
    const rid = 1000;
    const res = await this.send(body({ rid, to: 'localhost', wait: 30, hold: 1, ver: '1.6', 'xmpp:version': '1.0', 'xml:lang': 'en', ...attrs }), options);
    const sid = res.element.attrs.sid;
    const session: KitSession & { res: FakeResponse } = { sid, rid: rid + 1, res, next: () => session.rid++ };
    return session;
  }

  /** Creation, SASL PLAIN (the fake is loopback), restart and bind, each answered at once. */
  async signIn(username: string, resource = 'web', attrs: Record<string, string | number> = {}): Promise<KitSession> {
    const s = await this.create(attrs);
    const auth = xml('auth', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: 'PLAIN' }, Buffer.from(`\0${username}\0secret`).toString('base64'));
    let success = await this.sendUntilAnswered(body({ rid: s.next(), sid: s.sid }, auth));
    if (!success.body?.includes('<success')) {
      // A polling session (hold=0) is answered at once; the SASL outcome comes with the next poll,
      // sent after `polling` has passed (§12).
      await new Promise((r) => setTimeout(r, 50));
      this.now += 5_000;
      success = await this.sendUntilAnswered(body({ rid: s.next(), sid: s.sid }));
    }
    if (!success.body?.includes('<success')) throw new Error(`no SASL success: ${success.body}`);
    await this.send(body({ rid: s.next(), sid: s.sid, to: 'localhost', 'xmpp:restart': 'true' }));
    const bind = xml('iq', { type: 'set', id: 'bind', xmlns: 'jabber:client' }, xml('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' }, xml('resource', {}, resource)));
    const bound = await this.send(body({ rid: s.next(), sid: s.sid }, bind));
    if (!bound.body?.includes(`${username}@localhost/${resource}`)) throw new Error(`bind failed: ${bound.body}`);
    return s;
  }
}

export const message = (to: string, text: string) => xml('message', { to, type: 'chat', xmlns: 'jabber:client' }, xml('body', {}, text));
