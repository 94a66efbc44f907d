// How a message's `with` keys are kept in its row (migration 18), and that a set of keys the row
// cannot hold fails its own append alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { bareOf, withColumns, withCondition, withKeysOf } from './archive-with.js';
import { prepareArchiveWrites } from './archive-writes.js';
import { openDatabase } from './open-database.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

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

  it('fails an append whose keys cannot be kept alone, with the reason, and writes the rest of its batch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-with-'));
    dirs.push(dir);
    const db = openDatabase(dir);
    try {
      const writes = prepareArchiveWrites(db);
      const limits = { maxMessages: 10, maxBytes: 1e6 };
      const failures = writes.appendAll([
        { archive: 'alice', seq: 1, id: 'a1', limits, message: { at: 0, stanza: '<m/>', with: ['bob@example.com'] } },
        { archive: 'alice', seq: 2, id: 'a2', limits, message: { at: 0, stanza: '<m/>', with: ['bob@example.com', 'carol@example.com'] } },
        { archive: 'alice', seq: 3, id: 'a3', limits, message: { at: 0, stanza: '<m/>', with: ['carol@example.com'] } },
      ]);
      expect(failures).toEqual([[1, expect.stringMatching(/one peer/)]]);
      expect(db.prepare('SELECT id FROM archive_messages ORDER BY seq').all()).toEqual([{ id: 'a1' }, { id: 'a3' }]);
      expect(db.prepare("SELECT messages, bytes FROM archive_meta WHERE archive = 'alice'").get()).toEqual({ messages: 2, bytes: 8 });
    } finally {
      db.close();
    }
  });
});
