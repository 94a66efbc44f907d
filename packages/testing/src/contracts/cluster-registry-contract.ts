// Contract suite for core's ClusterRegistry port (membership, liveness, assignments). Every
// backend runs it with a clock it controls: `advance(ms)` moves the backend's notion of time
// (the memory registry's injected clock; for Redis, real time with short TTLs).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ClusterRegistry, NodeInfo } from '@deskchat/core';

export interface ClusterRegistryFixture {
  registry: ClusterRegistry;
  /** Lets `ms` of the backend's time pass. */
  advance(ms: number): Promise<void>;
  /** A TTL long enough to outlive the test's own steps, and a short one that `advance` can outlast. */
  ttl: { long: number; short: number };
  cleanup?: () => Promise<void>;
}

export const testNode = (name: string, pair: string, instance = `${name}-1`): NodeInfo => ({
  name,
  pair,
  instance,
  host: `${name}.example.com`,
  port: 5222,
  bosh: `https://${name}.example.com:5280/http-bind`,
  websocket: `wss://${name}.example.com:5280/xmpp-websocket`,
  startedAt: 1_700_000_000_000,
});

export function clusterRegistryContract(name: string, make: () => Promise<ClusterRegistryFixture>): void {
  describe(`ClusterRegistry contract: ${name}`, () => {
    let f: ClusterRegistryFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await f.cleanup?.();
    });

    it('joins nodes, lists them alive with their addresses, sorted by name', async () => {
      await expect(f.registry.join(testNode('imp1b', 'pair1'), f.ttl.long)).resolves.toEqual({ status: 'joined' });
      await expect(f.registry.join(testNode('imp1a', 'pair1'), f.ttl.long)).resolves.toEqual({ status: 'joined' });
      const nodes = await f.registry.nodes();
      expect(nodes.map((n) => [n.name, n.pair, n.isAlive])).toEqual([['imp1a', 'pair1', true], ['imp1b', 'pair1', true]]);
      expect(nodes[0]).toMatchObject(testNode('imp1a', 'pair1'));
    });

    it('refuses a second live node with the same name, naming the holder', async () => {
      await f.registry.join(testNode('imp1a', 'pair1', 'first'), f.ttl.long);
      const result = await f.registry.join(testNode('imp1a', 'pair1', 'second'), f.ttl.long);
      expect(result).toMatchObject({ status: 'name-in-use', holder: { name: 'imp1a', instance: 'first', isAlive: true } });
    });

    it('lets a node rejoin under its name once its last registration lapsed (a restart after a crash), and the same instance at any time', async () => {
      await f.registry.join(testNode('imp1a', 'pair1', 'first'), f.ttl.short);
      await expect(f.registry.join(testNode('imp1a', 'pair1', 'first'), f.ttl.short)).resolves.toEqual({ status: 'joined' });
      await f.advance(f.ttl.short + 50);
      await expect(f.registry.join(testNode('imp1a', 'pair1', 'second'), f.ttl.long)).resolves.toEqual({ status: 'joined' });
    });

    it('refuses a third node in a pair', async () => {
      await f.registry.join(testNode('imp1a', 'pair1'), f.ttl.long);
      await f.registry.join(testNode('imp1b', 'pair1'), f.ttl.long);
      await expect(f.registry.join(testNode('imp1c', 'pair1'), f.ttl.long)).resolves.toEqual({ status: 'pair-full', members: ['imp1a', 'imp1b'] });
      await expect(f.registry.join(testNode('imp2a', 'pair2'), f.ttl.long)).resolves.toEqual({ status: 'joined' });
    });

    it('keeps a heartbeating node alive and declares a silent one dead', async () => {
      await f.registry.join(testNode('imp1a', 'pair1'), f.ttl.short);
      await f.registry.join(testNode('imp1b', 'pair1'), f.ttl.short);
      await f.advance(f.ttl.short / 2);
      await expect(f.registry.heartbeat('imp1a', 'imp1a-1', f.ttl.short)).resolves.toBe(true);
      await f.advance(f.ttl.short / 2 + 50);
      const alive = Object.fromEntries((await f.registry.nodes()).map((n) => [n.name, n.isAlive]));
      expect(alive).toEqual({ imp1a: true, imp1b: false });
    });

    it("answers false to the heartbeat of an instance whose registration another took over (it must stop serving)", async () => {
      await f.registry.join(testNode('imp1a', 'pair1', 'old'), f.ttl.short);
      await f.advance(f.ttl.short + 50);
      await f.registry.join(testNode('imp1a', 'pair1', 'new'), f.ttl.long);
      await expect(f.registry.heartbeat('imp1a', 'old', f.ttl.long)).resolves.toBe(false);
      await expect(f.registry.heartbeat('imp1a', 'new', f.ttl.long)).resolves.toBe(true);
    });

    it('answers false to the heartbeat of a node whose registration lapsed (declared dead), until it joins again', async () => {
      await f.registry.join(testNode('imp1a', 'pair1'), f.ttl.short);
      await f.advance(f.ttl.short + 50);
      await expect(f.registry.heartbeat('imp1a', 'imp1a-1', f.ttl.short)).resolves.toBe(false);
      expect((await f.registry.nodes())[0].isAlive).toBe(false);
      await expect(f.registry.join(testNode('imp1a', 'pair1'), f.ttl.long)).resolves.toEqual({ status: 'joined' });
      await expect(f.registry.heartbeat('imp1a', 'imp1a-1', f.ttl.long)).resolves.toBe(true);
    });

    it('marks a node that leaves dead at once, and ignores a leave by another instance', async () => {
      await f.registry.join(testNode('imp1a', 'pair1'), f.ttl.long);
      await f.registry.leave('imp1a', 'someone-else');
      expect((await f.registry.nodes())[0].isAlive).toBe(true);
      await f.registry.leave('imp1a', 'imp1a-1');
      expect((await f.registry.nodes())[0].isAlive).toBe(false);
    });

    it('keeps user assignments and counts them per node', async () => {
      await expect(f.registry.assignmentOf('alice')).resolves.toBeUndefined();
      await f.registry.assign('alice', 'imp1a');
      await f.registry.assign('bob', 'imp1a');
      await f.registry.assign('carol', 'imp2b');
      await f.registry.assign('bob', 'imp2b');
      await expect(f.registry.assignmentOf('bob')).resolves.toBe('imp2b');
      await expect(f.registry.assignedCounts()).resolves.toEqual({ imp1a: 1, imp2b: 2 });
      await f.registry.unassign('carol');
      await expect(f.registry.assignedCounts()).resolves.toEqual({ imp1a: 1, imp2b: 1 });
      await expect(f.registry.assignmentOf('carol')).resolves.toBeUndefined();
    });
  });
}
