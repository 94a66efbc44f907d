// The XEP-0065 proxy over XMPP through the in-process harness, with its SOCKS5 server on a free
// loopback port: discovery (§4), the streamhost (§6.3.1), and activation (§6.3.3) of only the two
// parties of a negotiation this node routed, under the policy.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { createHash } from 'node:crypto';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { stanzaMatching, type HarnessClient } from '@deskchat/testing';
import { filesKit, type FilesKit } from '../__tests__/files-kit.js';
import { pdf, windowsExecutable } from '../__tests__/samples.js';
import { socks5Connect, type Socks5Connection } from '../__tests__/socks5-client.js';
import { DEFAULT_FILES_OPTIONS } from '../options.js';
import { NS_BYTESTREAMS, NS_SI, NS_SI_FILE } from '../p2p/offer-readers.js';
import { peerOffersModule } from '../p2p/peer-offers-module.js';
import { PROXY_SERVICE, proxy65Module } from './proxy-module.js';
import { streamHash, type Socks5Proxy } from './socks5-proxy.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/laptop';
const PROXY = 'localhost/proxy65';

let kit: FilesKit;
let alice: HarnessClient;
let bob: HarnessClient;
let proxy: Socks5Proxy;
const sockets: Socks5Connection[] = [];

beforeEach(async () => {
  kit = await filesKit({
    policy: { maxBytes: 1_000_000 },
    modules: () => [peerOffersModule(), proxy65Module({ ...DEFAULT_FILES_OPTIONS.proxy, port: 0, host: '127.0.0.1', bytesPerSecond: 0 })],
  });
  proxy = kit.harness.core.services.get(PROXY_SERVICE) as Socks5Proxy;
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  alice = await kit.connect('alice', 'desk');
  bob = await kit.connect('bob', 'laptop');
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.socket.destroy();
  await proxy.close();
});

const connect = async (hash: string) => {
  const c = await socks5Connect(proxy.port, hash);
  sockets.push(c);
  return c;
};

/** alice offers bob a stream through the proxy (§5.3.1); bob answers that he used it. */
async function negotiate(sid: string): Promise<void> {
  const pending = alice.iq(xml('iq', { type: 'set', to: BOB }, xml('query', { xmlns: NS_BYTESTREAMS, sid }, xml('streamhost', { jid: PROXY, host: '127.0.0.1', port: String(proxy.port) }))));
  const offer = await bob.next(stanzaMatching('iq', { type: 'set' }));
  await bob.send(xml('iq', { type: 'result', id: offer.attrs.id, to: ALICE }, xml('query', { xmlns: NS_BYTESTREAMS, sid }, xml('streamhost-used', { jid: PROXY }))));
  expect((await pending).attrs.type).toBe('result');
}

const activate = (client: HarnessClient, sid: string, target: string) => client.iq(xml('iq', { type: 'set', to: PROXY }, xml('query', { xmlns: NS_BYTESTREAMS, sid }, xml('activate', {}, target))));

async function until(check: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the SOCKS5 proxy service (XEP-0065)', () => {
  it('is an item of the domain with the proxy/bytestreams identity (§4)', async () => {
    const info = await alice.iq(xml('iq', { type: 'get', to: PROXY }, xml('query', { xmlns: NS.DISCO_INFO })));
    const query = info.getChild('query', NS.DISCO_INFO)!;
    expect(query.getChild('identity')!.attrs).toMatchObject({ category: 'proxy', type: 'bytestreams' });
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toContain(NS_BYTESTREAMS);
  });

  it('gives its network address as a streamhost (§6.3.1)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: PROXY }, xml('query', { xmlns: NS_BYTESTREAMS })));
    expect(reply.getChild('query', NS_BYTESTREAMS)!.getChild('streamhost')!.attrs).toEqual({ jid: PROXY, host: '127.0.0.1', port: String(proxy.port) });
  });

  it('activates a negotiated stream for its requester and relays the file (§6.3.3)', async () => {
    await negotiate('s1');
    const hash = streamHash('s1', ALICE, BOB);
    const target = await connect(hash);
    const requester = await connect(hash);
    expect((await activate(alice, 's1', BOB)).attrs.type).toBe('result');
    const file = pdf(200_000);
    requester.socket.end(file);
    await until(() => target.received().length === file.length, 'the file at the target');
    expect(createHash('sha256').update(target.received()).digest('hex')).toBe(createHash('sha256').update(file).digest('hex'));
  });

  it('refuses to activate a stream it saw no negotiation for, with not-allowed', async () => {
    const hash = streamHash('s2', ALICE, BOB);
    await connect(hash);
    await connect(hash);
    expect(StanzaError.fromStanza(await activate(alice, 's2', BOB))).toMatchObject({ condition: 'not-allowed', text: expect.stringContaining('no bytestream negotiation') });
  });

  it('refuses activation before both parties connected (item-not-found), and by anyone but the requester', async () => {
    await negotiate('s3');
    expect(StanzaError.fromStanza(await activate(alice, 's3', BOB))).toMatchObject({ condition: 'item-not-found' });
    const hash = streamHash('s3', ALICE, BOB);
    await connect(hash);
    await connect(hash);
    // bob's activation names a different hash (sid + bob + alice): nothing of his is connected.
    expect(StanzaError.fromStanza(await activate(bob, 's3', ALICE))).toMatchObject({ condition: 'item-not-found' });
  });

  it('checks the bytes against the name the SI offer stated: a renamed executable is cut before the target gets any', async () => {
    const pending = alice.iq(xml('iq', { type: 'set', to: BOB }, xml('si', { xmlns: NS_SI, id: 's4', profile: NS_SI_FILE }, xml('file', { xmlns: NS_SI_FILE, name: 'report.pdf', size: '100000' }))));
    const si: Element = await bob.next(stanzaMatching('iq', { type: 'set' }));
    await bob.send(xml('iq', { type: 'result', id: si.attrs.id, to: ALICE }));
    await pending;
    await negotiate('s4');
    const hash = streamHash('s4', ALICE, BOB);
    const target = await connect(hash);
    const requester = await connect(hash);
    expect((await activate(alice, 's4', BOB)).attrs.type).toBe('result');
    requester.socket.write(windowsExecutable(100_000));
    await target.closed;
    expect(target.received().length).toBe(0);
  });

  it('refuses the streamhost and activation while transfers are disabled', async () => {
    await negotiate('s5');
    await kit.policies.set({ enabled: false }, 'admin');
    expect(StanzaError.fromStanza(await alice.iq(xml('iq', { type: 'get', to: PROXY }, xml('query', { xmlns: NS_BYTESTREAMS }))))).toMatchObject({ condition: 'not-allowed' });
    expect(StanzaError.fromStanza(await activate(alice, 's5', BOB))).toMatchObject({ condition: 'not-allowed' });
  });
});
