// Membership (membership.ts) and takeover (takeover.ts) with two Cores sharing state and a
// registry with a controlled clock: joining, fencing, and a dead node's duties taken over with no
// ghost presence and nothing published in the gap lost.
import { beforeEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import type { StreamError } from '@deskchat/protocol';
import { Harness, stanzaMatching, testNode } from '@deskchat/testing';
import { ClusterJoinError, Membership } from './membership.js';
import { MemoryClusterRegistry } from './memory-cluster-registry.js';
import { mayTakeOver } from './takeover.js';
import type { ClusterRegistry, NodeStatus } from './cluster-registry.js';

const HEARTBEAT = 2000;
const DEAD_AFTER = 6000;
let now: number;
let registry: MemoryClusterRegistry;

function membership(h: Harness, index: number, name: string, pair = 'pair1', reg: ClusterRegistry = registry): Membership {
  return new Membership(h.cores[index], { registry: reg, self: testNode(name, pair), heartbeatMs: HEARTBEAT, deadAfterMs: DEAD_AFTER, now: () => now });
}

beforeEach(() => {
  now = 1_000_000;
  registry = new MemoryClusterRegistry(() => now);
});

describe('joining', () => {
  it('refuses a third node in a pair with a message naming the key', async () => {
    const h = await Harness.create({ nodes: 2, modules: [] });
    await membership(h, 0, 'imp1a').join();
    await membership(h, 1, 'imp1b').join();
    await expect(membership(h, 1, 'imp1c').join()).rejects.toThrow(/pair 'pair1' already has two nodes \(imp1a, imp1b\).*cluster\.pair/);
  });

  it('refuses a live namesake once its own wait is over, naming the key', async () => {
    const h = await Harness.create({ nodes: 2, modules: [] });
    await membership(h, 0, 'imp1a').join();
    // The registry's clock does not move, so the holder stays alive while the newcomer waits (a few ms here).
    const other = new Membership(h.cores[1], { registry, self: { ...testNode('imp1a', 'pair1'), instance: 'another' }, heartbeatMs: 5, deadAfterMs: 20, now: () => now });
    const error = await other.join().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterJoinError);
    expect((error as Error).message).toMatch(/another live node is named 'imp1a'.*cluster\.node/);
  });
});

describe('heartbeats while starting up', () => {
  it('keep the registration alive from the moment of joining, before the node serves (a slow start-up is not declared dead)', async () => {
    const h = await Harness.create({ nodes: 1, modules: [] });
    const realRegistry = new MemoryClusterRegistry();
    const m = new Membership(h.core, { registry: realRegistry, self: testNode('imp1a', 'pair1'), heartbeatMs: 5, deadAfterMs: 40 });
    await m.join();
    m.startHeartbeats();
    try {
      const joinedAt = Date.now();
      // Three dead-after times of real start-up with no start(): the registration is renewed all along.
      await new Promise((resolve) => setTimeout(resolve, 120));
      const [self] = await realRegistry.nodes();
      expect(self).toMatchObject({ name: 'imp1a', isAlive: true });
      expect(self.lastSeen).toBeGreaterThan(joinedAt + 40);
      expect(m.holdsLease()).toBe(true);
      expect(h.core.isServing).toBe(true);
    } finally {
      await m.leave();
    }
  });
});

describe('fencing (two nodes never serve the same session)', () => {
  it('closes every stream with system-shutdown when its registration lapsed, refuses new ones, and serves again after rejoining', async () => {
    const h = await Harness.create({ nodes: 1, modules: [] });
    await h.addUser('alice');
    const m = membership(h, 0, 'imp1a');
    await m.join();
    const alice = await h.connect('alice');
    now += DEAD_AFTER + 1;
    await m.tick();
    expect((alice.transport.closedWith as StreamError).condition).toBe('system-shutdown');
    expect(h.core.isServing).toBe(true); // it joined again at once: nothing stale is left to serve
    const again = await h.connect('alice');
    expect(again.session.state).toBe('bound');
  });

  it('fences at the first stanza after its lease lapsed, before any heartbeat ran (a node frozen by SIGSTOP): the stanza is not routed', async () => {
    const h = await Harness.create({ nodes: 1, modules: [] });
    for (const u of ['alice', 'bob']) await h.addUser(u);
    const m = membership(h, 0, 'imp1a');
    await m.join();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    expect(m.holdsLease()).toBe(true);
    // Frozen past the dead-after time: no tick ran, and the first thing the node reads is a stanza.
    now += DEAD_AFTER + 1;
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'stale')));
    expect((alice.transport.closedWith as StreamError).condition).toBe('system-shutdown');
    expect((bob.transport.closedWith as StreamError).condition).toBe('system-shutdown');
    expect(bob.transport.sent.filter((el) => el.name === 'message')).toEqual([]);
    expect(h.core.isServing).toBe(false);
    // The next heartbeat (the registry kept it) lifts the fence.
    await m.tick();
    expect(h.core.isServing).toBe(true);
  });

  it('fences itself when it cannot reach the registry for longer than the dead-after time, and recovers when it can', async () => {
    const h = await Harness.create({ nodes: 1, modules: [] });
    await h.addUser('alice');
    let isDown = false;
    const flaky: ClusterRegistry = new Proxy(registry, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => (isDown ? Promise.reject(new Error('store unavailable')) : (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const m = membership(h, 0, 'imp1a', 'pair1', flaky);
    await m.join();
    const alice = await h.connect('alice');
    isDown = true;
    now += DEAD_AFTER - 1000;
    await m.tick();
    expect(alice.session.state).toBe('bound'); // not yet: others cannot have declared it dead
    now += 2000;
    await m.tick();
    expect((alice.transport.closedWith as StreamError).condition).toBe('system-shutdown');
    expect(h.core.isServing).toBe(false);
    isDown = false;
    await m.tick();
    expect(h.core.isServing).toBe(true);
  });
});

describe('takeover of a dead node', () => {
  it('lets the pair peer take over at once, others only after a grace period or when the peer is dead too', () => {
    const dead: NodeStatus = { ...testNode('imp1b', 'pair1'), isAlive: false, lastSeen: 0 };
    expect(mayTakeOver(testNode('imp1a', 'pair1'), dead, true, 6000, 6000, 6000)).toBe(true);
    expect(mayTakeOver(testNode('imp2a', 'pair2'), dead, true, 6000, 6000, 6000)).toBe(false);
    expect(mayTakeOver(testNode('imp2a', 'pair2'), dead, true, 12_000, 6000, 6000)).toBe(true);
    expect(mayTakeOver(testNode('imp2a', 'pair2'), dead, false, 6000, 6000, 6000)).toBe(true);
    expect(mayTakeOver(testNode('imp1b', 'pair1'), dead, true, 6000, 6000, 6000)).toBe(false);
  });

  it("removes a crashed node's sessions from the directory, tells modules ('session/lost') and routes again what was sent to them in the gap", async () => {
    const h = await Harness.create({ nodes: 2, modules: [] });
    for (const u of ['alice', 'bob']) await h.addUser(u);
    const alice = await h.connect('alice', { resource: 'desk', node: 0 });
    await h.connect('bob', { resource: 'laptop', node: 1 });
    const lost: string[] = [];
    h.cores[0].hooks.on('session/lost', ({ username, resource, node }) => void lost.push(`${username}/${resource}@${node}`));
    const survivor = membership(h, 0, 'node1');
    const victim = membership(h, 1, 'node2');
    await survivor.join();
    await victim.join();
    await h.crash(1);
    // In the gap: an IQ to bob's full JID waits on the bus for the dead node.
    await alice.send(xml('iq', { to: 'bob@localhost/laptop', type: 'get', id: 'gap' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    now += DEAD_AFTER / 2;
    await survivor.tick(); // the survivor heartbeats; the victim cannot
    await expect(h.core.directory.resourcesOf('bob')).resolves.toHaveLength(1); // not dead yet
    now += DEAD_AFTER / 2 + 1;
    await survivor.tick();
    expect(lost).toEqual(['bob/laptop@node2']);
    await expect(h.core.directory.resourcesOf('bob')).resolves.toEqual([]);
    // The IQ was routed again: its resource is gone, so its sender hears so (RFC 6121 §8.5.3.2.2).
    const answer = await alice.next(stanzaMatching('iq', { id: 'gap' }));
    expect(answer.attrs.type).toBe('error');
    // Once done, another round finds nothing left.
    await survivor.tick();
    expect(lost).toHaveLength(1);
  });

  it('does nothing while the node is alive', async () => {
    const h = await Harness.create({ nodes: 2, modules: [] });
    await h.addUser('bob');
    await h.connect('bob', { resource: 'laptop', node: 1 });
    const a = membership(h, 0, 'node1');
    const b = membership(h, 1, 'node2');
    await a.join();
    await b.join();
    now += HEARTBEAT;
    await b.tick();
    await a.tick();
    await expect(h.core.directory.resourcesOf('bob')).resolves.toHaveLength(1);
  });
});
