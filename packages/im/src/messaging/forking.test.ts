// The IM&P forking rule on top of RFC 6121 §8.5.2.1.1 (delivery.ts, chat-locks.ts): a chat to a
// bare JID goes to every available non-negative resource until the user answers from one, then to
// that one, until it goes away, another resource answers, or the conversation idles out.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness, isStanzaError, stanzaMatching, type HarnessClient } from '@deskchat/testing';
import { messageDeliveryModule } from './delivery.js';
import { messagingModules } from './index.js';
import { MESSAGING_NS } from './namespaces.js';

const chat = (to: string, body?: string, ...extra: Element[]) =>
  xml('message', { to, type: 'chat' }, ...(body === undefined ? [] : [xml('body', {}, body)]), ...extra);
const composing = () => xml('composing', { xmlns: MESSAGING_NS.CHATSTATES });
const available = (priority = 0) => xml('presence', {}, xml('priority', {}, String(priority)));
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Bodies (or chat-state names) of the messages a client got since the last call. */
async function got(client: HarnessClient): Promise<string[]> {
  await settle();
  return client.transport
    .drain()
    .filter((el) => el.name === 'message')
    .map((el) => el.getChildText('body') ?? el.children.map((c) => (typeof c === 'string' ? '' : c.name)).join(''));
}

let clock = 0;
let harness: Harness;
let alice: HarnessClient;
let laptop: HarnessClient;
let phone: HarnessClient;

beforeEach(async () => {
  clock = 1_000_000;
  const delivery = { ...messageDeliveryModule, defaults: { lockIdleSeconds: 300, now: () => clock } };
  harness = await Harness.create({ modules: [delivery, ...messagingModules.filter((m) => m.name !== delivery.name)] });
  await harness.addUser('alice');
  await harness.addUser('bob');
  await harness.addUser('carol');
  alice = await harness.connect('alice', { resource: 'desk' });
  laptop = await harness.connect('bob', { resource: 'laptop' });
  phone = await harness.connect('bob', { resource: 'phone' });
  for (const c of [alice, laptop, phone]) await c.send(available());
  for (const c of [alice, laptop, phone]) c.transport.drain();
});

describe('forking a chat to a bare JID (IM&P, RFC 6121 §8.5.2.1.1)', () => {
  it('delivers to every available resource with non-negative priority until the user answers', async () => {
    await alice.send(chat('bob@localhost', 'hi'));
    await alice.send(chat('bob@localhost', 'anyone?'));
    expect(await got(laptop)).toEqual(['hi', 'anyone?']);
    expect(await got(phone)).toEqual(['hi', 'anyone?']);
  });

  it('never delivers to a resource with negative priority (RFC 6121 §8.5.2.1.1)', async () => {
    const hidden = await harness.connect('bob', { resource: 'hidden' });
    await hidden.send(available(-1));
    await alice.send(chat('bob@localhost', 'hi'));
    expect(await got(hidden)).toEqual([]);
    expect(await got(phone)).toEqual(['hi']);
  });

  it('sends the contact\'s chats only to the resource the user answered from', async () => {
    await alice.send(chat('bob@localhost', 'hi'));
    await laptop.send(chat('alice@localhost', 'hello from the laptop'));
    expect((await alice.next(stanzaMatching('message'))).attrs.from).toBe('bob@localhost/laptop');
    await got(laptop);
    await got(phone);
    await alice.send(chat('bob@localhost', 'only laptop'));
    expect(await got(laptop)).toEqual(['only laptop']);
    expect(await got(phone)).toEqual([]);
  });

  it('moves the lock to another resource when the user answers from it', async () => {
    await laptop.send(chat('alice@localhost', 'from laptop'));
    await phone.send(chat('alice@localhost/desk', 'now from the phone'));
    await alice.send(chat('bob@localhost', 'to the phone'));
    expect(await got(phone)).toEqual(['to the phone']);
    expect(await got(laptop)).toEqual([]);
  });

  it('forks again once the locked resource sends unavailable presence', async () => {
    await laptop.send(chat('alice@localhost', 'answer'));
    await laptop.send(xml('presence', { type: 'unavailable' }));
    await laptop.send(available());
    await alice.send(chat('bob@localhost', 'everyone'));
    expect(await got(laptop)).toEqual(['everyone']);
    expect(await got(phone)).toEqual(['everyone']);
  });

  it('forks again once the locked resource disconnects', async () => {
    await laptop.send(chat('alice@localhost', 'answer'));
    laptop.session.close();
    await settle();
    await alice.send(chat('bob@localhost', 'still there?'));
    expect(await got(phone)).toEqual(['still there?']);
  });

  it('forks again once the locked resource drops to a negative priority', async () => {
    const desk = await harness.connect('bob', { resource: 'desk' });
    await desk.send(available());
    await laptop.send(chat('alice@localhost', 'answer'));
    await laptop.send(available(-5));
    await alice.send(chat('bob@localhost', 'who is there'));
    expect(await got(laptop)).toEqual([]);
    expect(await got(phone)).toEqual(['who is there']);
    expect(await got(desk)).toEqual(['who is there']);
  });

  it('forks again after the idle expiry, and messages in between keep the lock fresh', async () => {
    await laptop.send(chat('alice@localhost', 'answer'));
    clock += 200_000;
    await alice.send(chat('bob@localhost', 'after 200 s'));
    clock += 200_000; // 400 s after the answer, 200 s after the last message
    await alice.send(chat('bob@localhost', 'after 400 s'));
    expect(await got(laptop)).toEqual(['after 200 s', 'after 400 s']);
    expect(await got(phone)).toEqual([]);
    clock += 300_000;
    await alice.send(chat('bob@localhost', 'after a quiet 5 minutes'));
    expect(await got(laptop)).toEqual(['after a quiet 5 minutes']);
    expect(await got(phone)).toEqual(['after a quiet 5 minutes']);
  });

  it('keeps one lock per contact: another contact\'s chats still fork', async () => {
    const carol = await harness.connect('carol', { resource: 'pc' });
    await laptop.send(chat('alice@localhost', 'answer alice'));
    await carol.send(chat('bob@localhost', 'from carol'));
    expect(await got(laptop)).toEqual(['from carol']);
    expect(await got(phone)).toEqual(['from carol']);
  });

  it('sends chat states along the lock, and a chat state alone does not move it (XEP-0085)', async () => {
    await laptop.send(chat('alice@localhost', 'answer'));
    await phone.send(chat('alice@localhost', undefined, xml('gone', { xmlns: MESSAGING_NS.CHATSTATES })));
    await alice.send(chat('bob@localhost', undefined, composing()));
    expect(await got(laptop)).toEqual(['composing']);
    expect(await got(phone)).toEqual([]);
  });

  it('delivers a chat to a full JID to that resource only, whatever the lock', async () => {
    await laptop.send(chat('alice@localhost', 'answer'));
    await alice.send(chat('bob@localhost/phone', 'direct'));
    expect(await got(phone)).toEqual(['direct']);
    expect(await got(laptop)).toEqual([]);
  });

  it('does not lock normal messages: they go to every non-negative resource', async () => {
    await laptop.send(chat('alice@localhost', 'answer'));
    await alice.send(xml('message', { to: 'bob@localhost' }, xml('body', {}, 'a normal message')));
    expect(await got(laptop)).toEqual(['a normal message']);
    expect(await got(phone)).toEqual(['a normal message']);
  });

  it('treats a chat to an offline full JID as one to the bare JID, lock included (RFC 6121 §8.5.3.2.1)', async () => {
    await laptop.send(chat('alice@localhost', 'answer'));
    await alice.send(chat('bob@localhost/gone', 'to an old resource'));
    expect(await got(laptop)).toEqual(['to an old resource']);
    expect(await got(phone)).toEqual([]);
  });

  it('leaves headline, groupchat and error to core\'s rules (RFC 6121 §8.5.2.1)', async () => {
    await alice.send(xml('message', { to: 'bob@localhost', type: 'headline' }, xml('body', {}, 'news')));
    expect(await got(phone)).toEqual(['news']);
    await alice.send(xml('message', { to: 'bob@localhost', type: 'groupchat', id: 'g' }, xml('body', {}, 'room')));
    expect(isStanzaError(await alice.next(stanzaMatching('message', { id: 'g' })), 'service-unavailable')).toBe(true);
    expect(await got(phone)).toEqual([]);
  });

  it('removes <private/> before delivering to the recipient (XEP-0280 §9)', async () => {
    await alice.send(chat('bob@localhost/phone', 'secret', xml('private', { xmlns: MESSAGING_NS.CARBONS })));
    const delivered = await phone.next(stanzaMatching('message'));
    expect(delivered.getChildText('body')).toBe('secret');
    expect(delivered.getChild('private', MESSAGING_NS.CARBONS)).toBeUndefined();
  });
});

describe('errors and discovery', () => {
  it('answers an unknown user with exactly the error core gives without these modules (RFC 6121 §8.5.1)', async () => {
    const plain = await Harness.create();
    await plain.addUser('alice');
    const plainAlice = await plain.connect('alice', { resource: 'desk' });
    await plainAlice.send(chat('nobody@localhost', 'hello?'));
    await alice.send(chat('nobody@localhost', 'hello?'));
    const expected = await plainAlice.next(stanzaMatching('message'));
    const actual = await alice.next(stanzaMatching('message'));
    expect(isStanzaError(actual, 'service-unavailable')).toBe(true);
    expect(actual.toString()).toBe(expected.toString());
    expect(actual.getChild('error')?.getChild('text', NS.STANZA_ERRORS)).toBeUndefined();
  });

  it('advertises chat states in the server\'s disco#info (XEP-0085 §4)', async () => {
    const info = await alice.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const features = info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([MESSAGING_NS.CHATSTATES, MESSAGING_NS.CARBONS, MESSAGING_NS.MSGOFFLINE]));
  });
});
