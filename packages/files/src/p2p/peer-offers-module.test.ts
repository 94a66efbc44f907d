// Peer-to-peer offers under the policy through the in-process harness (issue #10): SI (XEP-0096)
// and Jingle (XEP-0234) offers are relayed between full JIDs, and one that breaks the policy is
// bounced to the sender before the receiver sees it; in-band bytestreams (XEP-0047) and SOCKS5
// negotiations (XEP-0065) are held to the policy too.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { stanzaMatching, type HarnessClient } from '@deskchat/testing';
import { filesKit, type FilesKit } from '../__tests__/files-kit.js';
import { pdf, windowsExecutable } from '../__tests__/samples.js';
import { NS_BYTESTREAMS, NS_IBB, NS_JINGLE, NS_SI, NS_SI_FILE } from './offer-readers.js';
import { peerOffersModule } from './peer-offers-module.js';

let kit: FilesKit;
let alice: HarnessClient;
let bob: HarnessClient;
beforeEach(async () => {
  kit = await filesKit({ policy: { maxBytes: 10_000 }, modules: () => [peerOffersModule()] });
  alice = await kit.connect('alice', 'desk');
  bob = await kit.connect('bob', 'laptop');
});

const BOB = 'bob@localhost/laptop';

function siOffer(name: string, size: number, sid = 'si1'): Element {
  return xml(
    'iq',
    { type: 'set', to: BOB },
    xml('si', { xmlns: NS_SI, id: sid, profile: NS_SI_FILE, 'mime-type': 'application/octet-stream' }, xml('file', { xmlns: NS_SI_FILE, name, size: String(size) }), xml('feature', { xmlns: 'http://jabber.org/protocol/feature-neg' })),
  );
}

function jingleOffer(ns: string, name: string, size: number, options: { action?: string; wrapInOffer?: boolean } = {}): Element {
  const file = xml('file', {}, xml('media-type', {}, 'application/pdf'), xml('name', {}, name), xml('size', {}, String(size)));
  return xml(
    'iq',
    { type: 'set', to: BOB },
    xml(
      'jingle',
      { xmlns: NS_JINGLE, action: options.action ?? 'session-initiate', initiator: 'alice@localhost/desk', sid: 'j1' },
      xml('content', { creator: 'initiator', name: 'a-file-offer', senders: 'initiator' }, xml('description', { xmlns: ns }, options.wrapInOffer ? xml('offer', {}, file) : file), xml('transport', { xmlns: 'urn:xmpp:jingle:transports:ibb:1', sid: 'ibb1', 'block-size': '4096' })),
    ),
  );
}

/** Sends `stanza` from alice, checks what bob got, lets him answer with a result; alice's reply. */
async function relayed(stanza: Element, check: (got: Element) => void = () => {}): Promise<Element> {
  const pending = alice.iq(stanza);
  const got = await bob.next(stanzaMatching('iq', { type: 'set' }));
  check(got);
  await bob.send(xml('iq', { type: 'result', id: got.attrs.id, to: got.attrs.from }));
  return pending;
}

/** A later marker: once bob has it, anything alice sent before would have reached him. */
async function nothingReachedBobBefore(): Promise<void> {
  await alice.send(xml('message', { to: BOB, type: 'chat', id: 'marker' }, xml('body', {}, 'marker')));
  const first = await bob.next();
  expect(first.attrs.id).toBe('marker');
}

describe('SI file-transfer offers (XEP-0096)', () => {
  it('relays an offer within the policy to the receiver, who can accept it', async () => {
    const reply = await relayed(siOffer('report.pdf', 5000), (offer) => expect(offer.getChild('si', NS_SI)!.getChild('file', NS_SI_FILE)!.attrs.name).toBe('report.pdf'));
    expect(reply.attrs.type).toBe('result');
  });

  it('bounces a refused type with not-acceptable and the reason, and the receiver sees nothing', async () => {
    const reply = await alice.iq(siOffer('setup.exe', 100));
    expect(reply.attrs.from).toBe(BOB);
    expect(StanzaError.fromStanza(reply)).toMatchObject({ condition: 'not-acceptable', type: 'modify', text: 'setup.exe: files of type .exe are not accepted (files.refusedTypes)' });
    await nothingReachedBobBefore();
  });

  it('bounces a file over the limit with its size and the limit', async () => {
    const reply = await alice.iq(siOffer('big.pdf', 10_001));
    expect(StanzaError.fromStanza(reply)).toMatchObject({ condition: 'not-acceptable', text: expect.stringContaining('the maximum is 9.8 KB (10000 bytes, files.maxBytes)') });
    await nothingReachedBobBefore();
  });

  it('bounces every offer with not-allowed while transfers are disabled', async () => {
    await kit.policies.set({ enabled: false }, 'admin');
    expect(StanzaError.fromStanza(await alice.iq(siOffer('report.pdf', 1)))).toMatchObject({ condition: 'not-allowed', text: expect.stringContaining('files.enabled') });
    await nothingReachedBobBefore();
  });
});

describe('Jingle file-transfer offers (XEP-0234)', () => {
  it('relays a session-initiate within the policy', async () => {
    const reply = await relayed(jingleOffer('urn:xmpp:jingle:apps:file-transfer:5', 'report.pdf', 100), (got) => expect(got.getChild('jingle', NS_JINGLE)).toBeDefined());
    expect(reply.attrs.type).toBe('result');
  });

  it.each([
    ['urn:xmpp:jingle:apps:file-transfer:5', false, 'session-initiate'],
    ['urn:xmpp:jingle:apps:file-transfer:4', false, 'content-add'],
    ['urn:xmpp:jingle:apps:file-transfer:3', true, 'session-initiate'],
  ])('bounces a refused %s %s offer (offer wrapper: %s)', async (ns, wrapInOffer, action) => {
    const reply = await alice.iq(jingleOffer(ns, 'run.vbs', 100, { wrapInOffer, action }));
    expect(StanzaError.fromStanza(reply)).toMatchObject({ condition: 'not-acceptable', text: 'run.vbs: files of type .vbs are not accepted (files.refusedTypes)' });
    await nothingReachedBobBefore();
  });

  it('lets other Jingle actions through untouched', async () => {
    const terminate = xml('iq', { type: 'set', to: BOB }, xml('jingle', { xmlns: NS_JINGLE, action: 'session-terminate', sid: 'j1' }, xml('reason', {}, xml('success'))));
    await relayed(terminate, (got) => expect(got.getChild('jingle', NS_JINGLE)!.attrs.action).toBe('session-terminate'));
  });
});

describe('in-band bytestreams (XEP-0047)', () => {
  const open = (sid: string) => xml('iq', { type: 'set', to: BOB }, xml('open', { xmlns: NS_IBB, sid, 'block-size': '4096', stanza: 'iq' }));
  const data = (sid: string, seq: number, bytes: Buffer) => xml('iq', { type: 'set', to: BOB }, xml('data', { xmlns: NS_IBB, sid, seq: String(seq) }, bytes.toString('base64')));

  it('passes a stream within the policy', async () => {
    await relayed(siOffer('report.pdf', 6000, 's1'));
    await relayed(open('s1'));
    expect((await relayed(data('s1', 0, pdf(4000)))).attrs.type).toBe('result');
    expect((await relayed(data('s1', 1, pdf(2000)))).attrs.type).toBe('result');
  });

  it('refuses the first block when its content is a refused type, whatever the offered name', async () => {
    await relayed(siOffer('report.pdf', 6000, 's2'));
    await relayed(open('s2'));
    const reply = await alice.iq(data('s2', 0, windowsExecutable(4000)));
    expect(StanzaError.fromStanza(reply)).toMatchObject({ condition: 'not-acceptable', text: expect.stringContaining('report.pdf is named as .pdf but its content is a Windows executable') });
    await nothingReachedBobBefore();
  });

  it('stops a stream past files.maxBytes', async () => {
    await relayed(open('s3'));
    await relayed(data('s3', 0, pdf(4096)));
    await relayed(data('s3', 1, pdf(4096)));
    const reply = await alice.iq(data('s3', 2, pdf(4096)));
    expect(StanzaError.fromStanza(reply)).toMatchObject({ condition: 'not-acceptable', text: expect.stringContaining('the in-band stream passed 9.8 KB (10000 bytes, files.maxBytes)') });
  });

  it('opens no stream, and negotiates no SOCKS5 stream, while transfers are disabled', async () => {
    await kit.policies.set({ enabled: false }, 'admin');
    expect(StanzaError.fromStanza(await alice.iq(open('s4')))).toMatchObject({ condition: 'not-allowed' });
    const socks = xml('iq', { type: 'set', to: BOB }, xml('query', { xmlns: NS_BYTESTREAMS, sid: 's4' }, xml('streamhost', { jid: 'localhost/proxy65', host: '127.0.0.1', port: '7777' })));
    expect(StanzaError.fromStanza(await alice.iq(socks))).toMatchObject({ condition: 'not-allowed' });
    await nothingReachedBobBefore();
  });
});
