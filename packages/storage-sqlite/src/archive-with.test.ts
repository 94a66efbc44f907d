// How a message's `with` keys are kept in its row (migration 18). That a set of keys the row cannot
// hold fails its own append alone: archive-writes.test.ts.
import { describe, expect, it } from '@jest/globals';
import { bareOf, withColumns, withCondition, withKeysOf } from './archive-with.js';

describe('archive with-columns', () => {
  it('keeps a peer by its bare JID, its full JID, or both, and gives the keys back', () => {
    const cases: [string[], ReturnType<typeof withColumns>][] = [
      [['bob@example.com', 'bob@example.com/desk'], { withBare: 'bob@example.com', withFull: 'bob@example.com/desk', bareKey: 1 }],
      [['bob@example.com'], { withBare: 'bob@example.com', withFull: null, bareKey: 1 }],
      [['room@conf.example.com/Nick/with/slashes'], { withBare: 'room@conf.example.com', withFull: 'room@conf.example.com/Nick/with/slashes', bareKey: 0 }],
      [[], { withBare: null, withFull: null, bareKey: 0 }],
      [['example.com'], { withBare: 'example.com', withFull: null, bareKey: 1 }],
    ];
    for (const [keys, columns] of cases) {
      expect(withColumns(keys)).toEqual(columns);
      expect(withKeysOf(columns)).toEqual(keys);
    }
    expect(withColumns(['bob@example.com/desk', 'bob@example.com', 'bob@example.com'])).toEqual({ withBare: 'bob@example.com', withFull: 'bob@example.com/desk', bareKey: 1 });
    expect(bareOf('a@b/c/d')).toBe('a@b');
  });

  it('refuses keys of two peers or two full JIDs', () => {
    expect(() => withColumns(['bob@example.com', 'carol@example.com'])).toThrow(/one peer/);
    expect(() => withColumns(['bob@example.com/a', 'bob@example.com/b'])).toThrow(/one full JID/);
  });

  it('filters a bare JID on the bare key and a full JID on the full one', () => {
    expect(withCondition('bob@example.com')).toEqual({ sql: 'with_bare = ? AND bare_key = 1', args: ['bob@example.com'] });
    expect(withCondition('bob@example.com/desk')).toEqual({ sql: 'with_bare = ? AND with_full = ?', args: ['bob@example.com', 'bob@example.com/desk'] });
  });
});
