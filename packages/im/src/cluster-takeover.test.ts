// IM after a node's death (design.md §5, issue "Failover"), two Cores sharing state: when the
// survivor takes over, subscribers see the dead node's resources go unavailable (no ghost
// presence) and a chat sent to them in the gap ends up in offline storage, not lost.
import { beforeEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { Membership, MemoryClusterRegistry } from '@deskchat/core';
import { Harness, eventually, stanzaMatching, testNode, type HarnessClient } from '@deskchat/testing';
import { imModules } from './index.js';

const DEAD_AFTER = 6000;
let now: number;
let h: Harness;
let alice: HarnessClient;

beforeEach(async () => {
  now = 1_000_000;
  h = await Harness.create({ nodes: 2, modules: imModules });
  for (const u of ['alice', 'bob']) await h.addUser(u);
  const item = { groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
  await h.core.stores.roster.setItem('alice', { jid: 'bob@localhost', ...item });
  await h.core.stores.roster.setItem('bob', { jid: 'alice@localhost', ...item });
  alice = await h.connect('alice', { resource: 'desk', node: 0 });
  const bob = await h.connect('bob', { resource: 'laptop', node: 1 });
  await alice.send(xml('presence'));
  await bob.send(xml('presence'));
  await alice.next(stanzaMatching('presence', { from: 'bob@localhost/laptop' }));
  alice.transport.drain();
});

describe('takeover of a dead node, seen from IM', () => {
  it('broadcasts unavailable for its resources and stores what was sent to them in the gap', async () => {
    const registry = new MemoryClusterRegistry(() => now);
    const membership = (i: number, name: string) => new Membership(h.cores[i], { registry, self: testNode(name, 'pair1'), heartbeatMs: 2000, deadAfterMs: DEAD_AFTER, now: () => now });
    const survivor = membership(0, 'node1');
    await survivor.join();
    await membership(1, 'node2').join();
    await h.crash(1);
    await alice.send(xml('message', { to: 'bob@localhost/laptop', type: 'chat', id: 'gap' }, xml('body', {}, 'are you there?')));
    now += DEAD_AFTER / 2;
    await survivor.tick();
    now += DEAD_AFTER / 2 + 1;
    await survivor.tick();
    const unavailable = await alice.next(stanzaMatching('presence', { from: 'bob@localhost/laptop', type: 'unavailable' }));
    expect(unavailable.attrs.to).toBe('alice@localhost');
    await eventually(async () => (await h.core.stores.offline.countMessages('bob')) === 1, 'the gap message stored offline');
    const [stored] = await h.core.stores.offline.listMessages('bob');
    expect(stored.stanza).toContain('are you there?');
  });
});
