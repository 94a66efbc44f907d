// End to end over real TCP with @xmpp/client against a node on its SQLite store: IM&P forking and
// its resource lock (RFC 6121 §8.5.2.1.1), XEP-0280 carbons with no duplicates when they meet
// forking, and XEP-0160 offline messages that survive a server restart (same data directory).
//
// Absence is proven without sleeping: the server handles one sender's stanzas in order, so a later
// "barrier" message from the same sender marks the point by which anything earlier has arrived.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { silentLogger } from '@deskchat/core';
import { eventually } from '@deskchat/testing';
import { RawConnection, STREAM_HEADER, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { startNode, type RunningNode } from './node.js';

const CARBONS = 'urn:xmpp:carbons:2';
const FORWARD = 'urn:xmpp:forward:0';
const DELAY = 'urn:xmpp:delay';

/** `original:<body>`, `received:<body>` or `sent:<body>` for a message a client got. */
function summary(el: Element): string {
  const wrapper = el.getChild('received', CARBONS) ?? el.getChild('sent', CARBONS);
  const inner = wrapper?.getChild('forwarded', FORWARD)?.getChild('message');
  return wrapper && inner ? `${wrapper.name}:${inner.getChildText('body')}` : `original:${el.getChildText('body')}`;
}

/** Every message a client receives, in order; `until` hands over those up to a matching one. */
class Inbox {
  private readonly messages: Element[] = [];
  private waiter?: () => void;

  constructor(xmpp: Client) {
    xmpp.on('stanza', (el: Element) => {
      if (!el.is('message')) return;
      this.messages.push(el);
      this.waiter?.();
    });
  }

  /** Summaries of the messages up to and including the first one whose body is `text`. */
  async until(text: string, timeoutMs = 3000): Promise<string[]> {
    return (await this.elementsUntil(text, timeoutMs)).map(summary);
  }

  async elementsUntil(text: string, timeoutMs = 3000): Promise<Element[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex((m) => summary(m).endsWith(`:${text}`));
      if (index >= 0) return this.messages.splice(0, index + 1);
      if (Date.now() > deadline) throw new Error(`no message '${text}'; got ${this.messages.map(summary).join(', ') || 'none'}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

let server: TestNode;
let restarted: RunningNode | undefined;
const clients: Client[] = [];

async function online(user: string, resource: string, options: { carbons?: boolean } = {}): Promise<{ xmpp: Client; inbox: Inbox }> {
  const xmpp = await signIn(restarted?.ports.c2s ?? server.port, user, `pw-${user}`, resource);
  clients.push(xmpp);
  const inbox = new Inbox(xmpp);
  if (options.carbons) await xmpp.iqCaller.set(xml('enable', { xmlns: CARBONS }));
  await xmpp.send(xml('presence'));
  await sync(xmpp);
  return { xmpp, inbox };
}

/** A ping round trip: everything this client sent before has been handled by the server. */
async function sync(xmpp: Client): Promise<void> {
  await xmpp.iqCaller.get(xml('ping', { xmlns: NS.PING }), 'localhost');
}

const chat = (to: string, body: string) => xml('message', { to, type: 'chat' }, xml('body', {}, body));

beforeAll(async () => {
  server = await startTestNode();
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) await server.addUser(user, `pw-${user}`);
});

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  await (restarted ? restarted.close() : server.stop());
});

describe('IM&P forking over TCP', () => {
  it('forks a bare-JID chat to both resources, then sends it only to the one the user answered from', async () => {
    const alice = await online('alice', 'forking');
    const laptop = await online('bob', 'laptop');
    const phone = await online('bob', 'phone');

    await alice.xmpp.send(chat('bob@localhost', 'first'));
    expect(await laptop.inbox.until('first')).toEqual(['original:first']);
    expect(await phone.inbox.until('first')).toEqual(['original:first']);

    await laptop.xmpp.send(chat('alice@localhost', 'answer from the laptop'));
    const [answer] = await alice.inbox.elementsUntil('answer from the laptop');
    expect(answer.attrs.from).toBe('bob@localhost/laptop');

    await alice.xmpp.send(chat('bob@localhost', 'second'));
    await alice.xmpp.send(chat('bob@localhost/phone', 'barrier'));
    expect(await laptop.inbox.until('second')).toEqual(['original:second']);
    expect(await phone.inbox.until('barrier')).toEqual(['original:barrier']);

    // The lock ends when the laptop goes away: the next chat reaches the phone again.
    await stopClient(laptop.xmpp);
    await alice.xmpp.send(chat('bob@localhost', 'third'));
    expect(await phone.inbox.until('third')).toEqual(['original:third']);
  });
});

describe('XEP-0280 carbons over TCP', () => {
  it('copies received and sent chats to the other enabled resource, and never duplicates a forked one', async () => {
    const alice = await online('alice', 'carbons');
    const one = await online('carol', 'one', { carbons: true });
    const two = await online('carol', 'two', { carbons: true });

    // A forked chat: each resource gets the original and no <received/> copy on top of it.
    await alice.xmpp.send(chat('carol@localhost', 'forked'));
    await alice.xmpp.send(chat('carol@localhost/one', 'direct'));
    expect(await one.inbox.until('direct')).toEqual(['original:forked', 'original:direct']);
    expect(await two.inbox.until('direct')).toEqual(['original:forked', 'received:direct']);

    await one.xmpp.send(chat('alice@localhost/carbons', 'reply'));
    const [copy] = await two.inbox.elementsUntil('reply');
    expect(summary(copy)).toBe('sent:reply');
    expect(copy.attrs.from).toBe('carol@localhost');
    expect(await alice.inbox.until('reply')).toEqual(['original:reply']);

    // Now locked to `one`: the original goes there, a <received/> copy to `two`.
    await alice.xmpp.send(chat('carol@localhost', 'locked'));
    expect(await one.inbox.until('locked')).toEqual(['original:locked']);
    expect(await two.inbox.until('locked')).toEqual(['received:locked']);
  });
});

describe('XEP-0160 offline messages over TCP', () => {
  it('stores messages for an offline user in SQLite and delivers them in order, with a delay, after a restart', async () => {
    const alice = await online('alice', 'offline');
    await alice.xmpp.send(chat('dave@localhost', 'one'));
    await alice.xmpp.send(xml('message', { to: 'dave@localhost', type: 'chat' }, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    await alice.xmpp.send(chat('dave@localhost', 'two'));
    await sync(alice.xmpp);
    await expect(server.node.core.stores.offline.countMessages('dave')).resolves.toBe(2);

    await Promise.all(clients.splice(0).map(stopClient));
    await server.stop();
    restarted = await startNode(server.config, silentLogger);

    const dave = await online('dave', 'home');
    const delivered = await dave.inbox.elementsUntil('two');
    expect(delivered.map(summary)).toEqual(['original:one', 'original:two']);
    expect(delivered[0].attrs.from).toBe('alice@localhost/offline');
    expect(delivered[0].getChild('delay', DELAY)?.attrs.from).toBe('localhost');
    expect(Date.parse(delivered[0].getChild('delay', DELAY)!.attrs.stamp)).toBeLessThanOrEqual(Date.now());
    await eventually(async () => (await restarted!.core.stores.offline.countMessages('dave')) === 0, 'queue emptied after the receipt');
  });

  it('keeps offline messages whose recipient dropped the connection before acknowledging them, and delivers them at the next sign-in', async () => {
    const port = restarted?.ports.c2s ?? server.port;
    const core = (restarted ?? server.node).core;
    const alice = await online('alice', 'offline-burst');
    for (let i = 1; i <= 200; i++) await alice.xmpp.send(chat('erin@localhost', `burst ${i}`));
    await sync(alice.xmpp);
    await expect(core.stores.offline.countMessages('erin')).resolves.toBe(200);

    // A client that signs in, says it is available and is gone before reading (or answering) anything.
    const raw = await RawConnection.connect(port);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    raw.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0erin\0pw-erin').toString('base64')}</auth>`);
    await raw.waitFor(/<success/);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/urn:ietf:params:xml:ns:xmpp-bind/);
    raw.write("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>flaky</resource></bind></iq><presence/>");
    await raw.waitFor(/burst 1</);
    raw.destroy();

    const erin = await online('erin', 'steady');
    const delivered = await erin.inbox.until('burst 200', 10_000);
    expect(delivered.filter((m) => m.startsWith('original:burst'))).toHaveLength(200);
    await eventually(async () => (await core.stores.offline.countMessages('erin')) === 0, 'queue emptied after the receipt', 5000);
  });
});
