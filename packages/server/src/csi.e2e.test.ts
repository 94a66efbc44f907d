// XEP-0352 client state indication with real xmpp.js clients over TCP on a real node: an inactive
// client gets no presence updates or chat states until it says <active/> (then the latest of each),
// and a message with a body arrives at once, after what was held.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { befriend, Inbox } from './__tests__/gadget-page.js';

const CSI = 'urn:xmpp:csi:0';
const CHATSTATES = 'http://jabber.org/protocol/chatstates';
let node: TestNode;
let alice: Client;
let bob: Client;
let inbox: Inbox;

/** Waits until the server has handled everything `client` sent before (a round trip on its stream). */
const settled = (client: Client) => client.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
const fromBob = (el: Element) => el.attrs.from === 'bob@localhost/desk';
/** What alice got from bob's resource since `mark`: `presence <status>`, `state <name>` or `body <text>`. */
const seen = (mark: number) =>
  inbox.stanzas
    .slice(mark)
    .filter(fromBob)
    .map((el) => (el.is('presence') ? `presence ${el.getChildText('status')}` : el.getChild('body') ? `body ${el.getChildText('body')}` : `state ${el.children.find((c) => typeof c !== 'string' && c.attrs.xmlns === CHATSTATES)?.toString().match(/^<(\w+)/)?.[1]}`));

beforeAll(async () => {
  node = await startTestNode();
  await node.addUser('alice', 'pw-alice');
  await node.addUser('bob', 'pw-bob');
  await befriend(node, 'alice', 'bob', 'Team');
  alice = await signIn(node.port, 'alice', 'pw-alice', 'phone');
  inbox = new Inbox(alice);
  bob = await signIn(node.port, 'bob', 'pw-bob', 'desk');
  await alice.send(xml('presence'));
  await bob.send(xml('presence', {}, xml('status', {}, 'here')));
  await inbox.next((el) => fromBob(el) && el.is('presence'));
}, 60_000);

afterAll(async () => {
  await Promise.all([alice, bob].filter(Boolean).map(stopClient));
  await node?.stop();
});

describe('client state indication (XEP-0352) with xmpp.js over TCP', () => {
  it('holds presence and chat states for an inactive client until it is active', async () => {
    await alice.send(xml('inactive', { xmlns: CSI }));
    await settled(alice);
    const mark = inbox.mark();
    await bob.send(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, 'lunch')));
    await bob.send(xml('message', { to: 'alice@localhost/phone', type: 'chat' }, xml('composing', { xmlns: CHATSTATES })));
    await bob.send(xml('presence', {}, xml('show', {}, 'dnd'), xml('status', {}, 'on a call')));
    await settled(bob); // bob's stanzas were routed to alice's session
    expect(seen(mark)).toEqual([]);
    await alice.send(xml('active', { xmlns: CSI }));
    await inbox.next((el) => fromBob(el) && el.is('presence'), mark);
    await inbox.next((el) => fromBob(el) && el.is('message'), mark);
    expect(seen(mark)).toEqual(['state composing', 'presence on a call']); // the latest presence was routed last
  });

  it('sends a message with a body at once, after what it held', async () => {
    await alice.send(xml('inactive', { xmlns: CSI }));
    await settled(alice);
    const mark = inbox.mark();
    await bob.send(xml('presence', {}, xml('status', {}, 'back')));
    await bob.send(xml('message', { to: 'alice@localhost/phone', type: 'chat' }, xml('body', {}, 'are you there?')));
    await inbox.next((el) => fromBob(el) && el.getChildText('body') === 'are you there?', mark);
    expect(seen(mark)).toEqual(['presence back', 'body are you there?']);
    await alice.send(xml('active', { xmlns: CSI }));
  });
});
