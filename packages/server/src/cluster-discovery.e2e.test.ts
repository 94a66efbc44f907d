// Home-node discovery and every redirect end to end (issue 8 §5, docs/cluster.md), on four nodes
// of a cluster in this process on a real redis-server, each on its own loopback address (so that
// the XEP-0233 hostnames tell the nodes apart) with public URLs that name its real ports:
//   - discovery before authentication over TCP (stream header `from`), BOSH (session creation
//     `from`, XEP-0206) and WebSocket (`<open from/>`, RFC 7395): <hostname/>s home first, then
//     <home/>/<backup/> in urn:deskchat:cluster:0; an unknown user gets the same shape;
//   - a client that authenticates on a node not serving it: TCP see-other-host (RFC 6120
//     §4.9.3.19; xmpp.js follows it and lands on the home), BOSH see-other-uri with <uri/>
//     (XEP-0124 §17.2), WebSocket <close see-other-uri/> (RFC 7395 §3.6.1);
//   - the backup serves while the home is down; once the home is back it serves new sign-ins and
//     the sessions on the backup stay; `cluster.redirect: false` serves anyone.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebSocket } from 'ws';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { hashIndex, parseDocument } from '@deskchat/core';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { RawConnection, STREAM_HEADER, stopClient } from './__tests__/e2e-helpers.js';
import { ClusterNode, addressOf, discoverOverTcp, eventually, readDiscovery, signInAt } from './__tests__/cluster-helpers.js';

// @xmpp/websocket uses the WHATWG WebSocket global, which Node 20 lacks; ws implements it.
Object.assign(globalThis, { WebSocket: (globalThis as { WebSocket?: unknown }).WebSocket ?? WebSocket });

const BOSH_NS = "xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'";
const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
const plain = (user: string) => `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0pw-${user}`).toString('base64')}</auth>`;

let redis: RedisTestServer;
let imp1a: ClusterNode, imp1b: ClusterNode, imp2a: ClusterNode, imp2b: ClusterNode;
const clients: Client[] = [];

/** A hand-written BOSH client (XEP-0124/0206) for one session at `url`. */
class RawBosh {
  sid = '';
  rid = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  constructor(readonly url: string) {}

  async send(attrs = '', payload = ''): Promise<Element> {
    const body = `<body ${BOSH_NS} rid='${this.rid++}'${this.sid ? ` sid='${this.sid}'` : ''} ${attrs}>${payload}</body>`;
    const response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
    const el = parseDocument(await response.text(), undefined, { wrapperDepth: 1 });
    this.sid ||= el.attrs.sid;
    return el;
  }

  /** Session creation (XEP-0206 §5): with `from`, the features name the user's nodes. */
  create(from?: string): Promise<Element> {
    return this.send(`to='localhost' ver='1.6' xmpp:version='1.0' xml:lang='en' wait='10' hold='1'${from ? ` from='${from}'` : ''}`);
  }
}

/** A raw WebSocket (RFC 7395) collecting every frame as an element. */
async function rawWebSocket(url: string): Promise<{ ws: WebSocket; frames: Element[]; closed: () => boolean }> {
  const ws = new WebSocket(url, ['xmpp']);
  const frames: Element[] = [];
  let isClosed = false;
  ws.on('message', (data) => frames.push(parseDocument(data.toString())));
  ws.on('close', () => (isClosed = true));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames, closed: () => isClosed };
}

const features = (el: Element | undefined) => (el?.name === 'stream:features' ? el : el?.getChild('stream:features') ?? el?.getChild('features'));

/** A name whose hash lands in pair2 and that has no account (discovery must not tell it apart). */
const ghost = ['ghost', 'nobody', 'phantom', 'spectre', 'wraith'].find((n) => hashIndex(n, 2) === 1)!;

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  [imp1a, imp1b, imp2a, imp2b] = await Promise.all([
    ClusterNode.start(redis.url, 'imp1a', 'pair1', { host: '127.0.0.11' }),
    ClusterNode.start(redis.url, 'imp1b', 'pair1', { host: '127.0.0.12' }),
    ClusterNode.start(redis.url, 'imp2a', 'pair2', { host: '127.0.0.21' }),
    // Serves anyone who signs in there (cluster.redirect: false).
    ClusterNode.start(redis.url, 'imp2b', 'pair2', { host: '127.0.0.22', cluster: { redirect: false } }),
  ]);
  for (const [user, home] of [['alice', 'imp1a'], ['bob', 'imp2a']]) {
    await imp1a.addUser(user);
    await imp1a.assign(user, home);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  for (const node of [imp1a, imp1b, imp2a, imp2b]) await node?.stop().catch(() => undefined);
  await redis?.stop();
}, 30_000);

describe('discovery before authentication (XEP-0233, urn:deskchat:cluster:0)', () => {
  it('names the home, then the backup, in the features of a TCP stream whose header has from', async () => {
    const found = readDiscovery(parseDocument(await discoverOverTcp(imp2a.ports.c2s, 'alice@localhost', imp2a.host)));
    expect(found).toEqual({ hostnames: ['127.0.0.11', '127.0.0.12'], home: addressOf(imp1a), backup: addressOf(imp1b) });
  });

  it('names them in the BOSH session creation response when the body has from (XEP-0206 §5)', async () => {
    const created = await new RawBosh(imp2b.boshUrl).create('alice@localhost');
    expect(created.attrs.sid).toBeTruthy();
    expect(readDiscovery(features(created)!)).toEqual({ hostnames: ['127.0.0.11', '127.0.0.12'], home: addressOf(imp1a), backup: addressOf(imp1b) });
  });

  it('names them after a WebSocket <open from/> (RFC 7395 §3.3)', async () => {
    const raw = await rawWebSocket(imp1b.websocketUrl);
    raw.ws.send(`<open xmlns='${FRAMING}' to='localhost' from='bob@localhost' version='1.0'/>`);
    const found = await eventually(() => raw.frames.find((f) => f.name === 'stream:features'), 'features');
    raw.ws.close();
    expect(readDiscovery(found)).toEqual({ hostnames: ['127.0.0.21', '127.0.0.22'], home: addressOf(imp2a), backup: addressOf(imp2b) });
  });

  it('answers an unknown user with the same shape, from the pair its name hashes to, the same on every node', async () => {
    const answers = await Promise.all([imp1a, imp1b, imp2a, imp2b].map(async (n) => readDiscovery(parseDocument(await discoverOverTcp(n.ports.c2s, `${ghost}@localhost`, n.host)))));
    for (const answer of answers) expect(answer).toEqual({ hostnames: ['127.0.0.21', '127.0.0.22'], home: addressOf(imp2a), backup: addressOf(imp2b) });
    // Nothing was assigned on the way.
    expect(await imp1a.running.cluster!.registry.assignmentOf(ghost)).toBeUndefined();
  });

  it('says nothing about nodes to a stream without from', async () => {
    const raw = await RawConnection.connect(imp2a.ports.c2s, imp2a.host);
    raw.write(STREAM_HEADER);
    const received = await raw.waitFor(/<\/stream:features>/);
    raw.destroy();
    expect(readDiscovery(parseDocument(received.slice(received.indexOf('<stream:features'), received.indexOf('</stream:features>') + 18)))).toEqual({ hostnames: [] });
  });
});

describe('a client that authenticates on a node that does not serve it', () => {
  it('gets see-other-host with the home\'s host:port over TCP, on the stream it restarts (RFC 6120 §4.9.3.19)', async () => {
    const raw = await RawConnection.connect(imp2a.ports.c2s, imp2a.host);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    raw.write(plain('alice'));
    await raw.waitFor(/<success/);
    raw.write(STREAM_HEADER);
    const received = await raw.waitFor(/<\/stream:stream>/);
    raw.destroy();
    const error = parseDocument(received.slice(received.lastIndexOf('<stream:error'), received.lastIndexOf('</stream:error>') + 15));
    expect(error.getChildText('see-other-host', 'urn:ietf:params:xml:ns:xmpp-streams')).toBe(`127.0.0.11:${imp1a.ports.c2s}`);
    expect(error.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-streams')).toBe('alice is served by imp1a');
  });

  it('lands xmpp.js on the home by itself: it follows see-other-host', async () => {
    const alice = await signInAt(imp2a.host, imp2a.ports.c2s, 'alice', 'followed');
    clients.push(alice);
    expect(alice.jid?.toString()).toBe('alice@localhost/followed');
    expect(imp1a.sessionUsers()).toEqual(['alice@localhost/followed']);
    expect(imp2a.sessionUsers()).toEqual([]);
  });

  it('gets a see-other-uri terminate with the home\'s BOSH URL in <uri/> over BOSH (XEP-0124 §17.2), and signs in there', async () => {
    const wrong = new RawBosh(imp1b.boshUrl);
    await wrong.create();
    // SASL succeeds; the restart that follows is answered with the terminate.
    expect((await wrong.send('', plain('alice'))).getChild('success')).toBeDefined();
    const terminate = await wrong.send("to='localhost' xmpp:restart='true'");
    expect(terminate.attrs).toMatchObject({ type: 'terminate', condition: 'see-other-uri' });
    expect(terminate.getChildText('uri')).toBe(imp1a.boshUrl);
    expect(imp1b.sessionUsers()).toEqual([]);
    // The URI works: the same sign-in there binds.
    const home = new RawBosh(terminate.getChildText('uri')!);
    await home.create();
    expect((await home.send('', plain('alice'))).getChild('success')).toBeDefined();
    await home.send("to='localhost' xmpp:restart='true'");
    const bound = await home.send('', "<iq type='set' id='b1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bosh</resource></bind></iq>");
    expect(bound.toString()).toContain('alice@localhost/bosh');
    expect(imp1a.sessionUsers()).toContain('alice@localhost/bosh');
    await home.send("type='terminate'", "<presence type='unavailable' xmlns='jabber:client'/>");
  });

  it('gets <close see-other-uri/> with the home\'s WebSocket URL over WebSocket (RFC 7395 §3.6.1), and signs in there', async () => {
    const raw = await rawWebSocket(imp2a.websocketUrl);
    raw.ws.send(`<open xmlns='${FRAMING}' to='localhost' version='1.0'/>`);
    await eventually(() => raw.frames.find((f) => f.name === 'stream:features'), 'features');
    raw.ws.send(plain('alice'));
    await eventually(() => raw.frames.find((f) => f.name === 'success'), 'success');
    raw.ws.send(`<open xmlns='${FRAMING}' to='localhost' version='1.0'/>`);
    const close = await eventually(() => raw.frames.find((f) => f.name === 'close'), '<close/>');
    expect(close.attrs).toEqual({ xmlns: FRAMING, 'see-other-uri': imp1a.websocketUrl });
    await eventually(() => raw.closed(), 'the WebSocket closed');
    // A real client at that URI signs in on the home.
    const alice = client({ timeout: 15000, service: close.attrs['see-other-uri'], domain: 'localhost', username: 'alice', password: 'pw-alice', resource: 'ws' });
    alice.on('error', () => {});
    alice.reconnect.stop();
    await alice.start();
    clients.push(alice);
    expect(imp1a.running.core.sessions.forUser('alice').find((s) => s.jid?.resource === 'ws')?.transport.kind).toBe('websocket');
  });

  it('is served where it signed in when that node has cluster.redirect: false', async () => {
    const alice = await imp2b.signIn('alice', 'anywhere');
    clients.push(alice);
    expect(imp2b.sessionUsers()).toEqual(['alice@localhost/anywhere']);
  });
});

describe('while the home is down, and after it is back', () => {
  let bob: Client;
  const atBob: Element[] = [];

  it('sends the home\'s clients to the backup when the home stops, and xmpp.js follows', async () => {
    bob = await imp2a.signIn('bob', 'desk');
    clients.push(bob);
    bob.on('stanza', (el: Element) => void atBob.push(el));
    await imp1a.stop();
    // The TCP client that was on imp1a is now on imp1b (graceful stop: see-other-host to the peer).
    await eventually(() => imp1b.sessionUsers().includes('alice@localhost/followed'), 'alice/followed on imp1b', 10_000, () => `imp1b holds ${imp1b.sessionUsers()}`);
  });

  it('names the home, then the backup, still (the client tries them in that order)', async () => {
    const found = readDiscovery(parseDocument(await discoverOverTcp(imp2a.ports.c2s, 'alice@localhost', imp2a.host)));
    expect(found.hostnames).toEqual(['127.0.0.11', '127.0.0.12']);
  });

  it('serves the user on the backup, and sends a client on another node there (TCP and BOSH)', async () => {
    const direct = await imp1b.signIn('alice', 'backup');
    clients.push(direct);
    expect(imp1b.sessionUsers()).toContain('alice@localhost/backup');
    const sent = await signInAt(imp2a.host, imp2a.ports.c2s, 'alice', 'sent-on');
    clients.push(sent);
    expect(imp1b.sessionUsers()).toContain('alice@localhost/sent-on');
    const wrong = new RawBosh(imp2a.boshUrl);
    await wrong.create();
    expect((await wrong.send('', plain('alice'))).getChild('success')).toBeDefined();
    const terminate = await wrong.send("to='localhost' xmpp:restart='true'");
    expect(terminate.attrs.condition).toBe('see-other-uri');
    expect(terminate.getChildText('uri')).toBe(imp1b.boshUrl);
  });

  it('serves new sign-ins on the home again once it is back, while the sessions on the backup stay and keep chatting', async () => {
    await imp1a.restart();
    const onBackup = clients.find((c) => c.jid?.toString() === 'alice@localhost/backup')!;
    // A new sign-in on the backup is sent home.
    const again = await signInAt(imp1b.host, imp1b.ports.c2s, 'alice', 'home-again');
    clients.push(again);
    expect(imp1a.sessionUsers()).toEqual(['alice@localhost/home-again']);
    expect(imp1b.sessionUsers()).toEqual(expect.arrayContaining(['alice@localhost/followed', 'alice@localhost/backup', 'alice@localhost/sent-on']));
    // The session on the backup still works, both ways.
    await onBackup.send(xml('message', { to: 'bob@localhost/desk', type: 'chat' }, xml('body', {}, 'still on the backup')));
    await eventually(() => atBob.find((el) => el.is('message') && el.getChildText('body') === 'still on the backup'), 'the message at bob');
    const back = new Promise<Element>((resolve) => onBackup.on('stanza', (el: Element) => el.is('message') && resolve(el)));
    await bob.send(xml('message', { to: 'alice@localhost/backup', type: 'chat' }, xml('body', {}, 'to the backup')));
    expect((await back).getChildText('body')).toBe('to the backup');
  }, 30_000);
});
