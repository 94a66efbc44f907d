// ArchiveStore on SQLite (XEP-0313). Same contract as core's MemoryArchiveStore. A page is read
// with range queries on its indexes (core's pageOf over an ArchiveSetReader), never a scan.
import type { Database, Statement } from 'better-sqlite3';
import {
  archiveId,
  archiveNonce,
  archiveRange,
  archiveSeq,
  archiveTime,
  arraySetReader,
  namedArchiveIds,
  nextArchiveSeq,
  pageOf,
  type ArchiveLimits,
  type ArchivePage,
  type ArchivePrefs,
  type ArchiveQuery,
  type ArchiveSetReader,
  type ArchiveStore,
  type BackgroundAppend,
  type NewArchivedMessage,
} from '@deskchat/core';
import { localArchiveWriter, type AppendRequest, type ArchiveWriter } from './archive-writes.js';
import { withCondition, withKeysOf, type WithColumns } from './archive-with.js';

/** One archive as stored: what `deskchat migrate` copies. */
export interface ArchiveExport {
  /** The last sequence number handed out (ids are never reused). */
  last: number;
  messages: { seq: number; id: string; stanza: string; with: string[] }[];
}

interface RangeStatements {
  count: Statement<unknown[], { n: number }>;
  asc: Statement<unknown[], { id: string }>;
  desc: Statement<unknown[], { id: string }>;
}

interface Meta {
  last: number;
  messages: number;
  bytes: number;
}

/** Unwritten appends past which callers of appendInBackground are told to wait (about 1 s of writes at full load). */
const BACKLOG = 10_000;

/**
 * Appends handed to the writer in one batch at most. One slow turn of a loaded event loop queues
 * thousands, and a batch of more than ~1,200 is encoded into an array past V8's largest regular
 * object: that cost an append ~1 µs instead of ~60 ns (measured), 5 % of the node's event loop at
 * 14,000 BOSH msg/s, and the slower the turn the larger the next batch. The writer thread writes
 * batches that queue together in one transaction, so smaller batches do not mean more commits.
 */
const MAX_BATCH = 1_000;

export class SqliteArchiveStore implements ArchiveStore {
  private readonly meta: Statement<[string], Meta>;
  private readonly exists: Statement<[string, number, string], { n: number }>;
  private readonly stanzaOf: Statement<[string, number], { stanza: string }>;
  private readonly getPrefsStmt: Statement<[string], { prefs: string }>;
  private readonly setPrefsStmt: Statement<[string, string]>;
  private readonly removePrefs: Statement<[string]>;

  /**
   * `writer` runs the writes: the node's background writer thread (openSqliteStores), or by
   * default this connection itself. Reads are always on this connection (WAL: they never wait for
   * the writer).
   */
  constructor(
    private readonly db: Database,
    private readonly writer: ArchiveWriter = localArchiveWriter(db),
    /** Unwritten appends past which appendInBackground asks its callers to wait. */
    private readonly backlog = BACKLOG,
    /** Appends handed to the writer in one batch at most. */
    private readonly maxBatch = MAX_BATCH,
  ) {
    this.meta = db.prepare('SELECT last, messages, bytes FROM archive_meta WHERE archive = ?');
    this.exists = db.prepare('SELECT count(*) AS n FROM archive_messages WHERE archive = ? AND seq = ? AND id = ?');
    this.stanzaOf = db.prepare('SELECT stanza FROM archive_messages WHERE archive = ? AND seq = ?');
    this.getPrefsStmt = db.prepare('SELECT prefs FROM archive_prefs WHERE username = ?');
    this.setPrefsStmt = db.prepare('INSERT INTO archive_prefs (username, prefs) VALUES (?, ?) ON CONFLICT (username) DO UPDATE SET prefs = excluded.prefs');
    this.removePrefs = db.prepare('DELETE FROM archive_prefs WHERE username = ?');
    this.lastSeq = db.prepare<[], { last: number | null }>('SELECT max(last) AS last FROM archive_meta').get()?.last ?? 0;
  }

  /**
   * Group commit: the appends made in one turn of the event loop (every chat message routed in it
   * makes two) go to the writer as one transaction at its end. A commit writes every page it
   * changed to the WAL: per append 58 µs alone, 26 µs in a group of 50 (measured; the pages are
   * shared). Every other method waits for the appends made before it, so a reader never misses one.
   */
  async append(archive: string, message: NewArchivedMessage, limits: ArchiveLimits): Promise<string> {
    let failure: { err: unknown } | undefined;
    const { id, stored } = this.enqueue(archive, message, limits, (err) => (failure = { err }), true);
    await stored;
    if (failure) throw failure.err;
    return id;
  }

  /**
   * The id at once: one process writes this file, so it hands out sequence numbers itself, from
   * one counter above every stored one (strictly increasing per archive, as the port wants, and
   * following the clock). A message then waits for no commit: a session's stanzas are handled one
   * after another, and a commit per message capped each sender at one message per writer round
   * trip (measured: 100 senders, 4,400 of 6,000 msg/s offered, with both threads half idle).
   */
  appendInBackground(archive: string, message: NewArchivedMessage, limits: ArchiveLimits, failed: (err: unknown) => void): BackgroundAppend {
    return this.enqueue(archive, message, limits, failed, false);
  }

  /** The id, and the append queued for the next flush; `wait`: the caller wants `stored` whatever the backlog. */
  private enqueue(archive: string, message: NewArchivedMessage, limits: ArchiveLimits, failed: (err: unknown) => void, wait: boolean): BackgroundAppend {
    const seq = (this.lastSeq = nextArchiveSeq(message.at, this.lastSeq));
    const id = archiveId(seq) + archiveNonce();
    if (this.pending.length >= this.maxBatch) this.flush();
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push({ archive, message, limits, seq, id });
    this.failed.push(failed);
    this.unwritten++;
    if (!wait && this.unwritten <= this.backlog) return { id };
    return { id, stored: new Promise<void>((resolve) => this.callers.push(resolve)) };
  }

  /** The last sequence number handed out, of any archive. */
  private lastSeq: number;
  private pending: AppendRequest[] = [];
  /** Whom to tell when a pending append fails, by its index. */
  private failed: ((err: unknown) => void)[] = [];
  /** Callers waiting for the pending appends' commit (past the backlog, or append()). */
  private callers: (() => void)[] = [];
  /** Appends handed out and not yet committed (or failed). */
  private unwritten = 0;
  /** Batches handed to the writer and not yet committed; they never reject. */
  private readonly writing = new Set<Promise<void>>();

  /**
   * Hands the pending appends to the writer; one that fails (its own constraint) fails alone.
   * Until the commit only the callbacks are kept, not the messages: at load they would otherwise
   * live through young-generation collections and be copied and promoted with every batch.
   */
  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    const failed = this.failed;
    const callers = this.callers;
    this.pending = [];
    this.failed = [];
    this.callers = [];
    const settle = () => {
      this.unwritten -= failed.length;
      for (const written of callers) written();
      this.writing.delete(settled);
    };
    const settled = this.writer
      .appendAll(batch)
      .then(
        (failures) => {
          for (const [i, error] of failures) failed[i]!(new Error(error));
        },
        (err: unknown) => failed.forEach((tell) => tell(err)),
      )
      .then(settle, settle); // a `failed` callback that throws must not leave the batch unsettled
    this.writing.add(settled);
  }

  /**
   * Once every append made before this call has committed (or failed). Only those: under steady
   * traffic new batches keep coming, and a reader must not wait for them too.
   */
  private async written(): Promise<void> {
    this.flush();
    await Promise.all([...this.writing]);
  }

  async query(archive: string, query: ArchiveQuery): Promise<ArchivePage | undefined> {
    await this.written();
    const range = archiveRange(query);
    if (!range) return undefined;
    for (const id of namedArchiveIds(query)) {
      const seq = archiveSeq(id);
      if (seq === undefined || this.exists.get(archive, seq, id)!.n === 0) return undefined;
    }
    const reader = query.ids ? this.idsReader(archive, query) : this.rangeReader(archive, query.with);
    // Every read below is synchronous: nothing of this process writes between them.
    const page = await pageOf(reader, range, query);
    return {
      messages: page.ids.map((id) => {
        const seq = archiveSeq(id)!;
        return { id, at: archiveTime(seq), stanza: this.stanzaOf.get(archive, seq)!.stanza };
      }),
      count: page.count,
      index: page.index,
      complete: page.complete,
    };
  }

  async expire(archive: string, before: number): Promise<number> {
    this.flush(); // the writer takes requests in order
    return this.writer.expire(archive, before);
  }

  async usage(archive: string): Promise<{ messages: number; bytes: number }> {
    await this.written();
    const meta = this.meta.get(archive);
    return { messages: meta?.messages ?? 0, bytes: meta?.bytes ?? 0 };
  }

  async getPrefs(username: string): Promise<ArchivePrefs | undefined> {
    const row = this.getPrefsStmt.get(username);
    return row && (JSON.parse(row.prefs) as ArchivePrefs);
  }

  async setPrefs(username: string, prefs: ArchivePrefs): Promise<void> {
    this.setPrefsStmt.run(username, JSON.stringify({ default: prefs.default, always: prefs.always, never: prefs.never }));
  }

  async removeArchive(archive: string): Promise<void> {
    this.flush();
    await this.writer.remove(archive);
  }

  async removeUser(username: string): Promise<void> {
    this.flush();
    await this.writer.remove(username);
    this.removePrefs.run(username);
  }

  /**
   * The whole archive as stored, oldest first, with the last sequence number (for `deskchat
   * migrate`, on a store that writes on its own connection: nothing is pending after flush()).
   */
  exportArchive(archive: string): ArchiveExport {
    this.flush();
    const meta = this.meta.get(archive);
    const rows = this.db
      .prepare<[string], { seq: number; id: string; stanza: string } & WithColumns>('SELECT seq, id, stanza, with_bare AS withBare, with_full AS withFull, bare_key AS bareKey FROM archive_messages WHERE archive = ? ORDER BY seq')
      .all(archive);
    return { last: meta?.last ?? 0, messages: rows.map((row) => ({ seq: row.seq, id: row.id, stanza: row.stanza, with: withKeysOf(row) })) };
  }

  /** The archive's messages, or those indexed under one JID, read by seq range. */
  private rangeReader(archive: string, withJid: string | undefined): ArchiveSetReader {
    const filter = withJid === undefined ? undefined : withCondition(withJid);
    const args = [archive, ...(filter?.args ?? [])];
    const { count, asc, desc } = this.rangeStatements(filter?.sql ?? '');
    return {
      count: async (lo, hi) => count.get(...args, lo, hi)!.n,
      ascending: async (lo, hi, offset, limit) => asc.all(...args, lo, hi, limit, offset).map((r) => r.id),
      descending: async (lo, hi, limit) => desc.all(...args, lo, hi, limit).map((r) => r.id),
    };
  }

  /** By the `with` condition ('' for none): one of three. */
  private readonly statements = new Map<string, RangeStatements>();

  private rangeStatements(withSql: string): RangeStatements {
    let st = this.statements.get(withSql);
    if (!st) {
      // With a `with` filter, the index by (archive, with_bare, seq) answers (archive-with.ts).
      const where = `FROM archive_messages WHERE archive = ? ${withSql ? `AND ${withSql} ` : ''}AND seq BETWEEN ? AND ?`;
      st = {
        count: this.db.prepare(`SELECT count(*) AS n ${where}`),
        asc: this.db.prepare(`SELECT id ${where} ORDER BY seq LIMIT ? OFFSET ?`),
        desc: this.db.prepare(`SELECT id ${where} ORDER BY seq DESC LIMIT ?`),
      };
      this.statements.set(withSql, st);
    }
    return st;
  }

  /** XEP-0313 `ids`: the named messages that exist (and match `with`), in order. */
  private idsReader(archive: string, query: ArchiveQuery): ArchiveSetReader {
    const ids = [...new Set(query.ids ?? [])].filter((id) => archiveSeq(id) !== undefined).sort();
    const filter = query.with === undefined ? undefined : withCondition(query.with);
    const withJid = filter && this.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM archive_messages WHERE archive = ? AND seq = ? AND id = ? AND ${filter.sql}`);
    const found = ids.filter((id) => (withJid ? withJid.get(archive, archiveSeq(id)!, id, ...filter!.args)!.n > 0 : this.exists.get(archive, archiveSeq(id)!, id)!.n > 0));
    return arraySetReader(found);
  }
}
