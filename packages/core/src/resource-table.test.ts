import { describe, it, expect } from '@jest/globals';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ResourceTable } from './resource-table.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Entry {
  resource: string;
  n: number;
}

const table = () => new ResourceTable<Entry>((e) => e.resource);

describe('ResourceTable', () => {
  it('keeps one value per (user, resource), and returns the one a set replaces', () => {
    const t = table();
    expect(t.set('alice', { resource: 'desk', n: 1 })).toBeUndefined();
    expect(t.get('alice', 'desk')).toEqual({ resource: 'desk', n: 1 });
    expect(t.get('alice', 'phone')).toBeUndefined();
    expect(t.get('bob', 'desk')).toBeUndefined();
    expect(t.set('alice', { resource: 'desk', n: 2 })).toEqual({ resource: 'desk', n: 1 });
    expect(t.valuesOf('alice')).toEqual([{ resource: 'desk', n: 2 }]);
    expect(t.countOf('alice')).toBe(1);
  });

  it('holds several resources of a user, in the order they were added, and goes back to one', () => {
    const t = table();
    t.set('alice', { resource: 'desk', n: 1 });
    expect(t.set('alice', { resource: 'phone', n: 2 })).toBeUndefined();
    expect(t.set('alice', { resource: 'web', n: 3 })).toBeUndefined();
    expect(t.countOf('alice')).toBe(3);
    expect(t.valuesOf('alice').map((e) => e.n)).toEqual([1, 2, 3]);
    expect(t.set('alice', { resource: 'phone', n: 4 })).toEqual({ resource: 'phone', n: 2 });
    expect(t.get('alice', 'phone')?.n).toBe(4);

    expect(t.delete('alice', 'desk')?.n).toBe(1);
    expect(t.delete('alice', 'desk')).toBeUndefined();
    expect(t.delete('alice', 'web')?.n).toBe(3);
    expect(t.valuesOf('alice')).toEqual([{ resource: 'phone', n: 4 }]);
    expect(t.get('alice', 'phone')?.n).toBe(4);
    expect(t.get('alice', 'web')).toBeUndefined();
    // From one value back to two, then none.
    t.set('alice', { resource: 'desk', n: 5 });
    expect(t.valuesOf('alice').map((e) => e.n)).toEqual([4, 5]);
    expect(t.delete('alice', 'phone')?.n).toBe(4);
    expect(t.delete('alice', 'desk')?.n).toBe(5);
    expect(t.countOf('alice')).toBe(0);
    expect(t.valuesOf('alice')).toEqual([]);
  });

  it('deletes only the resource asked for, and a user whole', () => {
    const t = table();
    t.set('alice', { resource: 'desk', n: 1 });
    expect(t.delete('alice', 'phone')).toBeUndefined();
    expect(t.delete('bob', 'desk')).toBeUndefined();
    expect(t.countOf('alice')).toBe(1);
    t.set('alice', { resource: 'phone', n: 2 });
    t.set('bob', { resource: 'desk', n: 3 });
    t.deleteUser('alice');
    expect(t.countOf('alice')).toBe(0);
    expect([...t.values()].map((e) => e.n)).toEqual([3]);
  });

  it('holds many resources of a user (past the small array) in order, and comes back from there', () => {
    const t = table();
    for (let n = 0; n < 12; n++) expect(t.set('alice', { resource: `r${n}`, n })).toBeUndefined();
    expect(t.countOf('alice')).toBe(12);
    expect(t.valuesOf('alice').map((e) => e.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(t.set('alice', { resource: 'r3', n: 33 })?.n).toBe(3);
    expect(t.get('alice', 'r3')?.n).toBe(33);
    for (let n = 11; n >= 1; n--) expect(t.delete('alice', `r${n}`)?.resource).toBe(`r${n}`);
    expect(t.valuesOf('alice')).toEqual([{ resource: 'r0', n: 0 }]);
    expect(t.get('alice', 'r1')).toBeUndefined();
    expect([...t.values()]).toEqual([{ resource: 'r0', n: 0 }]);
    // The array a caller gets is its own: changing it changes nothing here.
    t.set('alice', { resource: 'r1', n: 1 });
    t.valuesOf('alice').pop();
    expect(t.countOf('alice')).toBe(2);
  });

  it('lists every value of every user', () => {
    const t = table();
    t.set('alice', { resource: 'desk', n: 1 });
    t.set('bob', { resource: 'desk', n: 2 });
    t.set('bob', { resource: 'phone', n: 3 });
    expect([...t.values()].map((e) => e.n).sort()).toEqual([1, 2, 3]);
  });
});

describe('ResourceTable memory', () => {
  /**
   * Heap taken by what `fill` builds from `entries` and `users` (both made beforehand, so that only
   * the containers are measured). The least of three builds: heapUsed also moves with whatever
   * else the worker allocates meanwhile, which only ever adds. Every build stays alive until the
   * end, so that freeing an earlier one never hides part of a later one.
   */
  function heapOf(entries: Entry[], users: string[], fill: (entries: Entry[], users: string[]) => unknown): number {
    const kept: unknown[] = [];
    let least = Infinity;
    for (let round = 0; round < 3; round++) {
      gc();
      const before = process.memoryUsage().heapUsed;
      kept.push(fill(entries, users));
      gc();
      least = Math.min(least, process.memoryUsage().heapUsed - before);
    }
    // The smallest build is still a real one: 20,000 users take well over a byte each.
    expect(least).toBeGreaterThan(entries.length);
    expect(kept).toHaveLength(3);
    return least;
  }

  it('holds users with one resource in far less heap than a Map per user', () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ resource: `r${i % 3}`, n: i }));
    const users = entries.map((_, i) => `u${i}`);
    const nested = heapOf(entries, users, (list, names) => {
      const byUser = new Map<string, Map<string, Entry>>();
      list.forEach((e, i) => byUser.set(names[i]!, new Map([[e.resource, e]])));
      return byUser;
    });
    const flat = heapOf(entries, users, (list, names) => {
      const t = table();
      list.forEach((e, i) => t.set(names[i]!, e));
      return t;
    });
    // A Map per user is ~180 bytes beside the outer table's slot: the table alone is under half.
    expect(flat).toBeLessThan(nested * 0.5);
  });

  it('holds users with two resources (a client and its composed presence) in far less heap than a Map per user', () => {
    const entries = Array.from({ length: 40_000 }, (_, i) => ({ resource: `r${i % 2}`, n: i }));
    const users = entries.map((_, i) => `u${i - (i % 2)}`);
    const withMaps = heapOf(entries, users, (list, names) => {
      const byUser = new Map<string, Map<string, Entry>>();
      for (let i = 0; i < list.length; i += 2) byUser.set(names[i]!, new Map([[list[i]!.resource, list[i]!], [list[i + 1]!.resource, list[i + 1]!]]));
      return byUser;
    });
    const flat = heapOf(entries, users, (list, names) => {
      const t = table();
      list.forEach((e, i) => t.set(names[i]!, e));
      return t;
    });
    // An array of two is ~50 bytes where a Map of two is ~200; with the outer table's slots
    // (~70 bytes a user in both) the table measures ~0.48 of the Maps.
    expect(flat).toBeLessThan(withMaps * 0.6);
  });
});
