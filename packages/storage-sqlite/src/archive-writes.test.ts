// The archive's writes in one transaction: several appends to one archive in a batch share its
// meta row (read once, written once), and the bounds and sums hold as if they came one by one; an
// append that cannot be written fails alone; a batch's post to the writer thread round-trips.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Database } from 'better-sqlite3';
import { decodeAppends, encodeAppends, prepareArchiveWrites, type AppendRequest } from './archive-writes.js';
import { openDatabase } from './open-database.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs `test` on a fresh database, closed afterwards. */
function withDatabase(test: (db: Database) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'deskchat-writes-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  try {
    test(db);
  } finally {
    db.close();
  }
}

describe('archive writes', () => {
  it('keeps bounds, sums and the last seq of archives appended to several times in one batch', () => {
    withDatabase((db) => {
      const writes = prepareArchiveWrites(db);
      const append = (archive: string, seq: number, limits: AppendRequest['limits']): AppendRequest => ({ archive, seq, id: `${archive}${seq}`, limits, message: { at: 0, stanza: `<m>${seq}</m>`, with: ['bob@example.com'] } });
      const bound = { maxMessages: 3, maxBytes: 1e6 };
      expect(writes.appendAll([1, 2].map((seq) => append('alice', seq, bound)))).toEqual([]);
      // Interleaved with another archive; alice goes past her bound twice within the batch.
      expect(writes.appendAll([append('alice', 3, bound), append('carol', 4, bound), append('alice', 5, bound), append('alice', 6, bound), append('carol', 7, bound)])).toEqual([]);
      const rows = (archive: string) => db.prepare('SELECT seq FROM archive_messages WHERE archive = ? ORDER BY seq').all(archive).map((r) => (r as { seq: number }).seq);
      expect(rows('alice')).toEqual([3, 5, 6]);
      expect(rows('carol')).toEqual([4, 7]);
      const meta = db.prepare('SELECT archive, last, messages, bytes FROM archive_meta ORDER BY archive').all();
      expect(meta).toEqual([
        { archive: 'alice', last: 6, messages: 3, bytes: 3 * '<m>1</m>'.length },
        { archive: 'carol', last: 7, messages: 2, bytes: 2 * '<m>1</m>'.length },
      ]);
      // By bytes too: two of 8 bytes fit 16; the third (9 bytes) under a bound of 17 drops the oldest.
      expect(writes.appendAll([append('dave', 8, { maxMessages: 10, maxBytes: 16 }), append('dave', 9, { maxMessages: 10, maxBytes: 16 }), append('dave', 10, { maxMessages: 10, maxBytes: 17 })])).toEqual([]);
      expect(rows('dave')).toEqual([9, 10]);
    });
  });

  it('posts a stanza shared by consecutive appends once, and decodes the batch as it was', () => {
    const limits = { maxMessages: 5, maxBytes: 1000 };
    const chat = '<message><body>hi</body></message>';
    const batch: AppendRequest[] = [
      { archive: 'alice', seq: 1, id: 'a', limits, message: { at: 1, stanza: chat, with: ['bob@example.com', 'bob@example.com/desk'] } },
      { archive: 'bob', seq: 2, id: 'b', limits: { ...limits, expireBefore: 7 }, message: { at: 1, stanza: chat, with: ['alice@example.com'] } },
      { archive: 'carol', seq: 3, id: 'c', limits, message: { at: 2, stanza: '<message>0</message>', with: [] } },
      { archive: 'dave', seq: 4, id: 'd', limits, message: { at: 3, stanza: chat, with: ['x@example.com'] } },
    ];
    const flat = encodeAppends(batch);
    expect(flat.filter((v) => v === chat)).toHaveLength(2); // alice's and bob's share one; dave's follows another
    expect(decodeAppends(flat)).toEqual(batch);
  });

  it('fails an append whose keys cannot be kept alone, with the reason, and writes the rest of its batch', () => {
    withDatabase((db) => {
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
    });
  });
});
