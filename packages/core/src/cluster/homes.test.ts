// Who serves a user (homes.ts): assignment, backup in the pair, hash choice, serving rule, balance.
import { describe, expect, it } from '@jest/globals';
import { testNode } from '@deskchat/testing';
import type { NodeStatus } from './cluster-registry.js';
import { balancedNode, hashIndex, homesOf, isServing, pairsOf, redirectTarget } from './homes.js';

const status = (name: string, pair: string, isAlive = true): NodeStatus => ({ ...testNode(name, pair), isAlive, lastSeen: 0 });
const cluster = [status('imp2b', 'pair2'), status('imp1a', 'pair1'), status('imp2a', 'pair2'), status('imp1b', 'pair1')];

describe('homes of a user (design.md §5)', () => {
  it('groups nodes into pairs sorted by name', () => {
    expect(pairsOf(cluster).map((p) => p.map((n) => n.name))).toEqual([['imp1a', 'imp1b'], ['imp2a', 'imp2b']]);
  });

  it('makes the assigned node the home and the other node of its pair the backup', () => {
    expect(homesOf('alice', 'imp2b', cluster)).toMatchObject({ home: { name: 'imp2b' }, backup: { name: 'imp2a' } });
    expect(homesOf('alice', 'imp1a', cluster)).toMatchObject({ home: { name: 'imp1a' }, backup: { name: 'imp1b' } });
  });

  it('gives an unassigned (or unknown) user a stable pair by hash, home the first node of it', () => {
    const a = homesOf('zoe', undefined, cluster)!;
    const again = homesOf('zoe', undefined, [...cluster].reverse())!;
    expect([a.home.name, a.backup?.name]).toEqual([again.home.name, again.backup?.name]);
    expect(a.home.name.endsWith('a')).toBe(true);
    const pairs = new Set(Array.from({ length: 200 }, (_, i) => homesOf(`user${i}`, undefined, cluster)!.home.pair));
    expect(pairs).toEqual(new Set(['pair1', 'pair2']));
    expect(hashIndex('zoe', 7)).toBe(hashIndex('zoe', 7));
  });

  it('treats an assignment to a node that no longer exists like no assignment', () => {
    expect(homesOf('zoe', 'imp9z', cluster)).toEqual(homesOf('zoe', undefined, cluster));
  });

  it('has no homes without nodes, and no backup for a pair of one', () => {
    expect(homesOf('alice', undefined, [])).toBeUndefined();
    expect(homesOf('alice', undefined, [status('solo', 'p')])).toEqual({ home: status('solo', 'p') });
  });

  it('lets the home serve, and the backup only while the home is dead', () => {
    const alive = homesOf('alice', 'imp1a', cluster)!;
    expect([isServing('imp1a', alive), isServing('imp1b', alive), isServing('imp2a', alive)]).toEqual([true, false, false]);
    const homeDead = homesOf('alice', 'imp1a', cluster.map((n) => (n.name === 'imp1a' ? { ...n, isAlive: false } : n)))!;
    expect([isServing('imp1a', homeDead), isServing('imp1b', homeDead)]).toEqual([true, true]);
  });

  it('redirects to the home when alive, else to the backup when alive, else nowhere', () => {
    const down = (names: string[]) => cluster.map((n) => (names.includes(n.name) ? { ...n, isAlive: false } : n));
    expect(redirectTarget(homesOf('alice', 'imp1a', cluster)!)?.name).toBe('imp1a');
    expect(redirectTarget(homesOf('alice', 'imp1a', down(['imp1a']))!)?.name).toBe('imp1b');
    expect(redirectTarget(homesOf('alice', 'imp1a', down(['imp1a', 'imp1b']))!)).toBeUndefined();
  });

  it('places a new user on the node with the fewest users, ties by name', () => {
    expect(balancedNode(cluster, { imp1a: 3, imp1b: 1, imp2a: 1, imp2b: 2 })?.name).toBe('imp1b');
    expect(balancedNode(cluster, {})?.name).toBe('imp1a');
  });
});
