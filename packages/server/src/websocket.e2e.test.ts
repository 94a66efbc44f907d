// XMPP over WebSocket (RFC 7395) on the node's HTTP port: @xmpp/client signs in, binds, fetches the
// roster and chats with a TCP client; raw WebSocket tests for the upgrade (§3.1 sub-protocol
// `xmpp`), the <open/>/<close/> framing (§3.3, §3.6), stream errors, <close see-other-uri/>,
// pings and the idle timeout, and system-shutdown.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { WebSocket } from 'ws';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { parseDocument } from '@deskchat/core';
import { redirectSession } from '@deskchat/bosh';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

// @xmpp/websocket uses the WHATWG WebSocket global, which Node 20 lacks; ws implements it.
Object.assign(globalThis, { WebSocket: (globalThis as { WebSocket?: unknown }).WebSocket ?? WebSocket });

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
const OPEN = `<open xmlns='${FRAMING}' to='localhost' version='1.0'/>`;

/** A raw WebSocket that collects every message as an element. */
class RawSocket {
  readonly frames: Element[] = [];
  closeCode?: number;
  pings = 0;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(parseDocument(data.toString())));
    ws.on('ping', () => this.pings++);
    ws.on('close', (code) => (this.closeCode = code));
  }

  static open(port: number, options: { protocol?: string; path?: string; autoPong?: boolean; origin?: string } = {}): Promise<RawSocket> {
    const { protocol = 'xmpp', path = '/xmpp-websocket', autoPong = true, origin } = options;
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocol ? [protocol] : [], { autoPong, origin });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawSocket(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  async waitFor(match: (el: Element) => boolean, what: string, timeoutMs = 4000): Promise<Element> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what}; got ${this.frames.map(String).join(' ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async waitClosed(timeoutMs = 4000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) throw new Error('the server did not close the WebSocket');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closeCode;
  }
}

const isClose = (el: Element) => el.name === 'close' && el.attrs.xmlns === FRAMING;
const streamError = (el: Element) => (el.name === 'stream:error' ? el.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text')?.name : undefined);

let server: TestNode;
const clients: Client[] = [];
beforeAll(async () => {
  server = await startTestNode({ raw: { c2s: { host: '127.0.0.1', port: 0, directTlsPort: 0, keepaliveInterval: 1, idleTimeout: 5 } } });
  for (const user of ['alice', 'bob']) await server.addUser(user, `pw-${user}`);
  await server.node.core.stores.roster.setItem('alice', { jid: 'bob@localhost', groups: ['Team'], subscription: 'both', isPendingOut: false, isPreApproved: false });
});
afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  await server.stop();
});

describe('@xmpp/client over WebSocket (RFC 7395)', () => {
  it('signs in, binds, fetches the roster, chats with a TCP client and ends cleanly', async () => {
    const alice = client({ timeout: 15000, service: `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, domain: 'localhost', username: 'alice', password: 'pw-alice', resource: 'ws' });
    alice.on('error', () => {});
    alice.reconnect.stop();
    await alice.start();
    expect(alice.jid?.toString()).toBe('alice@localhost/ws');
    expect(server.node.core.sessions.forUser('alice').map((s) => s.transport.kind)).toEqual(['websocket']);

    const roster = await alice.iqCaller.get(xml('query', { xmlns: NS.ROSTER }));
    expect(roster.getChild('item')?.attrs).toMatchObject({ jid: 'bob@localhost', subscription: 'both' });
    expect(await alice.iqCaller.get(xml('ping', { xmlns: NS.PING }), 'localhost')).toBeUndefined();

    const bob = await signIn(server.port, 'bob', 'pw-bob', 'desk');
    clients.push(bob);
    const atAlice = new Promise<Element>((resolve) => alice.on('stanza', (el: Element) => el.is('message') && resolve(el)));
    await bob.send(xml('message', { to: 'alice@localhost/ws', type: 'chat' }, xml('body', {}, 'to the browser')));
    expect((await atAlice).getChildText('body')).toBe('to the browser');
    const atBob = new Promise<Element>((resolve) => bob.on('stanza', (el: Element) => el.is('message') && resolve(el)));
    await alice.send(xml('message', { to: 'bob@localhost/desk', type: 'chat' }, xml('body', {}, 'from the browser')));
    expect((await atBob).attrs.from).toBe('alice@localhost/ws');

    await alice.stop();
    const deadline = Date.now() + 3000;
    while (server.node.core.sessions.forUser('alice').length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(server.node.core.sessions.forUser('alice')).toEqual([]);
  });
});

describe('the WebSocket endpoint (RFC 7395)', () => {
  it.each([
    ['without the xmpp sub-protocol (§3.1)', { protocol: '' }, 'HTTP 400'],
    ['on another path', { path: '/ws' }, 'HTTP 404'],
    ['from an origin that is not allowed', { origin: 'https://evil.example.net' }, 'HTTP 403'],
  ])('refuses an upgrade %s', async (_, options, error) => {
    await expect(RawSocket.open(server.httpPort, options)).rejects.toThrow(error);
  });

  it('answers <open/> with <open/> and stream features that declare their prefix (§3.3.2, §3.3.3)', async () => {
    const raw = await RawSocket.open(server.httpPort);
    expect(raw.ws.protocol).toBe('xmpp');
    raw.ws.send(OPEN);
    const open = await raw.waitFor((el) => el.name === 'open', '<open/>');
    expect(open.attrs).toMatchObject({ xmlns: FRAMING, from: 'localhost', version: '1.0' });
    const features = await raw.waitFor((el) => el.name === 'stream:features', 'features');
    expect(features.attrs['xmlns:stream']).toBe(NS.STREAM);
    raw.ws.close();
  });

  it('answers the client <close/> with <close/> and closes the WebSocket (§3.6)', async () => {
    const raw = await RawSocket.open(server.httpPort);
    raw.ws.send(OPEN);
    await raw.waitFor((el) => el.name === 'stream:features', 'features');
    raw.ws.send(`<close xmlns='${FRAMING}'/>`);
    await raw.waitFor(isClose, '<close/>');
    expect(await raw.waitClosed()).toBe(1000);
  });

  it.each([
    ['a stanza before <open/>', [`<message xmlns='jabber:client'/>`], 'bad-format'],
    ['a message that is not XML', [OPEN, '<message><body>'], 'not-well-formed'],
    ['a stanza over xml.maxStanzaBytesBeforeAuth', [OPEN, `<message xmlns='jabber:client'><body>${'x'.repeat(20 * 1024)}</body></message>`], 'policy-violation'],
    ['a stanza before authentication', [OPEN, `<message xmlns='jabber:client' to='bob@localhost'/>`], 'not-authorized'],
  ])('ends the stream after %s with a stream error and <close/>', async (_, frames, condition) => {
    const raw = await RawSocket.open(server.httpPort);
    for (const frame of frames) raw.ws.send(frame);
    const error = await raw.waitFor((el) => el.name === 'stream:error', 'a stream error');
    expect(streamError(error)).toBe(condition);
    expect(raw.frames.findIndex(isClose)).toBeGreaterThan(raw.frames.indexOf(error));
    expect(raw.frames[0].name).toBe('open'); // an error still comes after our <open/>
    await raw.waitClosed();
  });

  it('cuts a connection whose frame passes twice the pre-auth stanza limit before authentication (RFC 6455 §7.4.1 1009, issue #7 §2)', async () => {
    const raw = await RawSocket.open(server.httpPort);
    raw.ws.send(OPEN);
    raw.ws.send(`<message xmlns='jabber:client'><body>${'x'.repeat(300 * 1024)}</body></message>`);
    expect(await raw.waitClosed()).toBe(1009); // message too big: the rest is never read
  });

  it('sends a client to another node with <close see-other-uri/> (§3.6.1)', async () => {
    const raw = await RawSocket.open(server.httpPort);
    raw.ws.send(OPEN);
    await raw.waitFor((el) => el.name === 'stream:features', 'features');
    const session = [...server.node.core.streams].filter((s) => s.transport.kind === 'websocket' && s.state === 'open').at(-1)!;
    expect(redirectSession(session, 'wss://node2.example.com:5280/xmpp-websocket')).toBe(true);
    const close = await raw.waitFor(isClose, '<close/>');
    expect(close.attrs['see-other-uri']).toBe('wss://node2.example.com:5280/xmpp-websocket');
    await raw.waitClosed();
  });

  it('pings the client and closes a connection that stays silent past the idle timeout', async () => {
    const raw = await RawSocket.open(server.httpPort, { autoPong: false });
    raw.ws.send(OPEN);
    await raw.waitFor((el) => el.name === 'stream:features', 'features');
    const error = await raw.waitFor((el) => el.name === 'stream:error', 'connection-timeout', 9000);
    expect(raw.pings).toBeGreaterThan(0);
    expect(streamError(error)).toBe('connection-timeout');
  }, 15_000);

  it('ends every WebSocket stream with system-shutdown when the node stops', async () => {
    const other = await startTestNode();
    const raw = await RawSocket.open(other.httpPort);
    raw.ws.send(OPEN);
    await raw.waitFor((el) => el.name === 'stream:features', 'features');
    await other.stop();
    const error = await raw.waitFor((el) => el.name === 'stream:error', 'system-shutdown');
    expect(streamError(error)).toBe('system-shutdown');
    await raw.waitClosed();
  });
});
