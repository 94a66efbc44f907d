// XEP-0054 vcard-temp through the in-process harness: own get/set, other users' vCards answered by
// the server, forbidden sets, the size limit, durability fields and disco.
import { beforeEach, describe, expect, it } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { NS_VCARD } from './ns.js';
import { vcardModule } from './vcard-module.js';

/** An element as plain data, whitespace-only text dropped (compare elements, not strings). */
function plain(el: Element | string): unknown {
  if (typeof el === 'string') return el.trim();
  return { name: el.name, attrs: el.attrs, children: el.children.filter((c) => typeof c !== 'string' || c.trim()).map(plain) };
}

const ALICE_VCARD = () =>
  xml(
    'vCard',
    { xmlns: NS_VCARD },
    xml('FN', {}, 'Alice Liddell'),
    xml('N', {}, xml('FAMILY', {}, 'Liddell'), xml('GIVEN', {}, 'Alice')),
    xml('NICKNAME', {}, 'ally'),
    xml('EMAIL', {}, xml('INTERNET'), xml('PREF'), xml('USERID', {}, 'alice@example.com')),
    xml('DESC', {}, 'Down the <rabbit> hole & back'),
  );

let h: Harness;
let alice: HarnessClient;
let bob: HarnessClient;

async function setup(maxBytes?: number): Promise<void> {
  h = await Harness.create({ modules: [maxBytes ? { ...vcardModule, defaults: { maxBytes } } : vcardModule] });
  await h.addUser('alice');
  await h.addUser('bob');
  alice = await h.connect('alice');
  bob = await h.connect('bob');
}

const get = (to?: string) => xml('iq', { type: 'get', ...(to ? { to } : {}) }, xml('vCard', { xmlns: NS_VCARD }));
const set = (vcard: Element, to?: string) => xml('iq', { type: 'set', ...(to ? { to } : {}) }, vcard);

describe('own vCard (XEP-0054 §3.1, §3.2)', () => {
  beforeEach(() => setup());

  it('answers an empty <vCard/> when the user has none (XEP-0054 §3.1 allows it)', async () => {
    const reply = await alice.iq(get());
    expect(reply.attrs.type).toBe('result');
    expect(plain(reply.getChild('vCard', NS_VCARD)!)).toEqual(plain(xml('vCard', { xmlns: NS_VCARD })));
  });

  it('stores a vCard set with no "to" and returns it whole, with no "to" or to the own bare JID', async () => {
    const result = await alice.iq(set(ALICE_VCARD()));
    expect(result.attrs.type).toBe('result');
    expect(result.children).toHaveLength(0);
    for (const to of [undefined, 'alice@localhost']) {
      const reply = await alice.iq(get(to));
      expect(reply.attrs.type).toBe('result');
      expect(plain(reply.getChild('vCard', NS_VCARD)!)).toEqual(plain(ALICE_VCARD()));
    }
  });

  it('stores the searchable fields FN, NICKNAME, EMAIL/USERID, GIVEN and FAMILY beside the XML', async () => {
    await alice.iq(set(ALICE_VCARD()));
    const stored = await h.core.stores.vcards.getVCard('alice');
    expect(stored?.fields).toStrictEqual({ fn: 'Alice Liddell', nickname: 'ally', email: 'alice@example.com', given: 'Alice', family: 'Liddell' });
  });

  it('replaces the whole vCard on a second set (XEP-0054 §3.2: no partial update)', async () => {
    await alice.iq(set(ALICE_VCARD()));
    await alice.iq(set(xml('vCard', { xmlns: NS_VCARD }, xml('NICKNAME', {}, 'al'))));
    const reply = await alice.iq(get());
    expect(plain(reply.getChild('vCard', NS_VCARD)!)).toEqual(plain(xml('vCard', { xmlns: NS_VCARD }, xml('NICKNAME', {}, 'al'))));
    await expect(h.core.stores.vcards.getVCard('alice')).resolves.toHaveProperty('fields', { nickname: 'al' });
  });

  it('removes the stored vCard when an empty <vCard/> is set', async () => {
    await alice.iq(set(ALICE_VCARD()));
    expect((await alice.iq(set(xml('vCard', { xmlns: NS_VCARD })))).attrs.type).toBe('result');
    await expect(h.core.stores.vcards.getVCard('alice')).resolves.toBeUndefined();
  });

  it('reads the e-mail address from the text of <EMAIL/> when an old client left out <USERID/>', async () => {
    await alice.iq(set(xml('vCard', { xmlns: NS_VCARD }, xml('EMAIL', {}, ' old@example.com '))));
    await expect(h.core.stores.vcards.getVCard('alice')).resolves.toHaveProperty('fields', { email: 'old@example.com' });
  });

  it('advertises vcard-temp in the server disco#info (XEP-0054 §4)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const features = reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toContain(NS_VCARD);
  });
});

describe("other users' vCards (XEP-0054 §3.2, §3.3)", () => {
  beforeEach(() => setup());

  it("answers another user's vCard from the server, from their bare JID (XEP-0054 §3.3)", async () => {
    await alice.iq(set(ALICE_VCARD()));
    const reply = await bob.iq(get('alice@localhost'));
    expect(reply.attrs).toMatchObject({ type: 'result', from: 'alice@localhost', to: bob.jid.toString() });
    expect(plain(reply.getChild('vCard', NS_VCARD)!)).toEqual(plain(ALICE_VCARD()));
  });

  it("answers on the user's behalf and never forwards the IQ to their resources (XEP-0054 §3.3)", async () => {
    await alice.iq(set(ALICE_VCARD()));
    alice.transport.drain();
    await bob.iq(get('alice@localhost'));
    expect(alice.transport.drain()).toEqual([]);
  });

  it('answers a user without a vCard and a user that does not exist alike: service-unavailable (XEP-0054 §3.3, RFC 6121 §8.5.1)', async () => {
    const none = await bob.iq(get('alice@localhost'));
    const missing = await bob.iq(get('nobody@localhost'));
    expect(isStanzaError(none, 'service-unavailable')).toBe(true);
    expect(none.getChild('vCard')).toBeUndefined();
    // Nothing but the addresses and ids differs: the answer does not tell whether the account exists.
    const shape = (el: typeof none) => el.getChild('error')!.toString();
    expect(shape(missing)).toBe(shape(none));
  });

  it("refuses to set another user's vCard with forbidden and leaves theirs unchanged (XEP-0054 §3.2)", async () => {
    await alice.iq(set(ALICE_VCARD()));
    const reply = await bob.iq(set(xml('vCard', { xmlns: NS_VCARD }, xml('FN', {}, 'Hacked')), 'alice@localhost'));
    expect(isStanzaError(reply, 'forbidden')).toBe(true);
    expect(StanzaError.fromStanza(reply)?.type).toBe('auth');
    await expect(h.core.stores.vcards.getVCard('alice')).resolves.toHaveProperty('fields.fn', 'Alice Liddell');
  });
});

describe('vCard size limit', () => {
  const withPhoto = (bytes: number) =>
    xml('vCard', { xmlns: NS_VCARD }, xml('FN', {}, 'Alice'), xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, 'A'.repeat(bytes))));

  it('accepts a 60 KB PHOTO under the default 64 KB limit', async () => {
    await setup();
    expect((await alice.iq(set(withPhoto(60_000)))).attrs.type).toBe('result');
    const reply = await bob.iq(get('alice@localhost'));
    expect(reply.getChild('vCard')!.getChild('PHOTO')!.getChildText('BINVAL')).toHaveLength(60_000);
  });

  it('refuses a vCard over the default 64 KB with not-acceptable naming the limit (RFC 6120 §8.3.3.9) and keeps the old one', async () => {
    await setup();
    await alice.iq(set(ALICE_VCARD()));
    const reply = await alice.iq(set(withPhoto(70_000)));
    expect(isStanzaError(reply, 'not-acceptable')).toBe(true);
    expect(StanzaError.fromStanza(reply)?.text).toMatch(/at most 65536/);
    await expect(h.core.stores.vcards.getVCard('alice')).resolves.toHaveProperty('fields.fn', 'Alice Liddell');
  });

  it('applies a configured limit (maxBytes option)', async () => {
    await setup(2048);
    expect((await alice.iq(set(withPhoto(1500)))).attrs.type).toBe('result');
    const reply = await alice.iq(set(withPhoto(2100)));
    expect(isStanzaError(reply, 'not-acceptable')).toBe(true);
    expect(StanzaError.fromStanza(reply)?.text).toMatch(/at most 2048/);
  });
});
