// XEP-0198 with the IM modules: what contacts see and where messages go when a stream is lost.
//   - a resumed stream keeps its presence: contacts see no unavailable/available flap (§5);
//   - a stream not resumed in time ends like any other: unavailable to contacts, and its
//     unacknowledged messages go to offline storage (§4), delivered once at the next sign-in;
//   - offline messages keep their own proof of receipt (the XEP-0199 ping after the batch,
//     offline.ts): a lost stream holding them neither loses them nor stores them twice;
//   - when the node holding the stream dies, the takeover leaves it to be resumed on another node
//     until its timeout (no unavailable, nothing lost), then ends it like any other.
// Runs on one node and (project im-two-nodes) with users spread over two Cores.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { takeOver, type Subscription } from '@deskchat/core';
import { NS } from '@deskchat/protocol';
import { eventually, sm, type Harness, type HarnessClient, type ManualClock } from '@deskchat/testing';
import { imModules } from '../index.js';

const { smWorld, enable, lose, chat, hasBody, bodies, resumeStream } = sm;
const settle = () => new Promise((resolve) => setImmediate(resolve));

let harness: Harness;
let clock: ManualClock;

async function link(user: string, contact: string, subscription: Subscription): Promise<void> {
  const base = { groups: [], isPendingOut: false, isPreApproved: false };
  const reverse: Record<Subscription, Subscription> = { none: 'none', to: 'from', from: 'to', both: 'both' };
  await harness.core.stores.roster.setItem(user, { jid: `${contact}@localhost`, subscription, ...base });
  await harness.core.stores.roster.setItem(contact, { jid: `${user}@localhost`, subscription: reverse[subscription], ...base });
}

/** Presence a client got from alice's resource, as `type status`, since the last call. */
async function fromDesk(client: HarnessClient): Promise<string[]> {
  await settle();
  return client.transport
    .drain()
    .filter((el) => el.name === 'presence' && el.attrs.from === 'alice@localhost/desk')
    .map((el) => `${el.attrs.type ?? 'available'} ${el.getChildText('status') ?? ''}`.trim());
}

const status = (text: string) => xml('presence', {}, xml('status', {}, text));
const stored = () => harness.core.stores.offline.countMessages('alice');
const isPing = (el: Element) => el.name === 'iq' && el.attrs.type === 'get' && el.getChild('ping', NS.PING) !== undefined;

/** alice at her desk with stream management, available; bob (subscribed both ways) online. */
async function aliceAndBob(): Promise<{ alice: HarnessClient; bob: HarnessClient; id: string }> {
  const bob = await harness.connect('bob', { resource: 'laptop' });
  await bob.send(xml('presence'));
  const alice = await harness.connect('alice', { resource: 'desk' });
  const id = (await enable(alice)).attrs.id;
  await alice.send(status('here'));
  expect(await fromDesk(bob)).toEqual(['available here']);
  return { alice, bob, id };
}

beforeEach(async () => {
  ({ harness, clock } = await smWorld({ modules: imModules }));
  await link('alice', 'bob', 'both');
});

describe('presence of a lost stream (XEP-0198 §5, §7)', () => {
  it('shows contacts no unavailable/available flap when the stream is lost and resumed', async () => {
    const { alice, bob, id } = await aliceAndBob();
    lose(alice);
    await bob.send(chat('alice@localhost/desk', 'while away'));
    const { session, transport, answer } = await resumeStream(harness, 'alice', id, 0);
    expect(answer.name).toBe('resumed');
    await transport.next(hasBody('while away'));
    // A later presence update is the marker: nothing from alice's resource came before it.
    await harness.client(session, transport).send(status('back'));
    await bob.next((el) => el.name === 'presence' && el.getChildText('status') === 'back');
    expect(bob.transport.sent.filter((el) => el.name === 'presence' && el.attrs.from === 'alice@localhost/desk').map((el) => el.attrs.type ?? el.getChildText('status'))).toEqual(['here', 'back']);
  });

  it('keeps the resource available to contacts and routing while hibernated (a probe is answered with its presence)', async () => {
    const { alice } = await aliceAndBob();
    lose(alice);
    const carol = await harness.connect('bob', { resource: 'phone' });
    await carol.send(xml('presence'));
    const seen = await carol.next((el) => el.name === 'presence' && el.attrs.from === 'alice@localhost/desk');
    expect(seen.attrs.type).toBeUndefined();
    expect(seen.getChildText('status')).toBe('here');
  });

  it('ends a stream not resumed in time normally: unavailable to contacts, its unacknowledged messages stored offline and delivered once at the next sign-in', async () => {
    const { alice, bob } = await aliceAndBob();
    lose(alice);
    await bob.send(chat('alice@localhost/desk', 'while away'));
    await clock.advance(300_000);
    expect(await fromDesk(bob)).toEqual(['unavailable']);
    await eventually(async () => (await stored()) === 1, 'the unacknowledged message in offline storage');
    const again = await harness.connect('alice', { resource: 'desk' });
    await again.send(xml('presence'));
    await again.next(hasBody('while away'));
    await bob.send(chat('alice@localhost/desk', 'marker'));
    await again.next(hasBody('marker'));
    expect(bodies(again.transport)).toEqual(['while away', 'marker']);
  });
});

describe('offline messages on a stream that is lost (offline.ts keeps its ping as the proof of receipt)', () => {
  /** bob leaves alice an offline message; alice signs in with stream management and becomes available, but her client reads nothing. */
  async function flushedThenLost(): Promise<{ alice: HarnessClient; id: string }> {
    const bob = await harness.connect('bob', { resource: 'laptop' });
    await bob.send(chat('alice@localhost', 'left for you'));
    await expect(stored()).resolves.toBe(1);
    const alice = await harness.connect('alice', { resource: 'desk' });
    alice.transport.autoReply = (el) => isPing(el); // the connection breaks before the client answers
    const id = (await enable(alice)).attrs.id;
    await alice.send(xml('presence'));
    await alice.next(hasBody('left for you'));
    await eventually(() => alice.transport.sent.some(isPing), 'the ping after the batch');
    lose(alice);
    return { alice, id };
  }

  it('removes them once the resumed stream answers the ping it is sent again', async () => {
    const { id } = await flushedThenLost();
    const { session, transport } = await resumeStream(harness, 'alice', id, 0);
    const ping = await transport.next(isPing);
    expect(bodies(transport)).toEqual(['left for you']);
    await session.onElement(xml('iq', { type: 'result', id: ping.attrs.id, to: ping.attrs.from }));
    await eventually(async () => (await stored()) === 0, 'offline storage emptied by the receipt');
  });

  it('neither loses nor doubles them when the stream is not resumed: storage still holds them once for the next sign-in', async () => {
    await flushedThenLost();
    await clock.advance(300_000);
    await settle();
    await expect(stored()).resolves.toBe(1);
    const again = await harness.connect('alice', { resource: 'desk' });
    await again.send(xml('presence'));
    await again.next(hasBody('left for you'));
    await eventually(async () => (await stored()) === 0, 'offline storage emptied by the receipt');
    expect(bodies(again.transport)).toEqual(['left for you']);
  });
});

describe('a resumable stream whose node dies (cluster takeover, design §5)', () => {
  /** alice (stream management, available) on node 2, bob on node 1; node 2 dies holding a message alice never acknowledged, and one more is sent in the gap. */
  async function nodeDies(): Promise<{ bob: HarnessClient; id: string; survivor: Harness['core'] }> {
    ({ harness, clock } = await smWorld({ nodes: 2, modules: imModules }));
    await link('alice', 'bob', 'both');
    const bob = await harness.connect('bob', { resource: 'laptop', node: 0 });
    await bob.send(xml('presence'));
    const alice = await harness.connect('alice', { resource: 'desk', node: 1 });
    const id = (await enable(alice)).attrs.id;
    await alice.send(status('here'));
    await bob.next((el) => el.name === 'presence' && el.attrs.from === 'alice@localhost/desk');
    await bob.send(chat('alice@localhost/desk', 'unacknowledged'));
    await alice.next(hasBody('unacknowledged'));
    await harness.crash(1);
    await bob.send(chat('alice@localhost/desk', 'in the gap'));
    const survivor = harness.cores[0];
    // 'in the gap' waited on the dead node's bus: it joins the stream's resumption record (routing it
    // again would bring it back to the same waiting session), so nothing is routed.
    await expect(takeOver(survivor, 'node2', clock.now())).resolves.toEqual({ sessions: 0, stanzas: 0 });
    return { bob, id, survivor };
  }

  it('leaves it to be resumed on the survivor: no unavailable, what it held and what came in the gap arrive once', async () => {
    const { bob, id, survivor } = await nodeDies();
    const { session, transport, answer } = await resumeStream(harness, 'alice', id, 0, 0);
    expect(answer.name).toBe('resumed');
    expect(session.core).toBe(survivor);
    await takeOver(survivor, 'node2', clock.now()); // the next heartbeat finds nothing left
    await bob.send(chat('alice@localhost/desk', 'marker'));
    await transport.next(hasBody('marker'));
    expect(bodies(transport)).toEqual(['unacknowledged', 'in the gap', 'marker']);
    expect(bob.transport.sent.filter((el) => el.name === 'presence' && el.attrs.from === 'alice@localhost/desk').map((el) => el.attrs.type ?? 'available')).toEqual(['available']);
  });

  it('ends it once its resumption timeout has passed: unavailable to contacts, what it held stored offline', async () => {
    const { bob, survivor } = await nodeDies();
    await expect(takeOver(survivor, 'node2', clock.now() + 299_000)).resolves.toMatchObject({ sessions: 0 });
    await expect(takeOver(survivor, 'node2', clock.now() + 300_000)).resolves.toMatchObject({ sessions: 1 });
    await bob.next((el) => el.name === 'presence' && el.attrs.from === 'alice@localhost/desk' && el.attrs.type === 'unavailable');
    await eventually(async () => (await stored()) === 2, 'both messages in offline storage');
    expect((await harness.core.stores.offline.listMessages('alice')).map((m) => m.stanza.match(/<body>([^<]*)/)?.[1])).toEqual(['unacknowledged', 'in the gap']);
  });
});
