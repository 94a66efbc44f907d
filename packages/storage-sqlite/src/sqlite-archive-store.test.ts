import { describe, expect, it } from '@jest/globals';
import { archiveStoreContract } from '@deskchat/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshStores } from './__tests__/fixture.js';
import { openSqliteStores } from './index.js';
import { openDatabase } from './open-database.js';
import { SqliteArchiveStore } from './sqlite-archive-store.js';
import { localArchiveWriter, type ArchiveWriter } from './archive-writes.js';

archiveStoreContract('sqlite', freshStores((stores) => stores.archive));

describe('appends in one turn of the event loop (one transaction)', () => {
  const open = freshStores((stores) => stores.archive);
  const limits = { maxMessages: 1000, maxBytes: 10_000_000 };
  const message = (n: number) => ({ at: 1_700_000_000_000, with: ['bob@localhost'], stanza: `<message><body>${n}</body></message>` });

  it('give each append its own id, in order, and every one is read back at once', async () => {
    const { store, cleanup } = await open();
    try {
      const ids = await Promise.all(Array.from({ length: 50 }, (_, n) => store.append(n % 2 === 0 ? 'alice' : 'carol', message(n), limits)));
      expect(new Set(ids).size).toBe(50);
      const alice = ids.filter((_, n) => n % 2 === 0);
      expect([...alice].sort()).toEqual(alice); // ids follow the order of the appends
      const page = await store.query('alice', { max: 100 });
      expect(page?.messages.map((m) => m.id)).toEqual(alice);
    } finally {
      await cleanup();
    }
  });

  it('are written before any read that follows them, even in the same turn', async () => {
    const { store, cleanup } = await open();
    try {
      const appended = store.append('alice', message(1), limits);
      const usage = store.usage('alice'); // called before the append's transaction would run
      expect(await usage).toEqual({ messages: 1, bytes: Buffer.byteLength(message(1).stanza) });
      await appended;
    } finally {
      await cleanup();
    }
  });
});

describe('appends in the background (the id at once, the write after)', () => {
  const limits = { maxMessages: 1000, maxBytes: 10_000_000 };
  const message = (n: number, at = 1_700_000_000_000) => ({ at, with: ['bob@localhost'], stanza: `<message><body>${n}</body></message>` });
  const noFailure = (err: unknown) => {
    throw err;
  };

  async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-archive-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('hands out the id at once, and a read made right after finds the message under it', async () => {
    await withDir(async (dir) => {
      const stores = openSqliteStores(dir);
      try {
        const { id, stored } = stores.archive.appendInBackground('alice', message(1), limits, noFailure);
        expect(stored).toBeUndefined(); // nothing queueing: the caller goes on
        expect((await stores.archive.query('alice', { max: 10 }))?.messages.map((m) => m.id)).toEqual([id]);
      } finally {
        stores.close();
      }
    });
  });

  it('keeps ids increasing per archive across a restart, even when the clock has gone back', async () => {
    await withDir(async (dir) => {
      const first = openSqliteStores(dir);
      const before = await first.archive.append('alice', message(1, 1_800_000_000_000), limits);
      first.close();
      const again = openSqliteStores(dir);
      try {
        const after = await again.archive.append('alice', message(2, 1_700_000_000_000), limits);
        const carol = await again.archive.append('carol', message(3, 1_700_000_000_000), limits);
        expect(after > before).toBe(true);
        expect(carol > after).toBe(true); // one counter for every archive
        expect((await again.archive.query('alice', { max: 10 }))?.messages.map((m) => m.id)).toEqual([before, after]);
      } finally {
        again.close();
      }
    });
  });

  it('reports a write that fails to its caller alone; the others of its transaction are stored', async () => {
    await withDir(async (dir) => {
      const stores = openSqliteStores(dir);
      const db = openDatabase(dir);
      try {
        db.exec("CREATE TRIGGER refuse BEFORE INSERT ON archive_messages WHEN NEW.archive = 'mallory' BEGIN SELECT RAISE(ABORT, 'refused here'); END");
        const failures: unknown[] = [];
        const alice = stores.archive.appendInBackground('alice', message(1), limits, noFailure);
        stores.archive.appendInBackground('mallory', message(2), limits, (err) => failures.push(err));
        const carol = stores.archive.appendInBackground('carol', message(3), limits, noFailure);
        await expect(stores.archive.append('mallory', message(4), limits)).rejects.toThrow('refused here');
        expect(failures).toEqual([expect.objectContaining({ message: expect.stringContaining('refused here') })]);
        expect((await stores.archive.query('alice', { max: 10 }))?.messages.map((m) => m.id)).toEqual([alice.id]);
        expect((await stores.archive.query('carol', { max: 10 }))?.messages.map((m) => m.id)).toEqual([carol.id]);
        expect(await stores.archive.usage('mallory')).toEqual({ messages: 0, bytes: 0 });
      } finally {
        db.close();
        stores.close();
      }
    });
  });

  it('answers a read once the appends made before it are written, not those made after it', async () => {
    await withDir(async (dir) => {
      const db = openDatabase(dir);
      try {
        // The real writes, with their replies held until the test lets each batch through: under
        // steady traffic a batch is always in flight, and a reader must not wait for all of them.
        const local = localArchiveWriter(db);
        const gates: (() => void)[] = [];
        const writer: ArchiveWriter = {
          appendAll: (batch) => local.appendAll(batch).then((failures) => new Promise((resolve) => gates.push(() => resolve(failures)))),
          expire: (archive, before) => local.expire(archive, before),
          remove: (archive) => local.remove(archive),
        };
        const store = new SqliteArchiveStore(db, writer);
        store.appendInBackground('alice', message(1), limits, noFailure);
        let answered = false;
        const usage = store.usage('alice').then((u) => ((answered = true), u));
        await new Promise((r) => setImmediate(r));
        store.appendInBackground('alice', message(2), limits, noFailure);
        await new Promise((r) => setImmediate(r)); // the second batch goes to the writer
        expect(gates).toHaveLength(2);
        gates[0]!();
        expect(await usage).toMatchObject({ messages: 2 }); // written already, only not acknowledged
        expect(answered).toBe(true);
        gates[1]!();
      } finally {
        db.close();
      }
    });
  });

  it('hands the writer at most maxBatch appends at a time, in order, each failure to its own caller', async () => {
    await withDir(async (dir) => {
      const db = openDatabase(dir);
      try {
        db.exec("CREATE TRIGGER refuse BEFORE INSERT ON archive_messages WHEN NEW.stanza LIKE '%<body>5</body>%' BEGIN SELECT RAISE(ABORT, 'refused here'); END");
        const local = localArchiveWriter(db);
        const sizes: number[] = [];
        const writer: ArchiveWriter = { ...local, appendAll: (batch) => (sizes.push(batch.length), local.appendAll(batch)) };
        const store = new SqliteArchiveStore(db, writer, undefined, 3);
        const failures: [number, unknown][] = [];
        const ids = Array.from({ length: 8 }, (_, n) => store.appendInBackground('alice', message(n), limits, (err) => failures.push([n, err])).id);
        await store.usage('alice'); // every batch written
        expect(sizes).toEqual([3, 3, 2]);
        expect(failures).toEqual([[5, expect.objectContaining({ message: expect.stringContaining('refused here') })]]);
        const page = await store.query('alice', { max: 10 });
        expect(page?.messages.map((m) => m.id)).toEqual(ids.filter((_, n) => n !== 5));
        expect(page?.messages.map((m) => m.stanza)).toEqual([0, 1, 2, 3, 4, 6, 7].map((n) => message(n).stanza));
      } finally {
        db.close();
      }
    });
  });

  it('asks callers to wait once writes queue past the backlog, and lets them go on once written', async () => {
    await withDir(async (dir) => {
      const db = openDatabase(dir);
      try {
        const store = new SqliteArchiveStore(db, undefined, 2);
        const waits = [1, 2, 3, 4].map((n) => store.appendInBackground('alice', message(n), limits, noFailure).stored);
        expect(waits.map((w) => w !== undefined)).toEqual([false, false, true, true]);
        await Promise.all(waits);
        expect(await store.usage('alice')).toMatchObject({ messages: 4 });
        expect(store.appendInBackground('alice', message(5), limits, noFailure).stored).toBeUndefined(); // written: no queue any more
        expect(await store.usage('alice')).toMatchObject({ messages: 5 });
      } finally {
        db.close();
      }
    });
  });
});
