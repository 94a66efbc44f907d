// XEP-0049 private XML storage through the in-process harness.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { Harness, type HarnessClient } from '@deskchat/testing';
import { PRIVATE_NS, privateXmlModule } from './private-xml-module.js';

const query = (...children: ReturnType<typeof xml>[]) => xml('query', { xmlns: PRIVATE_NS }, ...children);

let harness: Harness;
let alice: HarnessClient;
beforeEach(async () => {
  harness = await Harness.create({ modules: [privateXmlModule] });
  await harness.addUser('alice');
  await harness.addUser('bob');
  alice = await harness.connect('alice');
});

describe('XEP-0049 private XML storage', () => {
  it('returns the empty element when nothing is stored (XEP-0049 §3.2)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get' }, query(xml('prefs', { xmlns: 'urn:example:prefs' }))));
    expect(reply.attrs.type).toBe('result');
    const prefs = reply.getChild('query', PRIVATE_NS)!.getChild('prefs', 'urn:example:prefs')!;
    expect(prefs.children).toHaveLength(0);
  });

  it('stores an element and gives it back to another resource of the same user', async () => {
    const set = await alice.iq(xml('iq', { type: 'set' }, query(xml('prefs', { xmlns: 'urn:example:prefs' }, xml('theme', {}, 'dark')))));
    expect(set.attrs.type).toBe('result');
    const other = await harness.connect('alice', { resource: 'laptop' });
    const reply = await other.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, query(xml('prefs', { xmlns: 'urn:example:prefs' }))));
    expect(reply.getChild('query', PRIVATE_NS)!.getChild('prefs', 'urn:example:prefs')!.getChildText('theme')).toBe('dark');
  });

  it("refuses another user's private data with forbidden", async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'bob@localhost' }, query(xml('prefs', { xmlns: 'urn:example:prefs' }))));
    expect(StanzaError.fromStanza(reply)?.condition).toBe('forbidden');
  });

  it('refuses reserved jabber: namespaces and elements without a namespace with not-acceptable', async () => {
    for (const child of [xml('query', { xmlns: 'jabber:iq:roster' }), xml('plain'), undefined]) {
      const reply = await alice.iq(xml('iq', { type: 'set' }, child ? query(child) : query()));
      expect(StanzaError.fromStanza(reply)?.condition).toBe('not-acceptable');
    }
  });

  it('refuses an element over the size limit and keeps the stored one', async () => {
    await alice.iq(xml('iq', { type: 'set' }, query(xml('big', { xmlns: 'urn:x' }, 'small'))));
    const reply = await alice.iq(xml('iq', { type: 'set' }, query(xml('big', { xmlns: 'urn:x' }, 'x'.repeat(70 * 1024)))));
    expect(StanzaError.fromStanza(reply)?.condition).toBe('not-acceptable');
    const kept = await alice.iq(xml('iq', { type: 'get' }, query(xml('big', { xmlns: 'urn:x' }))));
    expect(kept.getChild('query', PRIVATE_NS)!.getChildText('big')).toBe('small');
  });

  it('refuses new elements past privateXml.maxItemsPerUser with resource-constraint, and still replaces stored ones (issue #7 §2)', async () => {
    for (let i = 0; i < 100; i++) {
      const reply = await alice.iq(xml('iq', { type: 'set' }, query(xml('n', { xmlns: `urn:x:${i}` }))));
      expect(reply.attrs.type).toBe('result');
    }
    const refused = await alice.iq(xml('iq', { type: 'set' }, query(xml('n', { xmlns: 'urn:x:100' }))));
    expect(StanzaError.fromStanza(refused)?.condition).toBe('resource-constraint');
    expect(StanzaError.fromStanza(refused)?.text).toMatch(/private storage is full/);
    const replaced = await alice.iq(xml('iq', { type: 'set' }, query(xml('n', { xmlns: 'urn:x:7' }, 'new'))));
    expect(replaced.attrs.type).toBe('result');
  });

  it('refuses an element that would pass privateXml.maxBytesPerUser with resource-constraint (issue #7 §2)', async () => {
    const big = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 17; i++) await alice.iq(xml('iq', { type: 'set' }, query(xml('b', { xmlns: `urn:big:${i}` }, big))));
    const refused = await alice.iq(xml('iq', { type: 'set' }, query(xml('b', { xmlns: 'urn:big:17' }, big))));
    expect(StanzaError.fromStanza(refused)?.condition).toBe('resource-constraint');
  });
});
