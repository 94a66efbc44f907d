// The node's copy of users' archive preferences: reused for the TTL, dropped by a change made here,
// never filled by a read that a change overtook, bounded in size.
import { describe, expect, it } from '@jest/globals';
import type { ArchivePrefs } from '@deskchat/core';
import { PrefsCache } from './prefs-cache.js';

const prefs = (def: ArchivePrefs['default']): ArchivePrefs => ({ default: def, always: [], never: [] });

function setup(ttlMs: number, maxEntries?: number) {
  const stored = new Map<string, ArchivePrefs>();
  const reads: string[] = [];
  let time = 1000;
  let gate: Promise<void> | undefined;
  const cache = new PrefsCache(
    async (owner) => {
      reads.push(owner);
      const value = stored.get(owner);
      await gate;
      return value;
    },
    ttlMs,
    maxEntries,
    () => time,
  );
  return { cache, stored, reads, advance: (ms: number) => (time += ms), hold: (p: Promise<void> | undefined) => (gate = p) };
}

describe('PrefsCache', () => {
  it('reads a user once per TTL, and again after it', async () => {
    const { cache, stored, reads, advance } = setup(5000);
    stored.set('bob', prefs('never'));
    expect(await cache.get('bob')).toEqual(prefs('never'));
    stored.set('bob', prefs('roster')); // written elsewhere (another node)
    advance(4999);
    expect(await cache.get('bob')).toEqual(prefs('never'));
    advance(1);
    expect(await cache.get('bob')).toEqual(prefs('roster'));
    expect(reads).toEqual(['bob', 'bob']);
  });

  it('caches "no preferences" too, and a change made here applies at once', async () => {
    const { cache, stored, reads } = setup(5000);
    expect(await cache.get('bob')).toBeUndefined();
    expect(await cache.get('bob')).toBeUndefined();
    stored.set('bob', prefs('never'));
    cache.changed('bob');
    expect(await cache.get('bob')).toEqual(prefs('never'));
    expect(reads).toEqual(['bob', 'bob']);
  });

  it('keeps nothing a change overtook while it was being read', async () => {
    const { cache, stored, hold } = setup(5000);
    stored.set('bob', prefs('always'));
    let release!: () => void;
    hold(new Promise<void>((r) => (release = r)));
    const slow = cache.get('bob');
    stored.set('bob', prefs('never'));
    cache.changed('bob');
    release();
    expect(await slow).toEqual(prefs('always')); // what the store held when the read began
    hold(undefined);
    expect(await cache.get('bob')).toEqual(prefs('never')); // not kept: read again
  });

  it('reads every time with a TTL of 0, and holds at most maxEntries users', async () => {
    const off = setup(0);
    await off.cache.get('bob');
    await off.cache.get('bob');
    expect(off.reads).toEqual(['bob', 'bob']);
    const small = setup(5000, 2);
    for (const user of ['a', 'b', 'c', 'a']) await small.cache.get(user);
    expect(small.reads).toEqual(['a', 'b', 'c', 'a']); // 'a' was the oldest when 'c' came
  });
});
