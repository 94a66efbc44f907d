// Issue #7 §2: a receiver that stops reading must not make the node buffer everything. A flood of
// 16 MB goes to a client that never reads, over TCP and over WebSocket: the stream is ended with
// policy-violation at limits.maxOutputBytes (64 KB here), and nothing is lost — every message is
// either in what the client can still read from the kernel's buffers, or in offline storage.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { StreamError } from '@deskchat/protocol';
import { startTestNode, type TestNode } from './__tests__/e2e-helpers.js';
import { TextSocket, TextWebSocket, signInRaw, signInWs, until } from './__tests__/raw-clients.js';

const COUNT = 4000;
/** How long the node waits for a client's closing tag before it destroys the socket (tcp-transport.ts). */
const CLOSING_GRACE_MS = 2000;
const FILLER = 'f'.repeat(4000);

let server: TestNode;
const ended = new Map<string, string | undefined>();
beforeAll(async () => {
  server = await startTestNode({ raw: { limits: { maxOutputBytes: 64 * 1024 }, offline: { maxMessagesPerUser: 100_000, maxBytesPerUser: 512 * 1024 * 1024 } } });
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) await server.addUser(user, `pw-${user}`);
  server.node.core.hooks.on('session/unbound', ({ session, error }) => void ended.set(session.jid!.toString(), (error as StreamError | undefined)?.condition));
});
afterAll(() => server.stop());

/** bob writes COUNT messages to `to` in one go, then pings the server: its answer means all were routed. */
async function flood(to: string, tag: string): Promise<void> {
  const bob = await TextSocket.plain(server.port);
  await signInRaw(bob, 'bob', 'pw-bob', `sender-${tag}`);
  const stanzas: string[] = [];
  for (let i = 0; i < COUNT; i++) stanzas.push(`<message to='${to}' type='chat'><body>${tag}-${i} ${FILLER}</body></message>`);
  stanzas.push(`<iq type='get' id='marker' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  bob.write(stanzas.join(''));
  await bob.waitFor(/id=['"]marker['"]/, 60_000);
  bob.socket.destroy();
}

/** The ids of the whole messages in `text` (the body may be followed by empty elements such as XEP-0359's <stanza-id/>). */
function idsIn(text: string, tag: string): Set<number> {
  const ids = new Set<number>();
  for (const m of text.matchAll(new RegExp(`<body>${tag}-(\\d+) f+</body>(?:<[^<>]*/>)*</message>`, 'g'))) ids.add(Number(m[1]));
  return ids;
}

/** Offline messages for `user` carrying `tag`, by id. */
async function storedIds(user: string, tag: string): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const m of await server.node.core.stores.offline.listMessages(user)) {
    const id = new RegExp(`<body>${tag}-(\\d+) `).exec(m.stanza)?.[1];
    if (id !== undefined) ids.add(Number(id));
  }
  return ids;
}

/**
 * Every message was received whole or stored offline. `inKernel`: how many messages may be missing
 * because the kernel had accepted them (they count as delivered) and the client library dropped
 * them when the server cut the connection; proof of receipt needs XEP-0198 (see the report).
 */
async function expectNothingLost(user: string, received: () => string, tag: string, inKernel = 0): Promise<void> {
  let missing: number[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const got = idsIn(received(), tag);
    const stored = await storedIds(user, tag);
    missing = [...Array(COUNT).keys()].filter((i) => !got.has(i) && !stored.has(i));
    if (missing.length <= inKernel) break;
    if (Date.now() > deadline) throw new Error(`${missing.length} messages lost (first ${missing.slice(0, 5)}); received ${got.size}, stored ${stored.size}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  expect((await storedIds(user, tag)).size).toBeGreaterThan(0); // the bound was hit: some never went out
}

describe('a client that stops reading (issue #7 §2)', () => {
  it('ends a TCP stream at limits.maxOutputBytes with policy-violation and routes what it did not get to offline storage', async () => {
    const reader = await TextSocket.plain(server.port);
    await signInRaw(reader, 'alice', 'pw-alice', 'tcp-reader');
    reader.socket.pause(); // never reads from here on
    await flood('alice@localhost/tcp-reader', 'tcp');
    await until(() => ended.has('alice@localhost/tcp-reader'), () => 'the stream was not ended');
    expect(ended.get('alice@localhost/tcp-reader')).toBe('policy-violation');
    reader.socket.resume(); // what the kernel still holds for it
    await reader.waitClosed(10_000);
    await expectNothingLost('alice', () => reader.received, 'tcp');
  }, 60_000);

  it('loses nothing when the reader stays away past the closing grace period (the node destroys the socket mid-write)', async () => {
    // The node waits 2 s for the client's closing tag (RFC 6120 §4.4), then destroys the socket,
    // with a chunk half-written into the kernel. Node reports that write as a success; the node
    // must still hand the message back (it arrived in part at most).
    const reader = await TextSocket.plain(server.port);
    await signInRaw(reader, 'dave', 'pw-dave', 'tcp-late');
    reader.socket.pause();
    await flood('dave@localhost/tcp-late', 'late');
    await until(() => ended.has('dave@localhost/tcp-late'), () => 'the stream was not ended');
    await new Promise((r) => setTimeout(r, CLOSING_GRACE_MS + 1000)); // a reader that stays away, not a wait for an outcome
    reader.socket.resume();
    await reader.waitClosed(10_000);
    await expectNothingLost('dave', () => reader.received, 'late');
  }, 60_000);

  it('loses nothing over WebSocket either when the reader stays away past the closing grace period', async () => {
    const reader = await TextWebSocket.open(server.httpPort);
    await signInWs(reader, 'erin', 'pw-erin', 'ws-late');
    reader.ws.pause();
    await flood('erin@localhost/ws-late', 'wslate');
    await until(() => ended.has('erin@localhost/ws-late'), () => 'the stream was not ended');
    await new Promise((r) => setTimeout(r, CLOSING_GRACE_MS + 1000)); // a reader that stays away, not a wait for an outcome
    reader.ws.resume();
    await until(() => reader.isClosed, () => 'the WebSocket was not closed', 10_000);
    await expectNothingLost('erin', () => reader.text, 'wslate');
  }, 60_000);

  it('ends a WebSocket stream at limits.maxOutputBytes with policy-violation and routes what it did not get to offline storage', async () => {
    const reader = await TextWebSocket.open(server.httpPort);
    await signInWs(reader, 'carol', 'pw-carol', 'ws-reader');
    reader.ws.pause();
    await flood('carol@localhost/ws-reader', 'ws');
    await until(() => ended.has('carol@localhost/ws-reader'), () => 'the stream was not ended');
    expect(ended.get('carol@localhost/ws-reader')).toBe('policy-violation');
    reader.ws.resume();
    await until(() => reader.isClosed, () => 'the WebSocket was not closed', 10_000);
    // Over WebSocket the `ws` client drops the last whole frame the kernel held when the server cuts
    // the connection: at most that one is unaccounted for (known limit, docs/session.md).
    await expectNothingLost('carol', () => reader.text, 'ws', 1);
  }, 60_000);
});
