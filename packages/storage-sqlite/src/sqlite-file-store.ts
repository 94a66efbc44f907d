// FileStore for a single node: metadata in SQLite, bytes on the local disk at `<dataDir>/files/<id>`.
// Same contract as core's MemoryFileStore (see @deskchat/testing fileStoreContract).
//
// Why this package and not @deskchat/files: design §4 keeps file metadata with the other durable
// data in the node's SQLite database, where expiry and an owner's usage are indexed queries and a
// removal of the metadata is transactional; the bytes sit beside the database in the same data
// directory (same owner-only permissions, same backup). @deskchat/files sees only the port, so a
// cluster backend (Redis metadata, shared bytes) replaces this class without touching it.
//
// A write goes to `files/.incoming/<id>.<random>` and is renamed into place only after every byte
// arrived, the size matched and the data was flushed (fdatasync); the row turns `complete` after
// the rename. A partial file is therefore never at a servable path, and a crash leaves at most a
// temporary file, which the next start removes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { FileStoreError, type FileStore, type NewFile, type OwnerUsage, type StoredFile } from '@deskchat/core';

interface Row {
  id: string;
  owner: string;
  name: string;
  size: number;
  type: string;
  created_at: number;
  expires_at: number;
  state: 'pending' | 'complete';
  completed_at: number | null;
  sha256: string | null;
}

/** Ids become file names: only these characters (base64url) ever reach a path. */
const ID = /^[A-Za-z0-9_-]{16,128}$/;
const INCOMING = '.incoming';
const READ_CHUNK = 256 * 1024;
const WRITE_BATCH = 1024 * 1024;
/** errno codes that mean "no room": a full disk, a user quota, a file size limit. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export class SqliteFileStore implements FileStore {
  private readonly incoming: string;
  private readonly writing = new Set<string>();
  private readonly selectOne: Statement<[string], Row>;
  private readonly recipientsOf: Statement<[string], { jid: string }>;
  private readonly declinesOf: Statement<[string], { jid: string }>;
  private readonly insert: Statement<[NewFile]>;
  private readonly addRecipientRow: Statement<[{ id: string; jid: string }]>;
  private readonly addDeclineRow: Statement<[{ id: string; jid: string }]>;
  private readonly complete: Statement<[{ id: string; sha256: string; completedAt: number; expiresAt: number }]>;
  private readonly deleteOne: Statement<[string]>;
  private readonly selectExpired: Statement<[number, number], { id: string }>;
  private readonly selectUsage: Statement<[{ owner: string; since: number }], { filesSince: number | null; bytesStored: number | null }>;
  private readonly selectOwned: Statement<[string], { id: string }>;
  private readonly selectComplete: Statement<[], { id: string }>;

  /** `dir` is created (0700) if missing. The server calls `recover()` once at start. */
  constructor(
    db: Database,
    private readonly dir: string,
  ) {
    this.incoming = join(dir, INCOMING);
    mkdirSync(this.incoming, { recursive: true, mode: 0o700 });
    this.selectOne = db.prepare('SELECT * FROM files WHERE id = ?');
    this.recipientsOf = db.prepare('SELECT jid FROM file_recipients WHERE file_id = ? ORDER BY rowid');
    this.declinesOf = db.prepare('SELECT jid FROM file_declines WHERE file_id = ? ORDER BY rowid');
    this.insert = db.prepare(`INSERT INTO files (id, owner, name, size, type, created_at, expires_at, state)
      VALUES (@id, @owner, @name, @size, @type, @createdAt, @expiresAt, 'pending')`);
    this.addRecipientRow = db.prepare('INSERT INTO file_recipients (file_id, jid) SELECT @id, @jid WHERE EXISTS (SELECT 1 FROM files WHERE id = @id) ON CONFLICT DO NOTHING');
    this.addDeclineRow = db.prepare('INSERT INTO file_declines (file_id, jid) SELECT @id, @jid WHERE EXISTS (SELECT 1 FROM files WHERE id = @id) ON CONFLICT DO NOTHING');
    this.complete = db.prepare(`UPDATE files SET state = 'complete', sha256 = @sha256, completed_at = @completedAt, expires_at = @expiresAt
      WHERE id = @id AND state = 'pending'`);
    this.deleteOne = db.prepare('DELETE FROM files WHERE id = ?');
    this.selectExpired = db.prepare('SELECT id FROM files WHERE expires_at <= ? ORDER BY expires_at, id LIMIT ?');
    this.selectUsage = db.prepare('SELECT sum(created_at >= @since) AS filesSince, sum(size) AS bytesStored FROM files WHERE owner = @owner');
    this.selectOwned = db.prepare('SELECT id FROM files WHERE owner = ?');
    this.selectComplete = db.prepare("SELECT id FROM files WHERE state = 'complete'");
  }

  async createSlot(file: NewFile): Promise<StoredFile> {
    if (!ID.test(file.id)) throw new Error(`file ids are 16..128 base64url characters (got '${file.id}')`);
    try {
      this.insert.run(file);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new FileStoreError('exists', `a file with id ${file.id} exists`);
      throw err;
    }
    return (await this.get(file.id))!;
  }

  async get(id: string): Promise<StoredFile | undefined> {
    const row = ID.test(id) ? this.selectOne.get(id) : undefined;
    return row && this.toFile(row);
  }

  async write(id: string, bytes: AsyncIterable<Uint8Array>, complete: { expiresAt: number; now?: number }): Promise<StoredFile> {
    const row = ID.test(id) ? this.selectOne.get(id) : undefined;
    if (!row) throw new FileStoreError('not-found', `no file ${id}`);
    if (row.state === 'complete') throw new FileStoreError('exists', `file ${id} is already complete`);
    // One writer per file in this process; the disk store is single-node by design.
    if (this.writing.has(id)) throw new FileStoreError('busy', `file ${id} is being written`);
    this.writing.add(id);
    const temp = join(this.incoming, `${id}.${randomBytes(6).toString('hex')}`);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx', 0o600);
      const hash = createHash('sha256');
      let total = 0;
      // Socket chunks (≤ 64 KiB) are gathered into writes of WRITE_BATCH: a sixteenth of the
      // thread-pool round trips, and still a bounded amount of memory per upload.
      let batch: Uint8Array[] = [];
      let batched = 0;
      for await (const chunk of bytes) {
        total += chunk.length;
        if (total > row.size) throw new FileStoreError('size-mismatch', `more than the declared ${row.size} bytes`);
        hash.update(chunk);
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH) {
          await writeAll(handle, Buffer.concat(batch, batched));
          batch = [];
          batched = 0;
        }
      }
      if (batched > 0) await writeAll(handle, Buffer.concat(batch, batched));
      if (total !== row.size) throw new FileStoreError('size-mismatch', `${total} bytes, declared ${row.size}`);
      await handle.datasync();
      await handle.close();
      handle = undefined;
      const final = join(this.dir, id);
      await rename(temp, final);
      const changed = this.complete.run({ id, sha256: hash.digest('hex'), completedAt: complete.now ?? Date.now(), expiresAt: complete.expiresAt }).changes;
      if (changed === 0) {
        // Removed (expired, declined) while the bytes were arriving: do not leave them behind.
        await unlink(final).catch(() => undefined);
        throw new FileStoreError('not-found', `file ${id} was removed during the upload`);
      }
      return (await this.get(id))!;
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code && NO_SPACE.has(code)) throw new FileStoreError('no-space', `no space left to store file ${id} (${code})`);
      throw err;
    } finally {
      this.writing.delete(id);
    }
  }

  async read(id: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const row = ID.test(id) ? this.selectOne.get(id) : undefined;
    if (row?.state !== 'complete') return undefined;
    // Open first: once open, a concurrent removal cannot cut the download short (POSIX unlink).
    let handle: FileHandle;
    try {
      handle = await open(join(this.dir, id), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return handle.createReadStream({ highWaterMark: READ_CHUNK });
  }

  async addRecipient(id: string, jid: string): Promise<StoredFile | undefined> {
    if (!ID.test(id)) return undefined;
    this.addRecipientRow.run({ id, jid });
    return this.get(id);
  }

  async decline(id: string, jid: string): Promise<StoredFile | undefined> {
    if (!ID.test(id)) return undefined;
    this.addDeclineRow.run({ id, jid });
    return this.get(id);
  }

  async remove(id: string): Promise<boolean> {
    if (!ID.test(id)) return false;
    const existed = this.deleteOne.run(id).changes > 0;
    await unlink(join(this.dir, id)).catch(() => undefined);
    return existed;
  }

  async expired(now: number, limit: number): Promise<string[]> {
    return this.selectExpired.all(now, limit).map((r) => r.id);
  }

  async usage(owner: string, since: number): Promise<OwnerUsage> {
    const row = this.selectUsage.get({ owner, since })!;
    return { filesSince: row.filesSince ?? 0, bytesStored: row.bytesStored ?? 0 };
  }

  async removeOwner(owner: string): Promise<number> {
    let removed = 0;
    for (const { id } of this.selectOwned.all(owner)) if (await this.remove(id)) removed++;
    return removed;
  }

  private toFile(row: Row): StoredFile {
    return {
      id: row.id,
      owner: row.owner,
      name: row.name,
      size: row.size,
      type: row.type,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      state: row.state,
      ...(row.completed_at === null ? {} : { completedAt: row.completed_at }),
      ...(row.sha256 === null ? {} : { sha256: row.sha256 }),
      recipients: this.recipientsOf.all(row.id).map((r) => r.jid),
      declinedBy: this.declinesOf.all(row.id).map((r) => r.jid),
    };
  }

  /**
   * After a crash, before the server takes uploads: temporary files are dropped; a file on disk
   * with no complete row (renamed just before the crash, or removed from the table) is deleted; a
   * complete row whose bytes are gone is deleted too, so that nothing offers a file that cannot be
   * served. Only the server calls it: the CLI opens the same stores while the server runs, and
   * must not touch uploads in progress.
   */
  recover(): void {
    for (const name of readdirSync(this.incoming)) rmSync(join(this.incoming, name), { force: true, recursive: true });
    const complete = new Set(this.selectComplete.all().map((r) => r.id));
    const onDisk = new Set(readdirSync(this.dir).filter((name) => name !== INCOMING));
    for (const name of onDisk) if (!complete.has(name)) unlinkSync(join(this.dir, name));
    for (const id of complete) if (!onDisk.has(id)) this.deleteOne.run(id);
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
