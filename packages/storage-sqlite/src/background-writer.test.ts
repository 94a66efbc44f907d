// The background writer thread: the archive's writes run on its connection, not the node's; the
// node's own write transactions keep working beside it; and when the thread cannot run, the node's
// connection writes again with nothing lost.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { openDatabase } from './open-database.js';
import { startBackgroundWriter, type BackgroundWriter, type BackgroundWriterOptions } from './background-writer.js';
import { SqliteArchiveStore } from './sqlite-archive-store.js';
import { writeTransaction } from './write-transaction.js';

const limits = { maxMessages: 100_000, maxBytes: 100_000_000 };
const message = (n: number) => ({ at: Date.now(), with: ['bob@localhost'], stanza: `<message><body>${n}</body></message>` });
/** Rows written by this connection since it opened (SQLite's total_changes()). */
const changesBy = (db: Database) => db.prepare('SELECT total_changes() AS n').get() as { n: number };

async function withWriter(options: BackgroundWriterOptions, run: (db: Database, writer: BackgroundWriter) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'deskchat-writer-'));
  const db = openDatabase(dir);
  const writer = startBackgroundWriter(db, options);
  try {
    await run(db, writer);
  } finally {
    writer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the background writer', () => {
  it("writes the archive's appends, expiry and removal on its own connection; the node's connection only reads them", async () => {
    await withWriter({}, async (db, writer) => {
      expect(await writer.started).toBe(true);
      const store = new SqliteArchiveStore(db, writer.archive);
      const changed = changesBy(db).n;
      const ids = await Promise.all(Array.from({ length: 40 }, (_, n) => store.append('alice', message(n), limits)));
      expect((await store.query('alice', { max: 100 }))?.messages.map((m) => m.id)).toEqual(ids);
      expect(await store.expire('alice', Date.now() + 1000)).toBe(40);
      await store.append('alice', message(41), limits);
      await store.removeArchive('alice');
      expect(await store.usage('alice')).toEqual({ messages: 0, bytes: 0 });
      expect(writer.onThread).toBe(true);
      expect(changesBy(db).n).toBe(changed);
    });
  });

  it("lets the node's read-then-write transactions run beside its appends (each takes the write lock when it begins)", async () => {
    await withWriter({}, async (db, writer) => {
      expect(await writer.started).toBe(true);
      const store = new SqliteArchiveStore(db, writer.archive);
      db.exec('CREATE TABLE counter (name TEXT PRIMARY KEY, n INTEGER NOT NULL)');
      const read = db.prepare<[string], { n: number }>('SELECT n FROM counter WHERE name = ?');
      const write = db.prepare('INSERT INTO counter (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = excluded.n');
      // A read, then a write from what was read: the shape of the roster's and the block list's bounds.
      const increment = writeTransaction(db, (name: string) => write.run(name, (read.get(name)?.n ?? 0) + 1));
      let appending = true;
      const appends = (async () => {
        for (let n = 0; appending; n++) await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(`user${i}`, message(n), limits)));
      })();
      const deadline = Date.now() + 1500;
      let done = 0;
      try {
        while (Date.now() < deadline) {
          for (let i = 0; i < 50; i++, done++) increment('c');
          await new Promise((r) => setImmediate(r)); // let the writer commit in between
        }
      } finally {
        appending = false;
        await appends;
      }
      expect(read.get('c')?.n).toBe(done);
      expect((await store.usage('user0')).messages).toBeGreaterThan(0);
    });
  });

  it('falls back to the node connection when its thread cannot start: nothing is lost', async () => {
    const broken = new URL('./no-such-writer.js', import.meta.url);
    await withWriter({ workerUrl: broken }, async (db, writer) => {
      const store = new SqliteArchiveStore(db, writer.archive);
      const early = store.append('alice', message(1), limits); // sent before the thread failed
      expect(await writer.started).toBe(false);
      const late = store.append('alice', message(2), limits);
      const ids = [await early, await late];
      expect((await store.query('alice', { max: 10 }))?.messages.map((m) => m.id)).toEqual(ids);
      expect(writer.onThread).toBe(false);
    });
  });

  it('at load, appends wait out the commit gap to share a commit; expiry, removal and close do not wait, and take the appends before them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-writer-'));
    const db = openDatabase(dir);
    const writer = startBackgroundWriter(db, { commitGapMs: 60_000 });
    try {
      expect(await writer.started).toBe(true);
      const store = new SqliteArchiveStore(db, writer.archive);
      await store.append('alice', message(1), limits); // a quiet writer commits at once
      let second = false;
      const pending = store.append('alice', message(2), limits).then(() => (second = true));
      // Within the gap: the append waits (a commit takes milliseconds; the gap is a minute).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(second).toBe(false);
      // Expiry (of nothing) runs at once, and the append before it with it.
      expect(await store.expire('alice', 0)).toBe(0);
      await pending;
      expect(second).toBe(true);
      // Another append in the gap, then close: written, not lost, and close does not wait a minute.
      void store.append('alice', message(3), limits).catch(() => {});
      store.flush();
      writer.close();
      expect(db.prepare("SELECT count(*) AS n FROM archive_messages WHERE archive = 'alice'").get()).toEqual({ n: 3 });
    } finally {
      writer.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
