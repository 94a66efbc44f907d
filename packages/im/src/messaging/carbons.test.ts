// XEP-0280 Message Carbons through the in-process harness: enabling (§4–5, §10.1), <received/>
// (§7) and <sent/> (§8) copies wrapped in XEP-0297 <forwarded/>, eligibility (§6), <private/> (§9)
// and XEP-0334 <no-copy/>, and no duplicates when carbons meet IM&P forking.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness, isStanzaError, type HarnessClient } from '@deskchat/testing';
import { messagingModules } from './index.js';
import { MESSAGING_NS as M } from './namespaces.js';

const chat = (to: string, body?: string, ...extra: Element[]) =>
  xml('message', { to, type: 'chat', id: `m-${body ?? 'state'}` }, ...(body === undefined ? [] : [xml('body', {}, body)]), ...extra);
const available = (priority = 0) => xml('presence', {}, xml('priority', {}, String(priority)));
const enable = () => xml('iq', { type: 'set' }, xml('enable', { xmlns: M.CARBONS }));
const disable = () => xml('iq', { type: 'set' }, xml('disable', { xmlns: M.CARBONS }));
const settle = () => new Promise((resolve) => setImmediate(resolve));
/** Name, attributes and children, without ltx's parent links: for comparing elements as elements. */
type Shape = { name: string; attrs: Record<string, string>; children: (Shape | string)[] };
const shape = (el: Element): Shape => ({ name: el.name, attrs: { ...el.attrs }, children: el.children.map((c) => (typeof c === 'string' ? c : shape(c))) });

/** Every message a client got since the last call, summarised as `original:<body>`, `received:<body>` or `sent:<body>`. */
async function got(client: HarnessClient): Promise<string[]> {
  await settle();
  return client.transport
    .drain()
    .filter((el) => el.name === 'message')
    .map((el) => {
      const wrapper = el.getChild('received', M.CARBONS) ?? el.getChild('sent', M.CARBONS);
      const inner = wrapper?.getChild('forwarded', M.FORWARD)?.getChild('message');
      const text = (m: Element) => m.getChildText('body') ?? m.children.map((c) => (typeof c === 'string' ? '' : c.name)).join('');
      return wrapper && inner ? `${wrapper.name}:${text(inner)}` : `original:${text(el)}`;
    });
}

let harness: Harness;
let alice: HarnessClient;
let laptop: HarnessClient;
let phone: HarnessClient;

beforeEach(async () => {
  harness = await Harness.create({ modules: messagingModules });
  await harness.addUser('alice');
  await harness.addUser('bob');
  alice = await harness.connect('alice', { resource: 'desk' });
  laptop = await harness.connect('bob', { resource: 'laptop' });
  phone = await harness.connect('bob', { resource: 'phone' });
  for (const c of [alice, laptop, phone]) await c.send(available());
  for (const c of [laptop, phone]) expect((await c.iq(enable())).attrs.type).toBe('result');
  for (const c of [alice, laptop, phone]) c.transport.drain();
});

describe('enabling and disabling (XEP-0280 §4–5)', () => {
  it('answers enable with a result from the user\'s bare JID, and accepts it again (§4, §10.1)', async () => {
    const reply = await alice.iq(enable());
    expect(reply.attrs).toMatchObject({ type: 'result', from: 'alice@localhost', to: 'alice@localhost/desk' });
    expect((await alice.iq(enable())).attrs.type).toBe('result');
    expect((await alice.iq(xml('iq', { type: 'set', to: 'localhost' }, xml('disable', { xmlns: M.CARBONS })))).attrs.type).toBe('result');
    expect((await alice.iq(disable())).attrs.type).toBe('result');
  });

  it('refuses to toggle another user\'s carbons (service-unavailable for their bare JID)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'set', to: 'bob@localhost' }, xml('enable', { xmlns: M.CARBONS })));
    expect(isStanzaError(reply, 'service-unavailable')).toBe(true);
  });

  it('stops copies once a resource disables carbons', async () => {
    await phone.iq(disable());
    await alice.send(chat('bob@localhost/laptop', 'hi'));
    await laptop.send(chat('alice@localhost', 'hello'));
    expect(await got(phone)).toEqual([]);
  });
});

describe('copies (XEP-0280 §7–8)', () => {
  it('sends a <received/> copy of a message to a full JID to the other enabled resources (§7)', async () => {
    await alice.send(chat('bob@localhost/laptop', 'hi', xml('thread', {}, 't1')));
    expect(await got(laptop)).toEqual(['original:hi']);
    const [copy] = phone.transport.sent.filter((el) => el.name === 'message');
    const expected = xml(
      'message',
      { from: 'bob@localhost', to: 'bob@localhost/phone', type: 'chat' },
      xml(
        'received',
        { xmlns: M.CARBONS },
        xml(
          'forwarded',
          { xmlns: M.FORWARD },
          xml('message', { to: 'bob@localhost/laptop', type: 'chat', id: 'm-hi', from: 'alice@localhost/desk', xmlns: NS.CLIENT }, xml('body', {}, 'hi'), xml('thread', {}, 't1')),
        ),
      ),
    );
    expect(shape(copy)).toEqual(shape(expected));
  });

  it('sends a <sent/> copy of what one resource sends to the others, not to the sender (§8)', async () => {
    await laptop.send(chat('alice@localhost', 'hello'));
    expect(await got(phone)).toEqual(['sent:hello']);
    expect(await got(laptop)).toEqual([]);
    const copy = phone.transport.sent.find((el) => el.getChild('sent', M.CARBONS));
    expect(copy?.attrs).toMatchObject({ from: 'bob@localhost', to: 'bob@localhost/phone', type: 'chat' });
    expect(copy?.getChild('sent', M.CARBONS)?.getChild('forwarded', M.FORWARD)?.getChild('message')?.attrs.from).toBe('bob@localhost/laptop');
  });

  it('sends <sent/> copies even when the recipient is offline or unknown (§8)', async () => {
    await laptop.send(chat('nobody@localhost', 'anyone?'));
    expect(await got(phone)).toEqual(['sent:anyone?']);
  });

  it('copies nothing to resources that did not enable carbons, or are not available', async () => {
    const tablet = await harness.connect('bob', { resource: 'tablet' });
    await tablet.send(available());
    const silent = await harness.connect('bob', { resource: 'silent' });
    await silent.iq(enable()); // no presence: not available
    await alice.send(chat('bob@localhost/laptop', 'hi'));
    await laptop.send(chat('alice@localhost', 'hello'));
    expect(await got(tablet)).toEqual([]);
    expect(await got(silent)).toEqual([]);
  });

  it('copies chat states, which are chat messages (§10.2, XEP-0085)', async () => {
    await alice.send(chat('bob@localhost/laptop', undefined, xml('composing', { xmlns: M.CHATSTATES })));
    expect(await got(phone)).toEqual(['received:composing']);
  });

  it('copies normal messages with a body, not those without, nor headlines or errors (§6)', async () => {
    await alice.send(xml('message', { to: 'bob@localhost/laptop' }, xml('body', {}, 'normal')));
    await alice.send(xml('message', { to: 'bob@localhost/laptop' }, xml('x', { xmlns: 'urn:example' })));
    await alice.send(xml('message', { to: 'bob@localhost/laptop', type: 'headline' }, xml('body', {}, 'news')));
    await alice.send(xml('message', { to: 'bob@localhost/laptop', type: 'error' }, xml('body', {}, 'oops')));
    expect(await got(phone)).toEqual(['received:normal']);
    expect(await got(laptop)).toHaveLength(4);
  });

  it('makes no copies of a message marked <private/> (§9)', async () => {
    await alice.send(chat('bob@localhost/laptop', 'secret in', xml('private', { xmlns: M.CARBONS })));
    await laptop.send(chat('alice@localhost', 'secret out', xml('private', { xmlns: M.CARBONS })));
    expect(await got(phone)).toEqual([]);
  });

  it('makes no copies of a message with the <no-copy/> hint (XEP-0334 §4.1)', async () => {
    await alice.send(chat('bob@localhost/laptop', 'no copy in', xml('no-copy', { xmlns: M.HINTS })));
    await laptop.send(chat('alice@localhost', 'no copy out', xml('no-copy', { xmlns: M.HINTS })));
    expect(await got(phone)).toEqual([]);
  });

  it('never copies a carbon: a message already wrapping one is not copied again', async () => {
    const fake = xml('received', { xmlns: M.CARBONS }, xml('forwarded', { xmlns: M.FORWARD }, xml('message', {}, xml('body', {}, 'x'))));
    await alice.send(xml('message', { to: 'bob@localhost/laptop', type: 'chat' }, fake));
    expect(await got(phone)).toEqual([]);
    expect(await got(laptop)).toHaveLength(1);
  });
});

describe('carbons with forking: one copy per resource', () => {
  it('gives a forked bare-JID chat to each resource once, as the original, with no <received/> copy', async () => {
    await alice.send(chat('bob@localhost', 'to all'));
    expect(await got(laptop)).toEqual(['original:to all']);
    expect(await got(phone)).toEqual(['original:to all']);
  });

  it('once locked, gives the original to the locked resource and a <received/> copy to the others', async () => {
    await laptop.send(chat('alice@localhost', 'answer'));
    expect(await got(phone)).toEqual(['sent:answer']);
    await alice.send(chat('bob@localhost', 'locked'));
    expect(await got(laptop)).toEqual(['original:locked']);
    expect(await got(phone)).toEqual(['received:locked']);
  });

  it('gives an enabled resource with negative priority, which gets no fork, a <received/> copy', async () => {
    const hidden = await harness.connect('bob', { resource: 'hidden' });
    await hidden.send(available(-1));
    await hidden.iq(enable());
    hidden.transport.drain();
    await alice.send(chat('bob@localhost', 'to all'));
    expect(await got(hidden)).toEqual(['received:to all']);
    expect(await got(laptop)).toEqual(['original:to all']);
  });

  it('gives each of a user\'s resources one copy of a message to their own bare JID (no <sent/> on top of the fork)', async () => {
    await laptop.send(chat('bob@localhost', 'note to self'));
    expect(await got(laptop)).toEqual(['original:note to self']);
    expect(await got(phone)).toEqual(['original:note to self']);
  });

  it('gives a third resource one <sent/> copy of a message between two of the user\'s resources', async () => {
    const desk = await harness.connect('bob', { resource: 'desk' });
    await desk.send(available());
    await desk.iq(enable());
    desk.transport.drain();
    await laptop.send(chat('bob@localhost/phone', 'pass it on'));
    expect(await got(phone)).toEqual(['original:pass it on']);
    expect(await got(desk)).toEqual(['sent:pass it on']);
    expect(await got(laptop)).toEqual([]);
  });
});
