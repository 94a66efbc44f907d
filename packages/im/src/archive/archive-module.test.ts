// XEP-0313 user archives through the in-process harness (also run by the 'im-two-nodes' project,
// users split across two Cores): archiving at routing with XEP-0359 stanza ids, once per message
// whatever forking, carbons or offline storage do; the query with its form, filters and XEP-0059
// paging; errors; XEP-0441 preferences; retention and the per-user bound; disco. Absence is
// proved by a later stanza that does arrive (a marker), never by waiting.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { MAM_NS, NS } from '@deskchat/protocol';
import { StoreUnavailableError, removeAccount } from '@deskchat/core';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { rosterModule } from '../roster/roster-module.js';
import { presenceModule } from '../presence/presence-module.js';
import { messagingModules } from '../messaging/index.js';
import { archiveModule } from './archive-module.js';
import { DEFAULT_ARCHIVE_OPTIONS, parseArchiveOptions, type ArchiveOptions } from './options.js';

const M = MAM_NS.MAM;
const SID = MAM_NS.STANZA_ID;
const T0 = Date.parse('2026-01-01T00:00:00Z');
let clock = T0;

const chat = (to: string, body: string, extra: Element[] = []) => xml('message', { to, type: 'chat', id: `m-${body}` }, xml('body', {}, body), ...extra);
const isBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body && el.attrs.type !== 'error';
const field = (name: string, ...values: string[]) => xml('field', { var: name }, ...values.map((v) => xml('value', {}, v)));
function query(opts: { fields?: Element[]; rsm?: Record<string, string | undefined>; queryid?: string } = {}): Element {
  const children: Element[] = [];
  if (opts.fields) children.push(xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, field('FORM_TYPE', M), ...opts.fields));
  if (opts.rsm) children.push(xml('set', { xmlns: MAM_NS.RSM }, ...Object.entries(opts.rsm).map(([k, v]) => (v === undefined ? xml(k) : xml(k, {}, v)))));
  return xml('iq', { type: 'set', id: `q-${Math.random()}` }, xml('query', { xmlns: M, queryid: opts.queryid ?? 'q1' }, ...children));
}

interface Page {
  reply: Element;
  bodies: string[];
  ids: string[];
  results: Element[];
}

/** Sends a query; the result messages are what arrived before the IQ result. */
async function ask(c: HarnessClient, q: Element): Promise<Page> {
  c.transport.drain();
  const reply = await c.iq(q);
  const results = c.transport.drain().filter((el) => el.name === 'message' && el.getChild('result', M));
  return {
    reply,
    results,
    bodies: results.map((el) => el.getChild('result', M)!.getChild('forwarded', MAM_NS.FORWARD)!.getChild('message')!.getChildText('body')!),
    ids: results.map((el) => el.getChild('result', M)!.attrs.id),
  };
}
const fin = (p: Page) => p.reply.getChild('fin', M)!;
const set = (p: Page) => fin(p).getChild('set', MAM_NS.RSM)!;

let h: Harness;
let alice: HarnessClient;
let bob: HarnessClient;

async function online(user: string, resource: string): Promise<HarnessClient> {
  const client = await h.connect(user, { resource });
  await client.send(xml('presence'));
  return client;
}

async function start(options: Partial<ArchiveOptions> = {}): Promise<void> {
  clock = T0;
  h = await Harness.create({ modules: [rosterModule, presenceModule, ...messagingModules, { ...archiveModule, defaults: { ...DEFAULT_ARCHIVE_OPTIONS, now: () => clock, ...options } }] });
  for (const user of ['alice', 'bob', 'carol']) await h.addUser(user);
  alice = await online('alice', 'desk');
  bob = await online('bob', 'laptop');
  for (const c of [alice, bob]) c.transport.drain();
}

/** Alice and Bob exchange n messages a minute apart: a0 (alice→bob), b1 (bob→alice), a2, … */
async function converse(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    clock = T0 + i * 60_000;
    const [from, to, body] = i % 2 === 0 ? [alice, bob, `a${i}`] : [bob, alice, `b${i}`];
    await from.send(chat(to === alice ? 'alice@localhost' : 'bob@localhost', body));
    await to.next(isBody(body));
  }
}

describe('archiving at routing (XEP-0313 §5.1.1, XEP-0359)', () => {
  beforeEach(() => start());

  it("puts the recipient's stanza id on the delivered message, and the message in both archives under that id", async () => {
    await alice.send(chat('bob@localhost', 'hello'));
    const got = await bob.next(isBody('hello'));
    const sid = got.getChild('stanza-id', SID)!;
    expect(sid.attrs.by).toBe('bob@localhost');
    const bobs = await ask(bob, query());
    expect(bobs.bodies).toEqual(['hello']);
    expect(bobs.ids).toEqual([sid.attrs.id]);
    const forwarded = bobs.results[0]!.getChild('result', M)!.getChild('forwarded', MAM_NS.FORWARD)!;
    expect(forwarded.getChild('delay', 'urn:xmpp:delay')!.attrs.stamp).toBe(new Date(T0).toISOString());
    expect(forwarded.getChild('message')!.attrs).toMatchObject({ from: 'alice@localhost/desk', to: 'bob@localhost', xmlns: NS.CLIENT });
    expect((await ask(alice, query())).bodies).toEqual(['hello']);
  });

  it("removes a client's stanza id claiming to be ours, keeps one by someone else (XEP-0359 §3.1)", async () => {
    await alice.send(chat('bob@localhost', 'spoof', [xml('stanza-id', { xmlns: SID, by: 'bob@localhost', id: 'fake' }), xml('stanza-id', { xmlns: SID, by: 'room@elsewhere.example', id: 'theirs' })]));
    const got = await bob.next(isBody('spoof'));
    const ids = got.getChildren('stanza-id', SID).map((s) => `${s.attrs.by} ${s.attrs.id}`);
    expect(ids).toHaveLength(2);
    expect(ids).toContain('room@elsewhere.example theirs');
    expect(ids.find((s) => s.startsWith('bob@localhost '))).not.toBe('bob@localhost fake');
  });

  it('archives a forked message once, with the same id on every resource and on carbons', async () => {
    const phone = await online('bob', 'phone');
    await bob.iq(xml('iq', { type: 'set' }, xml('enable', { xmlns: 'urn:xmpp:carbons:2' })));
    await alice.send(chat('bob@localhost', 'forked'));
    const a = await bob.next(isBody('forked'));
    const b = await phone.next(isBody('forked'));
    expect(b.getChild('stanza-id', SID)!.attrs.id).toBe(a.getChild('stanza-id', SID)!.attrs.id);
    // Locked to the phone by its answer: the laptop gets a carbon carrying the same kind of id.
    await phone.send(chat('alice@localhost', 'answer'));
    await alice.next(isBody('answer'));
    await alice.send(chat('bob@localhost', 'locked'));
    const locked = await phone.next(isBody('locked'));
    const carbon = await bob.next((el) => el.getChild('received', 'urn:xmpp:carbons:2') !== undefined);
    const inner = carbon.getChild('received', 'urn:xmpp:carbons:2')!.getChild('forwarded', MAM_NS.FORWARD)!.getChild('message')!;
    expect(inner.getChild('stanza-id', SID)!.attrs.id).toBe(locked.getChild('stanza-id', SID)!.attrs.id);
    expect((await ask(bob, query())).bodies).toEqual(['forked', 'answer', 'locked']);
    expect((await ask(alice, query())).bodies).toEqual(['forked', 'answer', 'locked']);
  });

  it('archives a message to a gone full JID once (re-dispatched to the bare JID) and one stored offline with its id', async () => {
    await alice.send(chat('bob@localhost/gone', 'rerouted'));
    await bob.next(isBody('rerouted'));
    await alice.send(chat('carol@localhost', 'offline'));
    await alice.send(chat('bob@localhost', 'marker'));
    await bob.next(isBody('marker'));
    const carol = await online('carol', 'desk');
    const flushed = await carol.next(isBody('offline'));
    expect(flushed.getChild('stanza-id', SID)!.attrs.by).toBe('carol@localhost');
    expect((await ask(bob, query())).bodies).toEqual(['rerouted', 'marker']);
    const carols = await ask(carol, query());
    expect(carols.ids).toEqual([flushed.getChild('stanza-id', SID)!.attrs.id]);
  });

  it('leaves out chat states, errors, headlines, <no-store/> and messages to unknown accounts', async () => {
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    await alice.send(xml('message', { to: 'bob@localhost', type: 'headline' }, xml('body', {}, 'news')));
    await alice.send(chat('bob@localhost', 'private', [xml('no-store', { xmlns: 'urn:xmpp:hints' })]));
    await alice.send(chat('nobody@localhost', 'lost'));
    await alice.next((el) => el.attrs.type === 'error' && el.attrs.id === 'm-lost');
    await alice.send(chat('bob@localhost', 'kept'));
    await bob.next(isBody('kept'));
    expect((await ask(bob, query())).bodies).toEqual(['kept']);
    expect((await ask(alice, query())).bodies).toEqual(['kept']);
    expect((await h.core.stores.archive.usage('nobody')).messages).toBe(0);
  });

  it('delivers a message unarchived while the store is unavailable (a cluster store failing over)', async () => {
    const archive = h.core.stores.archive;
    const append = archive.append.bind(archive);
    archive.append = async () => {
      throw new StoreUnavailableError('test', 'store down');
    };
    try {
      await alice.send(chat('bob@localhost', 'while down', [xml('stanza-id', { xmlns: SID, by: 'bob@localhost', id: 'fake' })]));
      const got = await bob.next(isBody('while down'));
      expect(got.getChildren('stanza-id', SID)).toEqual([]); // none of ours, and the claimed one removed
    } finally {
      archive.append = append;
    }
    await alice.send(chat('bob@localhost', 'back'));
    expect((await bob.next(isBody('back'))).getChild('stanza-id', SID)).toBeDefined();
    expect((await ask(bob, query())).bodies).toEqual(['back']);
  });

  it('delivers at once with the id a background store hands out; a write that fails later is only logged', async () => {
    const archive = h.core.stores.archive;
    const failures: string[] = [];
    archive.appendInBackground = (owner, _message, _limits, failed) => {
      setImmediate(() => {
        failures.push(owner);
        failed(new Error('disk full'));
      });
      return { id: `bg-${owner}` };
    };
    try {
      await alice.send(chat('bob@localhost', 'soon'));
      const got = await bob.next(isBody('soon'));
      expect(got.getChild('stanza-id', SID)!.attrs).toMatchObject({ by: 'bob@localhost', id: 'bg-bob' });
      await alice.send(chat('bob@localhost', 'next'));
      await bob.next(isBody('next')); // the failures did not stop the sender's stream
      await new Promise((resolve) => setImmediate(resolve));
      expect(failures).toEqual(expect.arrayContaining(['alice', 'bob']));
    } finally {
      delete archive.appendInBackground;
    }
  });

  it('holds a message back while the background store asks its callers to wait', async () => {
    const archive = h.core.stores.archive;
    let release!: () => void;
    const stored = new Promise<void>((resolve) => (release = resolve));
    archive.appendInBackground = (owner, message) => (message.stanza.includes('held') ? { id: `bg-${owner}`, stored } : { id: `bg-${owner}` });
    try {
      const sending = alice.send(chat('bob@localhost', 'held'));
      const carol = await h.connect('carol', { resource: 'r' });
      await carol.send(chat('bob@localhost', 'marker')); // sent after the held one, from someone else
      await bob.next(isBody('marker'));
      expect(bob.transport.drain().some(isBody('held'))).toBe(false); // the marker came, the held one did not
      release();
      await sending;
      expect((await bob.next(isBody('held'))).getChild('stanza-id', SID)!.attrs.id).toBe('bg-bob');
    } finally {
      delete archive.appendInBackground;
    }
  });

  it('archives a message to oneself once', async () => {
    const phone = await online('alice', 'phone');
    await alice.send(chat('alice@localhost/phone', 'note'));
    const got = await phone.next(isBody('note'));
    const page = await ask(alice, query());
    expect(page.bodies).toEqual(['note']);
    expect(got.getChild('stanza-id', SID)!.attrs).toMatchObject({ by: 'alice@localhost', id: page.ids[0] });
  });
});

describe('querying (XEP-0313 §4, XEP-0059)', () => {
  beforeEach(async () => {
    await start({ defaultPageSize: 4 });
    await converse(10);
  });

  it('returns the form for a query get (§4.1.5)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: M })));
    const vars = reply.getChild('query', M)!.getChild('x', 'jabber:x:data')!.getChildren('field').map((f) => f.attrs.var);
    expect(vars).toEqual(['FORM_TYPE', 'with', 'start', 'end', 'after-id', 'before-id', 'ids']);
  });

  it('pages forward with after and backward from the end with before, counting the whole set', async () => {
    const first = await ask(alice, query({ queryid: 'p1' }));
    expect(first.bodies).toEqual(['a0', 'b1', 'a2', 'b3']);
    expect(first.results.every((r) => r.getChild('result', M)!.attrs.queryid === 'p1')).toBe(true);
    expect(fin(first).attrs.complete).toBeUndefined();
    expect(set(first).getChildText('count')).toBe('10');
    expect(set(first).getChild('first')!.attrs.index).toBe('0');
    expect(set(first).getChildText('first')).toBe(first.ids[0]);
    const second = await ask(alice, query({ rsm: { max: '4', after: set(first).getChildText('last')! } }));
    expect(second.bodies).toEqual(['a4', 'b5', 'a6', 'b7']);
    const third = await ask(alice, query({ rsm: { max: '4', after: set(second).getChildText('last')! } }));
    expect(third.bodies).toEqual(['a8', 'b9']);
    expect(fin(third).attrs.complete).toBe('true');
    const last = await ask(alice, query({ rsm: { max: '3', before: undefined } }));
    expect(last.bodies).toEqual(['b7', 'a8', 'b9']);
    const before = await ask(alice, query({ rsm: { max: '3', before: last.ids[0] } }));
    expect(before.bodies).toEqual(['a4', 'b5', 'a6']);
    expect(set(before).getChild('first')!.attrs.index).toBeUndefined(); // optional, and given forward only
    expect(fin(before).attrs.complete).toBeUndefined();
    expect(set(await ask(alice, query({ rsm: { max: '4', after: first.ids[1]! } }))).getChild('first')!.attrs.index).toBe('2');
  });

  it('filters by contact, by time and by ids (extended), and caps max at maxPageSize', async () => {
    const carol = await online('carol', 'desk');
    clock = T0 + 20 * 60_000;
    await carol.send(chat('alice@localhost', 'c20'));
    await alice.next(isBody('c20'));
    expect((await ask(alice, query({ fields: [field('with', 'carol@localhost')] }))).bodies).toEqual(['c20']);
    expect((await ask(alice, query({ fields: [field('with', 'carol@localhost/desk')] }))).bodies).toEqual(['c20']);
    expect((await ask(alice, query({ fields: [field('with', 'carol@localhost/other')] }))).bodies).toEqual([]);
    const window = await ask(alice, query({ fields: [field('start', new Date(T0 + 2 * 60_000).toISOString()), field('end', new Date(T0 + 5 * 60_000).toISOString())], rsm: { max: '10' } }));
    expect(window.bodies).toEqual(['a2', 'b3', 'a4', 'b5']);
    const bobOnly = await ask(alice, query({ fields: [field('with', 'bob@localhost'), field('start', new Date(T0 + 8 * 60_000).toISOString())] }));
    expect(bobOnly.bodies).toEqual(['a8', 'b9']);
    const all = await ask(alice, query({ rsm: { max: '100' } }));
    expect(all.bodies).toHaveLength(11);
    const picked = await ask(alice, query({ fields: [field('ids', all.ids[3]!, all.ids[1]!)] }));
    expect(picked.bodies).toEqual(['b1', 'b3']);
    expect((await ask(alice, query({ fields: [field('after-id', all.ids[8]!)] }))).bodies).toEqual(['b9', 'c20']);
  });

  it('answers item-not-found for an id the archive does not hold, bad-request for bad values, forbidden for another account', async () => {
    const all = await ask(alice, query({ rsm: { max: '100' } }));
    const bobIds = (await ask(bob, query({ rsm: { max: '100' } }))).ids;
    expect(isStanzaError((await ask(alice, query({ rsm: { after: 'nope' } }))).reply, 'item-not-found')).toBe(true);
    expect(isStanzaError((await ask(alice, query({ rsm: { before: all.ids[0]!.slice(0, 11) + 'zzzzzz' } }))).reply, 'item-not-found')).toBe(true);
    expect(isStanzaError((await ask(alice, query({ rsm: { after: bobIds[0]! } }))).reply, 'item-not-found')).toBe(true);
    expect(isStanzaError((await ask(alice, query({ fields: [field('start', 'yesterday')] }))).reply, 'bad-request')).toBe(true);
    expect(isStanzaError((await ask(alice, query({ fields: [field('with', 'a@b@c')] }))).reply, 'bad-request')).toBe(true);
    expect(isStanzaError((await ask(alice, query({ fields: [field('withtext', 'x')] }))).reply, 'bad-request')).toBe(true);
    expect(isStanzaError((await ask(alice, query({ rsm: { max: '-1' } }))).reply, 'bad-request')).toBe(true);
    const other = await bob.iq(xml('iq', { type: 'set', to: 'alice@localhost' }, xml('query', { xmlns: M })));
    expect(isStanzaError(other, 'forbidden')).toBe(true);
  });
});

describe('preferences (XEP-0441), retention and the bound', () => {
  it('applies the default and the never/always lists, and returns what was stored', async () => {
    await start();
    const prefs = (def: string, always: string[], never: string[]) =>
      xml('iq', { type: 'set' }, xml('prefs', { xmlns: M, default: def }, xml('always', {}, ...always.map((j) => xml('jid', {}, j))), xml('never', {}, ...never.map((j) => xml('jid', {}, j)))));
    expect((await bob.iq(xml('iq', { type: 'get' }, xml('prefs', { xmlns: M })))).getChild('prefs', M)!.attrs.default).toBe('always');
    const reply = await bob.iq(prefs('never', ['carol@localhost'], ['alice@localhost']));
    expect(reply.getChild('prefs', M)!.getChild('always')!.getChildText('jid')).toBe('carol@localhost');
    expect(isStanzaError(await bob.iq(xml('iq', { type: 'set' }, xml('prefs', { xmlns: M, default: 'sometimes' }))), 'bad-request')).toBe(true);
    const carol = await online('carol', 'desk');
    await alice.send(chat('bob@localhost', 'not kept'));
    const got = await bob.next(isBody('not kept'));
    expect(got.getChild('stanza-id', SID)).toBeUndefined();
    await carol.send(chat('bob@localhost', 'kept'));
    await bob.next(isBody('kept'));
    expect((await ask(bob, query())).bodies).toEqual(['kept']);
    expect((await ask(alice, query())).bodies).toEqual(['not kept']); // alice's own preferences still archive it
    await bob.iq(prefs('roster', [], []));
    await alice.send(chat('bob@localhost', 'no roster item'));
    await bob.next(isBody('no roster item'));
    expect((await ask(bob, query())).bodies).toEqual(['kept']);
  });

  it('drops the oldest messages past maxMessagesPerUser, and messages past retentionDays', async () => {
    await start({ maxMessagesPerUser: 3, retentionDays: 1 });
    await converse(5);
    expect((await ask(alice, query())).bodies).toEqual(['a2', 'b3', 'a4']);
    clock = T0 + 86_400_000 + 3 * 60_000 - 1; // a day after b3 (less a millisecond): a2 has gone
    expect((await ask(alice, query())).bodies).toEqual(['b3', 'a4']);
  });

  it("advertises urn:xmpp:mam:2 on the account's bare JID to its owner, urn:xmpp:sid:0 on the server, and removes the archive with the account", async () => {
    await start();
    const info = await alice.iq(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toEqual([M, MAM_NS.EXTENDED]);
    const server = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(server.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(SID);
    await alice.send(chat('bob@localhost', 'gone soon'));
    await bob.next(isBody('gone soon'));
    await removeAccount(h.core.stores, 'alice', { domain: h.core.domain });
    expect((await h.core.stores.archive.usage('alice')).messages).toBe(0);
    expect((await h.core.stores.archive.usage('bob')).messages).toBe(1);
  });

  it('parses the mam config section, naming the key', () => {
    expect(parseArchiveOptions({ retentionDays: 30, maxMessagesPerUser: 500 })).toMatchObject({ retentionDays: 30, maxMessagesPerUser: 500, defaultPreference: 'always' });
    expect(() => parseArchiveOptions({ retentionDays: -1 })).toThrow('mam.retentionDays');
    expect(() => parseArchiveOptions({ defaultPreference: 'sometimes' })).toThrow('mam.defaultPreference');
    expect(() => parseArchiveOptions({ pageSize: 3 })).toThrow('mam.pageSize');
  });
});
