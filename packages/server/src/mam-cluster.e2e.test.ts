// XEP-0313 across the nodes of a cluster on a real redis-server, with @xmpp/client over TCP:
// alice (home imp1a) and bob (home imp1b) write to each other; each message is routed and archived
// on its sender's node, once per owner, with bob's stanza id on what reaches bob on the other node;
// each then reads the whole conversation from their own node, so what one node archived is read by
// the other (the archive is in Redis, under each user's hash tag).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClusterNode, NodePair, eventually } from './__tests__/cluster-helpers.js';

const MAM = 'urn:xmpp:mam:2';
const RSM = 'http://jabber.org/protocol/rsm';
const SID = 'urn:xmpp:sid:0';

let pair: NodePair | undefined;
let imp1a: ClusterNode, imp1b: ClusterNode;
const clients: Client[] = [];

async function online(node: ClusterNode, user: string, resource: string): Promise<{ xmpp: Client; stanzas: Element[] }> {
  const xmpp = await node.signIn(user, resource);
  clients.push(xmpp);
  const stanzas: Element[] = [];
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  await xmpp.send(xml('presence'));
  return { xmpp, stanzas };
}

const chat = (to: string, id: string, body: string) => xml('message', { to, id, type: 'chat' }, xml('body', {}, body));
const bodyIs = (body: string) => (el: Element) => el.is('message') && el.getChildText('body') === body;

/** The whole archive through one query: ids and bodies in order, and the count. */
async function archiveOf(user: { xmpp: Client; stanzas: Element[] }, queryid: string): Promise<{ ids: string[]; bodies: string[]; count: string | undefined }> {
  const reply = await user.xmpp.iqCaller.request(xml('iq', { type: 'set', id: `q-${queryid}` }, xml('query', { xmlns: MAM, queryid }, xml('set', { xmlns: RSM }, xml('max', {}, '50')))));
  const results = user.stanzas.filter((el) => el.getChild('result', MAM)?.attrs.queryid === queryid).map((el) => el.getChild('result', MAM)!);
  return {
    ids: results.map((r) => r.attrs.id),
    bodies: results.map((r) => r.getChild('forwarded', 'urn:xmpp:forward:0')!.getChild('message')!.getChildText('body')!),
    count: reply.getChild('fin', MAM)!.getChild('set', RSM)!.getChildText('count') ?? undefined,
  };
}

beforeAll(async () => {
  pair = await NodePair.start({ alice: 'imp1a', bob: 'imp1b' });
  ({ imp1a, imp1b } = pair);
}, 60_000);

afterAll(async () => {
  await pair?.stop(clients);
}, 30_000);

describe('XEP-0313 in a cluster (issue #13)', () => {
  it('archives a conversation between two nodes once per owner, readable from each side', async () => {
    const alice = await online(imp1a, 'alice', 'desk');
    const bob = await online(imp1b, 'bob', 'desk');
    const bobPhone = await online(imp1b, 'bob', 'phone');
    const received: string[] = [];
    for (const body of ['one', 'two']) {
      await alice.xmpp.send(chat('bob@localhost', body, body));
      const got = await eventually(() => bob.stanzas.find(bodyIs(body)), `${body} at bob`);
      const other = await eventually(() => bobPhone.stanzas.find(bodyIs(body)), `${body} at bob's phone`);
      expect(got.getChild('stanza-id', SID)!.attrs.by).toBe('bob@localhost');
      expect(other.getChild('stanza-id', SID)!.attrs.id).toBe(got.getChild('stanza-id', SID)!.attrs.id); // forked, archived once
      received.push(got.getChild('stanza-id', SID)!.attrs.id);
    }
    await bob.xmpp.send(chat('alice@localhost', 'three', 'three'));
    const reply = await eventually(() => alice.stanzas.find(bodyIs('three')), 'three at alice');
    const alicesId = reply.getChild('stanza-id', SID)!;
    expect(alicesId.attrs.by).toBe('alice@localhost');

    const bobs = await archiveOf(bob, 'b');
    expect(bobs.bodies).toEqual(['one', 'two', 'three']);
    expect(bobs.count).toBe('3');
    expect(bobs.ids.slice(0, 2)).toEqual(received); // archived by imp1a, read on imp1b
    const alices = await archiveOf(alice, 'a');
    expect(alices.bodies).toEqual(['one', 'two', 'three']);
    expect(alices.count).toBe('3');
    expect(alices.ids[2]).toBe(alicesId.attrs.id); // archived by imp1b, read on imp1a
  });
});
