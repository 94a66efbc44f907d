// RFC 6121 §2 roster management through the in-process harness: get, set, remove, every error
// case of §2.3.3 and §2.5.3, pushes to interested resources only (§2.1.6), XEP-0237 / §2.6
// versioning, the stream feature, and the contact-list limit.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { Harness, type HarnessClient } from '@deskchat/testing';
import { rosterModule, ROSTER_VERSIONING_FEATURE } from './roster-module.js';
import { presenceModule } from '../presence/presence-module.js';

type Shape = { name: string; attrs: Record<string, string>; children: (Shape | string)[] };
const shape = (el: Element): Shape => ({ name: el.name, attrs: { ...el.attrs }, children: el.children.map((c) => (typeof c === 'string' ? c : shape(c))) });
const settle = () => new Promise((resolve) => setImmediate(resolve));

function item(jid: string, options: { name?: string; groups?: string[]; subscription?: string } = {}): Element {
  const attrs: Record<string, string> = { jid };
  if (options.name !== undefined) attrs.name = options.name;
  if (options.subscription !== undefined) attrs.subscription = options.subscription;
  return xml('item', attrs, ...(options.groups ?? []).map((g) => xml('group', {}, g)));
}
const rosterSet = (...items: Element[]) => xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, ...items));
const rosterGet = (ver?: string) => xml('iq', { type: 'get' }, xml('query', ver === undefined ? { xmlns: NS.ROSTER } : { xmlns: NS.ROSTER, ver }));
const isPush = (el: Element) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild('query', NS.ROSTER) !== undefined;
const pushed = (el: Element) => shape(el.getChild('query', NS.ROSTER)!.getChild('item')!);
const errorOf = (el: Element) => (el.attrs.type === 'error' ? StanzaError.fromStanza(el) : undefined);
const pushes = async (c: HarnessClient) => {
  await settle();
  return c.transport.drain().filter(isPush);
};

let h: Harness;
let alice: HarnessClient;

beforeEach(async () => {
  h = await Harness.create({ modules: [rosterModule, presenceModule] });
  for (const user of ['alice', 'bob', 'carol']) await h.addUser(user);
  alice = await h.connect('alice', { resource: 'desk' });
  await alice.iq(rosterGet());
});

describe('roster get (RFC 6121 §2.2)', () => {
  it('returns an empty roster with a version to a new user', async () => {
    const reply = await alice.iq(rosterGet(''));
    expect(shape(reply.getChild('query', NS.ROSTER)!)).toEqual({ name: 'query', attrs: { xmlns: NS.ROSTER, ver: '0' }, children: [] });
  });

  it('returns every item with its name, groups and subscription (§2.1.2)', async () => {
    await alice.iq(rosterSet(item('bob@localhost', { name: 'Bob', groups: ['Friends', 'Work'] })));
    await alice.iq(rosterSet(item('carol@localhost')));
    const query = (await alice.iq(rosterGet())).getChild('query', NS.ROSTER)!;
    expect(query.getChildren('item').map(shape)).toEqual([
      shape(xml('item', { jid: 'bob@localhost', subscription: 'none', name: 'Bob' }, xml('group', {}, 'Friends'), xml('group', {}, 'Work'))),
      shape(xml('item', { jid: 'carol@localhost', subscription: 'none' })),
    ]);
  });

  it("refuses to read another user's roster with forbidden", async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'bob@localhost' }, xml('query', { xmlns: NS.ROSTER })));
    expect(errorOf(reply)?.condition).toBe('forbidden');
  });

  it('announces roster versioning as a stream feature (XEP-0237 §2, RFC 6121 §2.6.1)', async () => {
    const transport = alice.transport;
    const features = transport.sent.filter((el) => el.name === 'stream:features');
    expect(features.some((f) => f.getChild('ver', ROSTER_VERSIONING_FEATURE))).toBe(true);
  });
});

describe('roster versioning (XEP-0237, RFC 6121 §2.6)', () => {
  it('answers a client at the current version with an empty result, then sends changes as pushes (§2.6.3)', async () => {
    await alice.iq(rosterSet(item('bob@localhost')));
    const ver = (await alice.iq(rosterGet(''))).getChild('query', NS.ROSTER)!.attrs.ver;
    const phone = await h.connect('alice', { resource: 'phone' });
    const reply = await phone.iq(rosterGet(ver));
    expect(reply.attrs.type).toBe('result');
    expect(reply.children).toEqual([]);
    await alice.iq(rosterSet(item('carol@localhost', { name: 'Carol' })));
    const [push] = await pushes(phone);
    expect(Number(push.getChild('query', NS.ROSTER)!.attrs.ver)).toBeGreaterThan(Number(ver));
    expect(pushed(push)).toEqual(shape(item('carol@localhost', { name: 'Carol', subscription: 'none' })));
  });

  it('sends the whole roster with the current version to a client with an older one', async () => {
    await alice.iq(rosterSet(item('bob@localhost')));
    const old = (await alice.iq(rosterGet(''))).getChild('query', NS.ROSTER)!.attrs.ver;
    await alice.iq(rosterSet(item('carol@localhost')));
    const query = (await alice.iq(rosterGet(old))).getChild('query', NS.ROSTER)!;
    expect(query.getChildren('item').map((i) => i.attrs.jid)).toEqual(['bob@localhost', 'carol@localhost']);
    expect(Number(query.attrs.ver)).toBeGreaterThan(Number(old));
  });

  it('gives every push the version the roster is at after the change, also for a removal', async () => {
    await alice.iq(rosterSet(item('bob@localhost')));
    const [added] = await pushes(alice);
    await alice.iq(rosterSet(item('bob@localhost', { subscription: 'remove' })));
    const [removed] = await pushes(alice);
    const current = (await alice.iq(rosterGet(''))).getChild('query', NS.ROSTER)!.attrs.ver;
    expect(Number(removed.getChild('query', NS.ROSTER)!.attrs.ver)).toBe(Number(added.getChild('query', NS.ROSTER)!.attrs.ver) + 1);
    expect(removed.getChild('query', NS.ROSTER)!.attrs.ver).toBe(current);
  });
});

describe('roster set and pushes (RFC 6121 §2.3, §2.4, §2.1.6)', () => {
  it('pushes a new item to every interested resource, the sender included, before the result (§2.3.2)', async () => {
    const phone = await h.connect('alice', { resource: 'phone' });
    await phone.iq(rosterGet());
    const order: string[] = [];
    const reply = alice.iq(rosterSet(item('bob@localhost', { name: 'Bob', groups: ['Friends'] })));
    const push = alice.next(isPush).then((p) => (order.push('push'), p));
    order.push((await reply).attrs.type);
    await push;
    expect(order).toEqual(['push', 'result']);
    const [phonePush] = await pushes(phone);
    expect(phonePush.attrs).toMatchObject({ type: 'set', to: 'alice@localhost/phone' });
    expect(phonePush.attrs.from).toBeUndefined();
    expect(pushed(phonePush)).toEqual(shape(item('bob@localhost', { name: 'Bob', groups: ['Friends'], subscription: 'none' })));
  });

  it('sends no push to a resource that never requested the roster (not interested, §2.1.6)', async () => {
    const quiet = await h.connect('alice', { resource: 'quiet' });
    await quiet.send(xml('presence'));
    await alice.iq(rosterSet(item('bob@localhost')));
    expect(await pushes(quiet)).toEqual([]);
  });

  it('sends no push to another user', async () => {
    const bob = await h.connect('bob');
    await bob.iq(rosterGet());
    await alice.iq(rosterSet(item('carol@localhost')));
    expect(await pushes(bob)).toEqual([]);
  });

  it('replaces name and groups on update and keeps the subscription state (§2.4)', async () => {
    await h.core.stores.roster.setItem('alice', { jid: 'bob@localhost', name: 'B', groups: ['Old'], subscription: 'both', isPendingOut: false, isPreApproved: false });
    await alice.iq(rosterSet(item('bob@localhost', { name: 'Bobby', groups: ['New', 'Other'] })));
    const [push] = await pushes(alice);
    expect(pushed(push)).toEqual(shape(item('bob@localhost', { name: 'Bobby', groups: ['New', 'Other'], subscription: 'both' })));
  });

  it('ignores ask, approved and any subscription other than "remove" in a set (§2.1.2.1, §2.1.2.2, §2.1.2.5)', async () => {
    const forged = xml('item', { jid: 'bob@localhost', subscription: 'both', ask: 'subscribe', approved: 'true' });
    expect((await alice.iq(rosterSet(forged))).attrs.type).toBe('result');
    await expect(h.core.stores.roster.getItem('alice', 'bob@localhost')).resolves.toMatchObject({ subscription: 'none', isPendingOut: false, isPreApproved: false });
  });

  it('removes an item, pushes subscription="remove" and returns a result (§2.5.2)', async () => {
    await alice.iq(rosterSet(item('bob@localhost')));
    await pushes(alice);
    expect((await alice.iq(rosterSet(item('bob@localhost', { subscription: 'remove' })))).attrs.type).toBe('result');
    const [push] = await pushes(alice);
    expect(pushed(push)).toEqual(shape(xml('item', { jid: 'bob@localhost', subscription: 'remove' })));
    expect((await alice.iq(rosterGet())).getChild('query', NS.ROSTER)!.children).toEqual([]);
  });
});

describe('roster set errors (RFC 6121 §2.3.3, §2.5.3)', () => {
  const cases: [string, () => Element, string][] = [
    ['more than one item: bad-request', () => rosterSet(item('bob@localhost'), item('carol@localhost')), 'bad-request'],
    ['no item: bad-request', () => rosterSet(), 'bad-request'],
    ['duplicate groups: bad-request', () => rosterSet(item('bob@localhost', { groups: ['Friends', 'Friends'] })), 'bad-request'],
    ['an empty group name: not-acceptable', () => rosterSet(item('bob@localhost', { groups: ['Friends', ''] })), 'not-acceptable'],
    ['a group name over the limit: not-acceptable', () => rosterSet(item('bob@localhost', { groups: ['g'.repeat(257)] })), 'not-acceptable'],
    ['a name over the limit: not-acceptable', () => rosterSet(item('bob@localhost', { name: 'n'.repeat(257) })), 'not-acceptable'],
    ['an item without a jid: bad-request', () => rosterSet(xml('item', { name: 'x' })), 'bad-request'],
    ['a malformed jid: jid-malformed', () => rosterSet(item('a@b@c')), 'jid-malformed'],
    ['a full JID: bad-request', () => rosterSet(item('bob@localhost/desk')), 'bad-request'],
    ["the user's own JID: not-allowed", () => rosterSet(item('alice@localhost')), 'not-allowed'],
    ['removing an item that is not there: item-not-found (§2.5.3)', () => rosterSet(item('bob@localhost', { subscription: 'remove' })), 'item-not-found'],
    ['a set to another user: forbidden', () => xml('iq', { type: 'set', to: 'bob@localhost' }, xml('query', { xmlns: NS.ROSTER }, item('carol@localhost'))), 'forbidden'],
  ];

  it.each(cases)('refuses %s and changes nothing', async (_name, request, condition) => {
    const reply = await alice.iq(request());
    expect(errorOf(reply)?.condition).toBe(condition);
    expect(await pushes(alice)).toEqual([]);
    await expect(h.core.stores.roster.getRoster('alice')).resolves.toEqual({ version: 0, items: [] });
    await expect(h.core.stores.roster.getRoster('bob')).resolves.toEqual({ version: 0, items: [] });
  });

  it('accepts a name and a group exactly at the limit', async () => {
    const reply = await alice.iq(rosterSet(item('bob@localhost', { name: 'n'.repeat(256), groups: ['🙂'.repeat(256)] })));
    expect(reply.attrs.type).toBe('result');
  });
});

describe('contact-list limit (options.maxContacts)', () => {
  beforeEach(async () => {
    h = await Harness.create({ modules: [{ ...rosterModule, defaults: { ...rosterModule.defaults!, maxContacts: 2 } }, presenceModule] });
    for (const user of ['alice', 'bob', 'carol', 'dave']) await h.addUser(user);
    alice = await h.connect('alice', { resource: 'desk' });
    await alice.iq(rosterGet());
  });

  it('refuses a new item at the limit with not-allowed "contact list is full (max N)" and keeps the roster as it was', async () => {
    await alice.iq(rosterSet(item('bob@localhost')));
    await alice.iq(rosterSet(item('carol@localhost')));
    await pushes(alice);
    const error = errorOf(await alice.iq(rosterSet(item('dave@localhost'))));
    expect(error).toMatchObject({ condition: 'not-allowed', type: 'cancel', text: 'contact list is full (max 2)' });
    expect(await pushes(alice)).toEqual([]);
    await expect(h.core.stores.roster.countItems('alice')).resolves.toBe(2);
  });

  it('still lets a full list update or remove its items', async () => {
    await alice.iq(rosterSet(item('bob@localhost')));
    await alice.iq(rosterSet(item('carol@localhost')));
    expect((await alice.iq(rosterSet(item('bob@localhost', { name: 'Bob', groups: ['G'] })))).attrs.type).toBe('result');
    expect((await alice.iq(rosterSet(item('bob@localhost', { subscription: 'remove' })))).attrs.type).toBe('result');
    expect((await alice.iq(rosterSet(item('dave@localhost')))).attrs.type).toBe('result');
  });
});
