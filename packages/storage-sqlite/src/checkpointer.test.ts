// WAL checkpoints run by the worker thread, not by the node's commits: the node's connection never
// checkpoints (wal_autocheckpoint 0), yet what it writes reaches the database file.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, DATABASE_FILE } from './open-database.js';
import { restartGate, startCheckpointer, waitForRestart } from './checkpointer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the checkpointer', () => {
  it("copies the WAL into the database from its own thread while the node's connection only appends to the WAL", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-checkpoint-'));
    const db = openDatabase(dir);
    const checkpointer = startCheckpointer(db, { intervalMs: 50 });
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const before = statSync(join(dir, DATABASE_FILE)).size;
      db.exec('CREATE TABLE filler (n INTEGER PRIMARY KEY, text TEXT NOT NULL)');
      const insert = db.prepare('INSERT INTO filler (text) VALUES (?)');
      for (let i = 0; i < 2000; i++) insert.run('x'.repeat(2000)); // ~1,000 pages, one commit each
      // The database file grows only by a checkpoint, and this connection runs none.
      const deadline = Date.now() + 10_000;
      while (statSync(join(dir, DATABASE_FILE)).size < before + 2000 * 2000) {
        if (Date.now() > deadline) throw new Error(`no checkpoint: database file ${statSync(join(dir, DATABASE_FILE)).size} bytes`);
        await sleep(20);
      }
    } finally {
      checkpointer.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes the WAL start over under a writer that never pauses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-checkpoint-'));
    const db = openDatabase(dir);
    const gate = restartGate();
    const checkpointer = startCheckpointer(db, { intervalMs: 20, restartFrames: 500, restartGate: gate });
    try {
      db.exec('CREATE TABLE filler (n INTEGER PRIMARY KEY, text TEXT NOT NULL)');
      const insert = db.prepare('INSERT INTO filler (text) VALUES (?)');
      const wal = join(dir, `${DATABASE_FILE}-wal`);
      // ~2.5 s of commits a tick apart, as the archive writer makes them at full load (and letting
      // the checkpointer through as it does): ~100 MB of pages a second. The file of a WAL that
      // starts over keeps its size; one that never does grows all along.
      let afterWarmUp = 0;
      const start = Date.now();
      for (const end = start + 2500; Date.now() < end; ) {
        waitForRestart(gate);
        for (let i = 0; i < 20; i++) insert.run('x'.repeat(3000));
        if (afterWarmUp === 0 && Date.now() > start + 500) afterWarmUp = statSync(wal).size; // the thread has started
        await new Promise((r) => setImmediate(r));
      }
      // Without the RESTART the WAL grows by ~650 MB here; the bound leaves room for a checkpointer
      // thread (nice 10) that a busy machine runs late.
      expect(statSync(wal).size - afterWarmUp).toBeLessThan(64 * 1024 * 1024);
    } finally {
      checkpointer.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
