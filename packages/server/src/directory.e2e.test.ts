// End to end with real @xmpp/client connections over TCP against a node on its SQLite store: XEP-0054
// vCards set by one user and read by another, XEP-0055 search of the built-in directory as the
// desktop-chat gadget uses it ("user search by name or ID"), and vCards surviving a restart.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { NS_DATA, NS_SEARCH, NS_VCARD } from '@deskchat/im';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

const ALICE_VCARD = () =>
  xml(
    'vCard',
    { xmlns: NS_VCARD },
    xml('FN', {}, 'Alice Liddell'),
    xml('N', {}, xml('FAMILY', {}, 'Liddell'), xml('GIVEN', {}, 'Alice')),
    xml('EMAIL', {}, xml('INTERNET'), xml('USERID', {}, 'alice@wonderland.example')),
    xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, 'iVBORw0KGgo='.repeat(2000))),
  );

/** The vCard's children as [name, text] pairs for comparison (compare elements, not strings). */
const outline = (vcard: Element): unknown[] => vcard.getChildElements().map((c) => [c.name, c.getChildElements().length ? outline(c) : c.getText()]);

const searchByText = (xmpp: Client, text: string) =>
  xmpp.iqCaller.set(
    xml(
      'query',
      { xmlns: NS_SEARCH },
      xml(
        'x',
        { xmlns: NS_DATA, type: 'submit' },
        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_SEARCH)),
        xml('field', { var: 'search' }, xml('value', {}, text)),
      ),
    ),
    'localhost',
  );

const rows = (query: Element) =>
  query
    .getChild('x', NS_DATA)!
    .getChildren('item')
    .map((item) => Object.fromEntries(item.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')])));

let server: TestNode;
const clients: Client[] = [];
const connect = async (user: string) => {
  const c = await signIn(server.port, user, `pw-${user}`);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startTestNode();
  for (const u of ['alice', 'alison', 'bob']) await server.addUser(u, `pw-${u}`);
  await server.node.core.stores.accounts.updateProfile('alison', { name: 'Alison Hargreaves' });
});

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  await server.stop();
});

describe('vCards and search between two real clients', () => {
  it('lets alice set her vCard and bob fetch it from her bare JID (XEP-0054 §3.2, §3.3)', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    await alice.iqCaller.set(ALICE_VCARD());
    const vcard = await bob.iqCaller.get(xml('vCard', { xmlns: NS_VCARD }), 'alice@localhost');
    expect(vcard.attrs.xmlns).toBe(NS_VCARD);
    expect(outline(vcard)).toEqual(outline(ALICE_VCARD()));
  });

  it("refuses bob's set of alice's vCard with forbidden (XEP-0054 §3.2)", async () => {
    const bob = await connect('bob');
    await expect(bob.iqCaller.set(xml('vCard', { xmlns: NS_VCARD }, xml('FN', {}, 'x')), 'alice@localhost')).rejects.toMatchObject({
      condition: 'forbidden',
    });
  });

  it('advertises vcard-temp and jabber:iq:search in the server disco#info', async () => {
    const bob = await connect('bob');
    const info = await bob.iqCaller.get(xml('query', { xmlns: NS.DISCO_INFO }), 'localhost');
    const features = info.getChildren('feature').map((f: Element) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([NS_VCARD, NS_SEARCH]));
  });

  it('finds alice by "ali" with her vCard display name, and alison by her account name (XEP-0055 §3)', async () => {
    const bob = await connect('bob');
    const found = rows(await searchByText(bob, 'ali'));
    expect(found.map((r) => [r.jid, r.name])).toEqual([
      ['alice@localhost', 'Alice Liddell'],
      ['alison@localhost', 'Alison Hargreaves'],
    ]);
    expect(found[0].email).toBe('alice@wonderland.example');
  });

  it('answers the legacy search fields too (XEP-0055 §2.1)', async () => {
    const bob = await connect('bob');
    const query = await bob.iqCaller.set(xml('query', { xmlns: NS_SEARCH }, xml('last', {}, 'liddell')), 'localhost');
    const items: Element[] = query.getChildren('item');
    expect(items.map((i) => [i.attrs.jid, i.getChildText('first'), i.getChildText('last')])).toEqual([['alice@localhost', 'Alice', 'Liddell']]);
  });
});

describe('durability', () => {
  it('keeps vCards and their search fields across a restart on the same data directory', async () => {
    await Promise.all(clients.splice(0).map(stopClient));
    const { dataDir } = server.config;
    await server.stop();
    server = await startTestNode({ raw: { dataDir } });
    const bob = await connect('bob');
    const vcard = await bob.iqCaller.get(xml('vCard', { xmlns: NS_VCARD }), 'alice@localhost');
    expect(outline(vcard)).toEqual(outline(ALICE_VCARD()));
    expect(rows(await searchByText(bob, 'liddell')).map((r) => [r.jid, r.name])).toEqual([['alice@localhost', 'Alice Liddell']]);
  });
});
