// XEP-0191 blocking end to end over real TCP with @xmpp/client against a node on its SQLite store:
// a user blocks a contact, the contact's message never arrives (proved by a later message from a
// third user that does, after the blocked sender got its service-unavailable), the user's own
// message to the contact is refused with <blocked/>, and the list survives a restart of the node
// (same data directory) and is still enforced. Then slixmpp's own XEP-0191 plugin (python3-slixmpp)
// reads, blocks and unblocks against the same node.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { silentLogger } from '@deskchat/core';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { SlixmppClient } from './__tests__/slixmpp-driven.js';
import { startNode, type RunningNode } from './node.js';

const BLOCKING = 'urn:xmpp:blocking';
const BLOCKING_ERRORS = 'urn:xmpp:blocking:errors';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** Every stanza a client receives; `next` takes the first that matches, waiting for it. */
class Received {
  private readonly stanzas: Element[] = [];
  private wake?: () => void;

  constructor(xmpp: Client) {
    xmpp.on('stanza', (el: Element) => {
      this.stanzas.push(el);
      this.wake?.();
    });
  }

  /** The stanzas before the first match (removed) and the match itself. */
  async until(match: (el: Element) => boolean, timeoutMs = 5000): Promise<{ before: Element[]; match: Element }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.stanzas.findIndex(match);
      if (index >= 0) {
        const taken = this.stanzas.splice(0, index + 1);
        return { before: taken.slice(0, -1), match: taken.at(-1)! };
      }
      if (Date.now() > deadline) throw new Error(`no matching stanza; got ${this.stanzas.map(String).join(' ') || 'none'}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

const chat = (to: string, id: string, body: string) => xml('message', { to, id, type: 'chat' }, xml('body', {}, body));
const errorCondition = (el: Element) => el.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === STANZAS)?.name;
const isReplyTo = (id: string) => (el: Element) => el.is('message') && el.attrs.id === id;
const isBody = (body: string) => (el: Element) => el.is('message') && el.getChildText('body') === body;

let server: TestNode;
let restarted: RunningNode | undefined;
const clients: Client[] = [];
const slixmpps: SlixmppClient[] = [];

async function online(user: string, resource: string): Promise<{ xmpp: Client; received: Received }> {
  const xmpp = await signIn(restarted?.ports.c2s ?? server.port, user, `pw-${user}`, resource);
  clients.push(xmpp);
  const received = new Received(xmpp);
  await xmpp.send(xml('presence'));
  return { xmpp, received };
}

async function blockList(xmpp: Client): Promise<string[]> {
  const reply = await xmpp.iqCaller.get(xml('blocklist', { xmlns: BLOCKING }));
  return reply.getChildren('item').map((item: Element) => item.attrs.jid);
}

beforeAll(async () => {
  server = await startTestNode();
  for (const user of ['alice', 'bob', 'carol']) await server.addUser(user, `pw-${user}`);
});

afterAll(async () => {
  await Promise.all([...clients.map(stopClient), ...slixmpps.map((s) => s.close())]);
  await (restarted ? restarted.close() : server.stop());
});

describe('XEP-0191 over TCP (issue #13)', () => {
  it('blocks a contact both ways, and the list survives a restart of the node', async () => {
    const alice = await online('alice', 'desk');
    const bob = await online('bob', 'desk');
    const carol = await online('carol', 'desk');
    const info = await alice.xmpp.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'localhost');
    expect(info.getChildren('feature').map((f: Element) => f.attrs.var)).toContain(BLOCKING);
    expect(await blockList(alice.xmpp)).toEqual([]);
    await alice.xmpp.iqCaller.set(xml('block', { xmlns: BLOCKING }, xml('item', { jid: 'bob@localhost' })));
    // §3.3: the push reaches the resource that asked for the list.
    const push = await alice.received.until((el) => el.is('iq') && el.attrs.type === 'set' && el.getChild('block', BLOCKING) !== undefined);
    expect(push.match.getChild('block', BLOCKING)!.getChild('item')!.attrs.jid).toBe('bob@localhost');

    // The blocked sender gets service-unavailable (§3.5); carol's later message arrives, bob's never did.
    await bob.xmpp.send(chat('alice@localhost', 'b1', 'from bob'));
    expect(errorCondition((await bob.received.until(isReplyTo('b1'))).match)).toBe('service-unavailable');
    await carol.xmpp.send(chat('alice@localhost', 'c1', 'marker'));
    const { before } = await alice.received.until(isBody('marker'));
    expect(before.filter((el) => el.is('message'))).toEqual([]);

    // §3.4: the user's own message to the blocked contact comes back not-acceptable with <blocked/>.
    await alice.xmpp.send(chat('bob@localhost', 'a1', 'to bob'));
    const refused = (await alice.received.until(isReplyTo('a1'))).match;
    expect(refused.attrs.type).toBe('error');
    expect(errorCondition(refused)).toBe('not-acceptable');
    expect(refused.getChild('error')!.getChild('blocked', BLOCKING_ERRORS)).toBeDefined();

    // Restart on the same data directory: the list is still there and still enforced.
    await Promise.all(clients.splice(0).map(stopClient));
    await server.stop();
    restarted = await startNode(server.config, silentLogger);
    const alice2 = await online('alice', 'phone');
    const bob2 = await online('bob', 'desk');
    const carol2 = await online('carol', 'desk');
    expect(await blockList(alice2.xmpp)).toEqual(['bob@localhost']);
    await bob2.xmpp.send(chat('alice@localhost/phone', 'b2', 'from bob again'));
    expect(errorCondition((await bob2.received.until(isReplyTo('b2'))).match)).toBe('service-unavailable');
    await carol2.xmpp.send(chat('alice@localhost/phone', 'c2', 'marker again'));
    const after = await alice2.received.until(isBody('marker again'));
    expect(after.before.filter((el) => el.is('message'))).toEqual([]);

    // Unblocking lets bob through again.
    await alice2.xmpp.iqCaller.set(xml('unblock', { xmlns: BLOCKING }, xml('item', { jid: 'bob@localhost' })));
    await bob2.xmpp.send(chat('alice@localhost/phone', 'b3', 'welcome back'));
    await alice2.received.until(isBody('welcome back'));
  });
});

describe('XEP-0191 with slixmpp\'s own plugin (xep_0191)', () => {
  it('blocks and unblocks through slixmpp: the list it reads back, the push it gets, and a blocked sender refused', async () => {
    const port = restarted?.ports.c2s ?? server.port;
    const carol = await SlixmppClient.start(port, 'carol@localhost/slixmpp', 'pw-carol');
    slixmpps.push(carol);
    const bob = await online('bob', 'other');
    expect((await carol.command('blocklist')).items).toEqual([]);
    await carol.command('block', { jids: ['bob@localhost', 'spam.example'] });
    expect((await carol.command('blocklist')).items).toEqual(['bob@localhost', 'spam.example']);
    await carol.stanza((el) => el.is('iq') && el.attrs.type === 'set' && el.getChild('block', BLOCKING) !== undefined, 'the block push');
    await bob.xmpp.send(chat('carol@localhost/slixmpp', 'b9', 'to carol'));
    expect(errorCondition((await bob.received.until(isReplyTo('b9'))).match)).toBe('service-unavailable');
    await carol.command('unblock', { jids: ['bob@localhost'] });
    expect((await carol.command('blocklist')).items).toEqual(['spam.example']);
    await bob.xmpp.send(chat('carol@localhost/slixmpp', 'b10', 'to carol again'));
    await carol.stanza((el) => el.is('message') && el.getChildText('body') === 'to carol again', 'bob\'s message after the unblock');
    expect(carol.stanzas.filter((el) => el.is('message') && el.getChildText('body') === 'to carol')).toEqual([]);
  });
});
