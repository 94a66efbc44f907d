// Rooms across nodes (design.md §4–5): with two Cores sharing stores and volatile state, occupants
// on different nodes share a room, and the room lives on when the node that created it stops; a
// node starting on stores left by others removes the temporary rooms nobody is in any more and
// keeps persistent ones (XEP-0045 §10.1.3). Runs with nodes: 2 explicitly, whatever the project.
import { afterEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { Harness, type HarnessClient } from '@deskchat/testing';
import { DEFAULT_MUC_OPTIONS, mucModule } from './index.js';
import { MUC } from './ns.js';
import { configure, createRoom, errorOf, groupchat, isPresenceFrom, join, mucHarness, nextGroupchat, room, userX } from './__tests__/kit.js';

let harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses) for (const core of h.cores) await core.shutdown();
  harnesses = [];
});

const info = (client: HarnessClient, name: string) => client.iq(xml('iq', { type: 'get', to: room(name) }, xml('query', { xmlns: MUC.DISCO_INFO })));

describe('a room across two nodes', () => {
  it('lets occupants on different nodes chat, change roles and see each other, every delivery through the router', async () => {
    const harness = await mucHarness({}, 2);
    harnesses.push(harness);
    const alice = await harness.connect('alice', { node: 0 });
    const bob = await harness.connect('bob', { node: 1 });
    expect(alice.session).not.toBe(bob.session);
    expect(harness.cores[0].sessions.get('bob', bob.jid.resource)).toBeUndefined();
    await createRoom(alice, 'lobby', 'Alice');
    await join(bob, 'lobby', 'Bob');
    await groupchat(bob, 'lobby', 'from node 2');
    expect((await nextGroupchat(alice, 'from node 2')).attrs.from).toBe(room('lobby', 'Bob'));
    await alice.iq(xml('iq', { type: 'set', to: room('lobby') }, xml('query', { xmlns: MUC.ADMIN }, xml('item', { nick: 'Bob', role: 'moderator' }))));
    await bob.next((e) => isPresenceFrom(room('lobby', 'Bob'))(e) && userX(e).item?.attrs.role === 'moderator');
  });

  it('keeps the room, its configuration and its occupants on the other node when the creating node stops', async () => {
    const harness = await mucHarness({}, 2);
    harnesses.push(harness);
    const alice = await harness.connect('alice', { node: 0 });
    const bob = await harness.connect('bob', { node: 1 });
    await createRoom(alice, 'lobby', 'Alice', { 'muc#roomconfig_roomname': 'Survivor' });
    await join(bob, 'lobby', 'Bob');
    await harness.cores[0].shutdown();
    // Alice's session ended with her node: she left the room (RFC 6121 §4.6.3 style), the room stayed.
    const gone = await bob.next(isPresenceFrom(room('lobby', 'Alice'), 'unavailable'));
    expect(userX(gone).item?.attrs.role).toBe('none');
    const carol = await harness.connect('carol', { node: 1 });
    const { before } = await join(carol, 'lobby', 'Carol');
    expect(before.map((p) => p.attrs.from)).toEqual([room('lobby', 'Bob')]);
    expect((await info(carol, 'lobby')).getChild('query', MUC.DISCO_INFO)!.getChild('identity')!.attrs.name).toBe('Survivor');
    await groupchat(carol, 'lobby', 'still here');
    await nextGroupchat(bob, 'still here');
  });
});

describe('a node that dies', () => {
  it("takes its sessions' occupants out of their rooms when the node taking over reports them lost ('session/lost')", async () => {
    const harness = await mucHarness({}, 2);
    harnesses.push(harness);
    const alice = await harness.connect('alice', { node: 0 });
    const bob = await harness.connect('bob', { node: 1 });
    await createRoom(alice, 'lobby', 'Alice');
    await join(bob, 'lobby', 'Bob');
    // What core/cluster/takeover.ts fires on the surviving node for each of the dead node's sessions.
    await harness.cores[1].hooks.notify('session/lost', { username: 'alice', resource: alice.jid.resource, sessionId: alice.session.id, node: harness.cores[0].node });
    const gone = await bob.next(isPresenceFrom(room('lobby', 'Alice'), 'unavailable'));
    expect(userX(gone).item?.attrs.role).toBe('none');
    const carol = await harness.connect('carol', { node: 1 });
    expect((await join(carol, 'lobby', 'Carol')).before.map((p) => p.attrs.from)).toEqual([room('lobby', 'Bob')]);
  });
});

describe('a node starting on existing stores', () => {
  it('removes temporary rooms nobody is in and keeps persistent ones with their affiliations', async () => {
    const first = await mucHarness();
    harnesses.push(first);
    const alice = await first.connect('alice');
    await createRoom(alice, 'keep', 'Alice', { 'muc#roomconfig_persistentroom': '1' });
    await createRoom(alice, 'drop', 'Alice');
    // The process ends without anyone leaving (stores kept, volatile state gone): a fresh node on the same durable stores.
    const stores = first.core.stores;
    const second = await Harness.create({ stores, modules: [{ ...mucModule, defaults: DEFAULT_MUC_OPTIONS }] });
    harnesses.push(second);
    const bob = await second.connect('bob');
    expect(errorOf(await info(bob, 'drop'))?.condition).toBe('item-not-found');
    expect((await info(bob, 'keep')).attrs.type).toBe('result');
    const owners = await bob.iq(xml('iq', { type: 'get', to: room('keep') }, xml('query', { xmlns: MUC.ADMIN }, xml('item', { affiliation: 'owner' }))));
    expect(errorOf(owners)?.condition).toBe('forbidden'); // bob is no admin; the owner is still alice
    const again = await second.connect('alice');
    expect(userX((await join(again, 'keep', 'Alice')).self).item?.attrs.affiliation).toBe('owner');
    await configure(again, 'keep', { 'muc#roomconfig_roomname': 'Kept' });
  });
});
