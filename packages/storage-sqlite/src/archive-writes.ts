// The archive's writes (XEP-0313), as synchronous transactions on one connection. The node runs
// them in its background writer thread (background-writer.ts), so that a chat message's two
// appends cost its event loop a message post, not two commits; a store opened without that thread
// (the CLI's export, a fallback) runs them on its own connection.
import type { Database, Statement } from 'better-sqlite3';
import { archiveTime, type ArchiveLimits, type NewArchivedMessage } from '@deskchat/core';
import { writeTransaction } from './write-transaction.js';

export interface AppendRequest {
  archive: string;
  message: NewArchivedMessage;
  limits: ArchiveLimits;
  /** Handed out by the store (SqliteArchiveStore's one counter), greater than every stored one. */
  seq: number;
  id: string;
}

/** The appends of a batch that failed, by index, with why (they fail alone). Plain data: it crosses threads. */
export type AppendFailures = [index: number, error: string][];

export interface ArchiveWrites {
  /** Every append in one transaction; if that fails, each alone, so one bad append fails alone. */
  appendAll(batch: readonly AppendRequest[]): AppendFailures;
  /** Drops the messages archived before `before`; returns how many went. */
  expire(archive: string, before: number): number;
  /** Removes the archive's messages and its meta row. */
  remove(archive: string): void;
}

/** The archive's writes as the store calls them; each settles once its transaction has committed. */
export interface ArchiveWriter {
  appendAll(batch: AppendRequest[]): Promise<AppendFailures>;
  expire(archive: string, before: number): Promise<number>;
  remove(archive: string): Promise<void>;
}

/** The oldest message of an archive, as a drop needs it. */
interface Oldest {
  seq: number;
  bytes: number;
  /** JSON array of the JIDs its `with` rows are under. */
  withKeys: string;
}

interface Meta {
  last: number;
  messages: number;
  bytes: number;
}

export function prepareArchiveWrites(db: Database): ArchiveWrites {
  const meta: Statement<[string], Meta> = db.prepare('SELECT last, messages, bytes FROM archive_meta WHERE archive = ?');
  const insert: Statement<[string, number, string, string, number, string]> = db.prepare('INSERT INTO archive_messages (archive, seq, id, stanza, bytes, with_keys) VALUES (?, ?, ?, ?, ?, ?)');
  const insertWith: Statement<[string, string, number, string]> = db.prepare('INSERT OR IGNORE INTO archive_with (archive, jid, seq, id) VALUES (?, ?, ?, ?)');
  const setMeta: Statement<[string, number, number, number]> = db.prepare(
    'INSERT INTO archive_meta (archive, last, messages, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (archive) DO UPDATE SET last = excluded.last, messages = excluded.messages, bytes = excluded.bytes',
  );
  const oldest: Statement<[string], Oldest> = db.prepare('SELECT seq, bytes, with_keys AS withKeys FROM archive_messages WHERE archive = ? ORDER BY seq LIMIT 1');
  const deleteOne: Statement<[string, number]> = db.prepare('DELETE FROM archive_messages WHERE archive = ? AND seq = ?');
  // By primary key, with the keys the message kept (migration 17): no index by seq to keep up.
  const deleteWith: Statement<[string, string, number]> = db.prepare('DELETE FROM archive_with WHERE archive = ? AND jid = ? AND seq = ?');

  /** Drops the oldest messages while `drop` says so; returns how many went. */
  const dropOldest = (archive: string, m: Meta, drop: (oldest: Oldest, meta: Meta) => boolean): number => {
    let n = 0;
    for (let row = oldest.get(archive); row && drop(row, m); row = oldest.get(archive)) {
      deleteOne.run(archive, row.seq);
      for (const jid of JSON.parse(row.withKeys) as string[]) deleteWith.run(archive, jid, row.seq);
      m.messages--;
      m.bytes -= row.bytes;
      n++;
    }
    return n;
  };

  const appendOne = ({ archive, message, limits, seq, id }: AppendRequest): void => {
    const last = meta.get(archive) ?? { last: 0, messages: 0, bytes: 0 };
    const bytes = Buffer.byteLength(message.stanza, 'utf8');
    const withKeys = [...new Set(message.with)];
    insert.run(archive, seq, id, message.stanza, bytes, JSON.stringify(withKeys));
    for (const jid of withKeys) insertWith.run(archive, jid, seq, id);
    const next = { last: Math.max(seq, last.last), messages: last.messages + 1, bytes: last.bytes + bytes };
    if (limits.expireBefore !== undefined) dropOldest(archive, next, (row) => archiveTime(row.seq) < limits.expireBefore!);
    const isOver = (m: Meta) => m.messages > limits.maxMessages || m.bytes > limits.maxBytes;
    if (isOver(next)) dropOldest(archive, next, (_, m) => isOver(m)); // no read of the oldest row while under the bound
    setMeta.run(archive, next.last, next.messages, next.bytes);
  };
  const appendOneTx = writeTransaction(db, appendOne);
  const appendGroupTx = writeTransaction(db, (batch: readonly AppendRequest[]) => batch.forEach(appendOne));

  const expireTx = writeTransaction(db, (archive: string, before: number) => {
    const m = meta.get(archive);
    if (!m) return 0;
    const n = dropOldest(archive, m, (row) => archiveTime(row.seq) < before);
    setMeta.run(archive, m.last, m.messages, m.bytes);
    return n;
  });

  const removeMessages = db.prepare('DELETE FROM archive_messages WHERE archive = ?');
  const removeWith = db.prepare('DELETE FROM archive_with WHERE archive = ?');
  // The meta row goes too: sequence numbers follow the clock, so a new archive of the same name
  // starts after the old one's ids anyway.
  const resetMeta = db.prepare('DELETE FROM archive_meta WHERE archive = ?');
  const removeTx = writeTransaction(db, (archive: string) => {
    removeMessages.run(archive);
    removeWith.run(archive);
    resetMeta.run(archive);
  });

  return {
    appendAll(batch) {
      try {
        appendGroupTx(batch);
        return [];
      } catch {
        const failures: AppendFailures = [];
        batch.forEach((request, i) => {
          try {
            appendOneTx(request);
          } catch (err) {
            failures.push([i, err instanceof Error ? err.message : String(err)]);
          }
        });
        return failures;
      }
    },
    expire: expireTx,
    remove: removeTx,
  };
}

/** The archive's writes on the caller's own connection, synchronously. */
export function localArchiveWriter(db: Database): ArchiveWriter {
  const writes = prepareArchiveWrites(db);
  return {
    appendAll: async (batch) => writes.appendAll(batch),
    expire: async (archive, before) => writes.expire(archive, before),
    remove: async (archive) => writes.remove(archive),
  };
}

/**
 * A batch as one flat array of strings and numbers, for the post to the writer thread: cloning
 * one array of primitives costs the event loop a fraction of cloning an object per append.
 */
export type EncodedAppends = (string | number | null)[];

export function encodeAppends(batch: readonly AppendRequest[]): EncodedAppends {
  const flat: EncodedAppends = [];
  for (const { archive, message, limits, seq, id } of batch) {
    flat.push(archive, seq, id, message.at, message.stanza, limits.maxMessages, limits.maxBytes, limits.expireBefore ?? null, message.with.length, ...message.with);
  }
  return flat;
}

export function decodeAppends(flat: Readonly<EncodedAppends>): AppendRequest[] {
  const batch: AppendRequest[] = [];
  for (let i = 0; i < flat.length; ) {
    const [archive, seq, id, at, stanza, maxMessages, maxBytes, expireBefore, withCount] = flat.slice(i, i + 9) as [string, number, string, number, string, number, number, number | null, number];
    const withJids = flat.slice(i + 9, i + 9 + withCount) as string[];
    i += 9 + withCount;
    const limits: ArchiveLimits = expireBefore === null ? { maxMessages, maxBytes } : { maxMessages, maxBytes, expireBefore };
    batch.push({ archive, seq, id, message: { at, stanza, with: withJids }, limits });
  }
  return batch;
}
