// ArchiveStore on SQLite (XEP-0313). Same contract as core's MemoryArchiveStore. A page is read
// with range queries on the primary keys (core's pageOf over an ArchiveSetReader), never a scan.
import type { Database, Statement, Transaction } from 'better-sqlite3';
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
  type NewArchivedMessage,
} from '@deskchat/core';

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

interface PendingAppend {
  archive: string;
  message: NewArchivedMessage;
  limits: ArchiveLimits;
  resolve(id: string): void;
  reject(err: unknown): void;
}

export class SqliteArchiveStore implements ArchiveStore {
  private readonly appendTx: Transaction<(archive: string, message: NewArchivedMessage, limits: ArchiveLimits) => string>;
  private readonly appendGroupTx: Transaction<(batch: PendingAppend[]) => string[]>;
  private readonly expireTx: Transaction<(archive: string, before: number) => number>;
  private readonly removeTx: Transaction<(archive: string) => void>;
  private readonly meta: Statement<[string], Meta>;
  private readonly exists: Statement<[string, number, string], { n: number }>;
  private readonly stanzaOf: Statement<[string, number], { stanza: string }>;
  private readonly getPrefsStmt: Statement<[string], { prefs: string }>;
  private readonly setPrefsStmt: Statement<[string, string]>;
  private readonly removePrefs: Statement<[string]>;

  constructor(private readonly db: Database) {
    this.meta = db.prepare('SELECT last, messages, bytes FROM archive_meta WHERE archive = ?');
    this.exists = db.prepare('SELECT count(*) AS n FROM archive_messages WHERE archive = ? AND seq = ? AND id = ?');
    this.stanzaOf = db.prepare('SELECT stanza FROM archive_messages WHERE archive = ? AND seq = ?');
    this.getPrefsStmt = db.prepare('SELECT prefs FROM archive_prefs WHERE username = ?');
    this.setPrefsStmt = db.prepare('INSERT INTO archive_prefs (username, prefs) VALUES (?, ?) ON CONFLICT (username) DO UPDATE SET prefs = excluded.prefs');
    this.removePrefs = db.prepare('DELETE FROM archive_prefs WHERE username = ?');
    const insert: Statement<[string, number, string, string, number]> = db.prepare('INSERT INTO archive_messages (archive, seq, id, stanza, bytes) VALUES (?, ?, ?, ?, ?)');
    const insertWith: Statement<[string, string, number, string]> = db.prepare('INSERT OR IGNORE INTO archive_with (archive, jid, seq, id) VALUES (?, ?, ?, ?)');
    const setMeta: Statement<[string, number, number, number]> = db.prepare(
      'INSERT INTO archive_meta (archive, last, messages, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (archive) DO UPDATE SET last = excluded.last, messages = excluded.messages, bytes = excluded.bytes',
    );
    const oldest: Statement<[string], { seq: number; bytes: number }> = db.prepare('SELECT seq, bytes FROM archive_messages WHERE archive = ? ORDER BY seq LIMIT 1');
    const deleteOne: Statement<[string, number]> = db.prepare('DELETE FROM archive_messages WHERE archive = ? AND seq = ?');
    const deleteWith: Statement<[string, number]> = db.prepare('DELETE FROM archive_with WHERE archive = ? AND seq = ?');
    /** Drops the oldest messages while `drop` says so; returns how many went. */
    const dropOldest = (archive: string, meta: Meta, drop: (oldest: { seq: number; bytes: number }, meta: Meta) => boolean): number => {
      let n = 0;
      for (let row = oldest.get(archive); row && drop(row, meta); row = oldest.get(archive)) {
        deleteOne.run(archive, row.seq);
        deleteWith.run(archive, row.seq);
        meta.messages--;
        meta.bytes -= row.bytes;
        n++;
      }
      return n;
    };
    const appendOne = (archive: string, message: NewArchivedMessage, limits: ArchiveLimits): string => {
      const meta = this.meta.get(archive) ?? { last: 0, messages: 0, bytes: 0 };
      const seq = nextArchiveSeq(message.at, meta.last);
      const bytes = Buffer.byteLength(message.stanza, 'utf8');
      const id = archiveId(seq) + archiveNonce();
      insert.run(archive, seq, id, message.stanza, bytes);
      for (const jid of message.with) insertWith.run(archive, jid, seq, id);
      const next = { last: seq, messages: meta.messages + 1, bytes: meta.bytes + bytes };
      if (limits.expireBefore !== undefined) dropOldest(archive, next, (row) => archiveTime(row.seq) < limits.expireBefore!);
      const isOver = (m: Meta) => m.messages > limits.maxMessages || m.bytes > limits.maxBytes;
      if (isOver(next)) dropOldest(archive, next, (_, m) => isOver(m)); // no read of the oldest row while under the bound
      setMeta.run(archive, next.last, next.messages, next.bytes);
      return id;
    };
    this.appendTx = db.transaction(appendOne);
    this.appendGroupTx = db.transaction((batch) => batch.map((p) => appendOne(p.archive, p.message, p.limits)));
    this.expireTx = db.transaction((archive, before) => {
      const meta = this.meta.get(archive);
      if (!meta) return 0;
      const n = dropOldest(archive, meta, (row) => archiveTime(row.seq) < before);
      setMeta.run(archive, meta.last, meta.messages, meta.bytes);
      return n;
    });
    const removeMessages = db.prepare('DELETE FROM archive_messages WHERE archive = ?');
    const removeWith = db.prepare('DELETE FROM archive_with WHERE archive = ?');
    // The meta row goes too: sequence numbers follow the clock, so a new archive of the same name
    // starts after the old one's ids anyway.
    const resetMeta = db.prepare('DELETE FROM archive_meta WHERE archive = ?');
    this.removeTx = db.transaction((archive) => {
      removeMessages.run(archive);
      removeWith.run(archive);
      resetMeta.run(archive);
    });
  }

  /**
   * Group commit: the appends made in one turn of the event loop (every chat message routed in it
   * makes two) are written in one transaction at its end, and each caller's promise settles once
   * that transaction has committed. A commit writes every page it changed to the WAL: per append
   * 58 µs alone, 26 µs in a group of 50 (measured; the pages are shared). Every other method
   * writes what is pending first, so a reader never misses an append that was made before it.
   */
  async append(archive: string, message: NewArchivedMessage, limits: ArchiveLimits): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ archive, message, limits, resolve, reject });
    });
  }

  private pending: PendingAppend[] = [];

  /** Writes the pending appends; one that fails (its own constraint) fails alone. */
  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let ids: string[];
    try {
      ids = this.appendGroupTx(batch);
    } catch {
      for (const p of batch) {
        try {
          p.resolve(this.appendTx(p.archive, p.message, p.limits));
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(ids[i]!));
  }

  async query(archive: string, query: ArchiveQuery): Promise<ArchivePage | undefined> {
    this.flush();
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
    this.flush();
    return this.expireTx(archive, before);
  }

  async usage(archive: string): Promise<{ messages: number; bytes: number }> {
    this.flush();
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
    this.removeTx(archive);
  }

  async removeUser(username: string): Promise<void> {
    this.flush();
    this.removeTx(username);
    this.removePrefs.run(username);
  }

  /** The whole archive as stored, oldest first, with the last sequence number (for `deskchat migrate`). */
  exportArchive(archive: string): ArchiveExport {
    this.flush();
    const meta = this.meta.get(archive);
    const rows = this.db.prepare<[string], { seq: number; id: string; stanza: string }>('SELECT seq, id, stanza FROM archive_messages WHERE archive = ? ORDER BY seq').all(archive);
    const withs = this.db.prepare<[string], { seq: number; jid: string }>('SELECT seq, jid FROM archive_with WHERE archive = ? ORDER BY jid').all(archive);
    const bySeq = new Map<number, string[]>();
    for (const row of withs) bySeq.set(row.seq, [...(bySeq.get(row.seq) ?? []), row.jid]);
    return { last: meta?.last ?? 0, messages: rows.map((row) => ({ seq: row.seq, id: row.id, stanza: row.stanza, with: bySeq.get(row.seq) ?? [] })) };
  }

  /** The archive's messages, or those indexed under one JID, read by seq range. */
  private rangeReader(archive: string, withJid: string | undefined): ArchiveSetReader {
    const args = withJid === undefined ? [archive] : [archive, withJid];
    const { count, asc, desc } = this.rangeStatements(withJid === undefined ? 'all' : 'with');
    return {
      count: async (lo, hi) => count.get(...args, lo, hi)!.n,
      ascending: async (lo, hi, offset, limit) => asc.all(...args, lo, hi, limit, offset).map((r) => r.id),
      descending: async (lo, hi, limit) => desc.all(...args, lo, hi, limit).map((r) => r.id),
    };
  }

  private readonly statements = new Map<'all' | 'with', RangeStatements>();

  private rangeStatements(kind: 'all' | 'with'): RangeStatements {
    let st = this.statements.get(kind);
    if (!st) {
      const where = kind === 'all' ? 'FROM archive_messages WHERE archive = ? AND seq BETWEEN ? AND ?' : 'FROM archive_with WHERE archive = ? AND jid = ? AND seq BETWEEN ? AND ?';
      st = {
        count: this.db.prepare(`SELECT count(*) AS n ${where}`),
        asc: this.db.prepare(`SELECT id ${where} ORDER BY seq LIMIT ? OFFSET ?`),
        desc: this.db.prepare(`SELECT id ${where} ORDER BY seq DESC LIMIT ?`),
      };
      this.statements.set(kind, st);
    }
    return st;
  }

  /** XEP-0313 `ids`: the named messages that exist (and match `with`), in order. */
  private idsReader(archive: string, query: ArchiveQuery): ArchiveSetReader {
    const ids = [...new Set(query.ids ?? [])].filter((id) => archiveSeq(id) !== undefined).sort();
    const withJid = this.db.prepare<[string, string, number, string], { n: number }>('SELECT count(*) AS n FROM archive_with WHERE archive = ? AND jid = ? AND seq = ? AND id = ?');
    const found = ids.filter((id) => (query.with === undefined ? this.exists.get(archive, archiveSeq(id)!, id)!.n > 0 : withJid.get(archive, query.with, archiveSeq(id)!, id)!.n > 0));
    return arraySetReader(found);
  }
}
