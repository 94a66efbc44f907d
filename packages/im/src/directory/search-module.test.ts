// XEP-0055 search of the built-in directory (accounts + XEP-0054 vCards) through the in-process
// harness: the legacy fields (§2.1) and the XEP-0004 data form (§3), matching, limits, and what a
// result must never contain.
import { beforeAll, describe, expect, it } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { FakeTransport, Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { NS_DATA, NS_SEARCH, NS_VCARD } from './ns.js';
import { searchModule } from './search-module.js';
import { vcardModule } from './vcard-module.js';

const formSearch = (values: Record<string, string>, formType = NS_SEARCH) =>
  xml(
    'iq',
    { type: 'set', to: 'localhost' },
    xml(
      'query',
      { xmlns: NS_SEARCH },
      xml(
        'x',
        { xmlns: NS_DATA, type: 'submit' },
        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)),
        ...Object.entries(values).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v))),
      ),
    ),
  );
const legacySearch = (values: Record<string, string>) =>
  xml('iq', { type: 'set', to: 'localhost' }, xml('query', { xmlns: NS_SEARCH }, ...Object.entries(values).map(([k, v]) => xml(k, {}, v))));

/** Data-form result rows as var → value records. */
function rows(reply: Element): Record<string, string>[] {
  const x = reply.getChild('query', NS_SEARCH)!.getChild('x', NS_DATA)!;
  expect(x.attrs.type).toBe('result');
  return x.getChildren('item').map((item) => Object.fromEntries(item.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value') ?? ''])));
}
const jids = (reply: Element) => rows(reply).map((r) => r.jid);

let h: Harness;
let searcher: HarnessClient;

beforeAll(async () => {
  h = await Harness.create({ modules: [vcardModule, searchModule] });
  for (const u of ['alice', 'alison', 'bob', 'carol', 'zed']) await h.addUser(u, `pw-${u}`);
  await h.core.stores.accounts.updateProfile('alice', { name: 'Alice Account', email: 'alice@corp.example' });
  await h.core.stores.accounts.updateProfile('bob', { name: 'Robert Builder', email: 'bob@corp.example' });
  const alice = await h.connect('alice', { password: 'pw-alice' });
  const vcard = xml(
    'vCard',
    { xmlns: NS_VCARD },
    xml('FN', {}, 'Alice Liddell'),
    xml('N', {}, xml('FAMILY', {}, 'Liddell'), xml('GIVEN', {}, 'Alice')),
    xml('NICKNAME', {}, 'ally'),
    xml('EMAIL', {}, xml('USERID', {}, 'alice@wonderland.example')),
  );
  expect((await alice.iq(xml('iq', { type: 'set' }, vcard))).attrs.type).toBe('result');
  searcher = await h.connect('zed', { password: 'pw-zed' });
});

describe('discovering the search service (XEP-0055 §2.1, §3)', () => {
  it('advertises jabber:iq:search in the server disco#info', async () => {
    const reply = await searcher.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(NS_SEARCH);
  });

  it('returns the legacy fields and a data form with FORM_TYPE jabber:iq:search and a free-text field', async () => {
    const reply = await searcher.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS_SEARCH })));
    const query = reply.getChild('query', NS_SEARCH)!;
    for (const f of ['instructions', 'first', 'last', 'nick', 'email']) expect(query.getChild(f)).toBeDefined();
    const x = query.getChild('x', NS_DATA)!;
    expect(x.attrs.type).toBe('form');
    const fields = x.getChildren('field');
    expect(fields.find((f) => f.attrs.var === 'FORM_TYPE')).toMatchObject({ attrs: { type: 'hidden' } });
    expect(fields.find((f) => f.attrs.var === 'FORM_TYPE')!.getChildText('value')).toBe(NS_SEARCH);
    expect(fields.find((f) => f.attrs.var === 'search')?.attrs.type).toBe('text-single');
  });
});

describe('data form search (XEP-0055 §3)', () => {
  it('finds a user by part of their vCard name and reports the vCard FN as the name', async () => {
    const reply = await searcher.iq(formSearch({ search: 'lidd' }));
    expect(rows(reply)).toEqual([
      { jid: 'alice@localhost', name: 'Alice Liddell', first: 'Alice', last: 'Liddell', nick: 'ally', email: 'alice@wonderland.example' },
    ]);
  });

  it('finds users by part of the username, in username order', async () => {
    expect(jids(await searcher.iq(formSearch({ search: 'ali' })))).toEqual(['alice@localhost', 'alison@localhost']);
  });

  it('finds users by e-mail, from the vCard or the account', async () => {
    expect(jids(await searcher.iq(formSearch({ search: 'wonderland' })))).toEqual(['alice@localhost']);
    expect(jids(await searcher.iq(formSearch({ search: 'corp.example' })))).toEqual(['alice@localhost', 'bob@localhost']);
  });

  it('matches case-insensitively and falls back to the account name when there is no vCard FN', async () => {
    const found = rows(await searcher.iq(formSearch({ search: 'ROBERT' })));
    expect(found).toEqual([{ jid: 'bob@localhost', name: 'Robert Builder', first: '', last: '', nick: '', email: 'bob@corp.example' }]);
  });

  it('falls back to the username when there is neither a vCard FN nor an account name', async () => {
    expect(rows(await searcher.iq(formSearch({ search: 'carol' })))[0]).toMatchObject({ jid: 'carol@localhost', name: 'carol' });
  });

  it('requires every word of the free text to match, in any order', async () => {
    expect(jids(await searcher.iq(formSearch({ search: 'liddell alice' })))).toEqual(['alice@localhost']);
    expect(jids(await searcher.iq(formSearch({ search: 'alice builder' })))).toEqual([]);
  });

  it('combines the free text with the registered fields (all must match)', async () => {
    expect(jids(await searcher.iq(formSearch({ search: 'ali', last: 'lid' })))).toEqual(['alice@localhost']);
  });

  it('refuses a form of another FORM_TYPE with bad-request (XEP-0068 §3)', async () => {
    expect(isStanzaError(await searcher.iq(formSearch({ search: 'ali' }, 'urn:other')), 'bad-request')).toBe(true);
  });
});

describe('legacy search (XEP-0055 §2.1)', () => {
  it('answers <item jid> with first, last, nick and email', async () => {
    const reply = await searcher.iq(legacySearch({ last: 'LIDD' }));
    const items = reply.getChild('query', NS_SEARCH)!.getChildren('item');
    expect(items.map((i) => i.attrs.jid)).toEqual(['alice@localhost']);
    expect(['first', 'last', 'nick', 'email'].map((f) => items[0].getChildText(f))).toEqual(['Alice', 'Liddell', 'ally', 'alice@wonderland.example']);
  });

  it('puts the display name in <nick/> when there is no nickname (the legacy item has no name field)', async () => {
    const items = (await searcher.iq(legacySearch({ email: 'bob@' }))).getChild('query', NS_SEARCH)!.getChildren('item');
    expect(items.map((i) => [i.attrs.jid, i.getChildText('nick')])).toEqual([['bob@localhost', 'Robert Builder']]);
  });

  it('returns an empty <query/> when nothing matches (XEP-0055 §2.1)', async () => {
    const reply = await searcher.iq(legacySearch({ first: 'nobody-has-this' }));
    expect(reply.attrs.type).toBe('result');
    expect(reply.getChild('query', NS_SEARCH)!.children).toEqual([]);
  });

  it('refuses a search with no field filled in with not-acceptable (RFC 6120 §8.3.3.9)', async () => {
    expect(isStanzaError(await searcher.iq(legacySearch({ first: '  ' })), 'not-acceptable')).toBe(true);
    expect(isStanzaError(await searcher.iq(formSearch({})), 'not-acceptable')).toBe(true);
  });
});

describe('limits and privacy', () => {
  it('returns at most maxResults entries (default 50)', async () => {
    const big = await Harness.create({ modules: [searchModule] });
    for (let i = 0; i < 60; i++) await big.addUser(`member${String(i).padStart(2, '0')}`);
    const client = await big.connect('member00');
    const found = jids(await client.iq(formSearch({ search: 'member' })));
    expect(found).toHaveLength(50);
    expect(found[49]).toBe('member49@localhost');

    const small = await Harness.create({ modules: [{ ...searchModule, defaults: { maxResults: 3 } }] });
    for (const u of ['ann1', 'ann2', 'ann3', 'ann4']) await small.addUser(u);
    const c = await small.connect('ann1');
    expect(jids(await c.iq(formSearch({ search: 'ann' })))).toEqual(['ann1@localhost', 'ann2@localhost', 'ann3@localhost']);
  });

  it('never puts credential data in a result', async () => {
    const reply = await searcher.iq(formSearch({ search: 'a' }));
    const legacy = await searcher.iq(legacySearch({ email: 'e' }));
    const text = reply.toString() + legacy.toString();
    for (const u of ['alice', 'bob']) {
      const { credentials } = (await h.core.stores.accounts.getAccount(u))!;
      for (const c of Object.values(credentials)) for (const secret of [c.salt, c.storedKey, c.serverKey]) expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/pw-|password|credential/i);
    const reported = reply.getChild('query')!.getChild('x')!.getChild('reported')!.getChildren('field').map((f) => f.attrs.var);
    expect(reported).toEqual(['jid', 'name', 'first', 'last', 'nick', 'email']);
  });

  it('answers nothing to a stream that has not authenticated (RFC 6120 §6: not-authorized)', async () => {
    const transport = new FakeTransport();
    const session = h.core.createSession(transport);
    await session.onStreamOpen({ to: 'localhost', version: '1.0', xmlns: NS.CLIENT, 'xmlns:stream': NS.STREAM });
    await session.onElement(formSearch({ search: 'ali' })).catch(() => undefined);
    expect(transport.closedWith).toMatchObject({ condition: 'not-authorized' });
    expect(transport.sent.filter((el) => el.name === 'iq')).toEqual([]);
  });
});
