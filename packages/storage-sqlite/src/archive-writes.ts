// The archive's writes (XEP-0313), as synchronous transactions on one connection. The node runs
// them in its background writer thread (background-writer.ts), so that a chat message's two
// appends cost its event loop a message post, not two commits; a store opened without that thread
// (the CLI's export, a fallback) runs them on its own connection.
import type { Database, Statement } from 'better-sqlite3';
import { archiveTime, type ArchiveLimits, type NewArchivedMessage } from '@deskchat/core';
import { withColumns } from './archive-with.js';
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
}

interface Meta {
  last: number;
  messages: number;
  bytes: number;
}

export function prepareArchiveWrites(db: Database): ArchiveWrites {
  const meta: Statement<[string], Meta> = db.prepare('SELECT last, messages, bytes FROM archive_meta WHERE archive = ?');
  const insert: Statement<[string, number, string, string, number, string | null, string | null, number]> = db.prepare(
    'INSERT INTO archive_messages (archive, seq, id, stanza, bytes, with_bare, with_full, bare_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const setMeta: Statement<[string, number, number, number]> = db.prepare(
    'INSERT INTO archive_meta (archive, last, messages, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (archive) DO UPDATE SET last = excluded.last, messages = excluded.messages, bytes = excluded.bytes',
  );
  const oldest: Statement<[string], Oldest> = db.prepare('SELECT seq, bytes FROM archive_messages WHERE archive = ? ORDER BY seq LIMIT 1');
  const deleteOne: Statement<[string, number]> = db.prepare('DELETE FROM archive_messages WHERE archive = ? AND seq = ?');

  /** Drops the oldest messages while `drop` says so; returns how many went. */
  const dropOldest = (archive: string, m: Meta, drop: (oldest: Oldest, meta: Meta) => boolean): number => {
    let n = 0;
    for (let row = oldest.get(archive); row && drop(row, m); row = oldest.get(archive)) {
      deleteOne.run(archive, row.seq);
      m.messages--;
      m.bytes -= row.bytes;
      n++;
    }
    return n;
  };

  /** Appends one message; `metas` holds the transaction's meta rows, written once at its end. */
  const appendOne = (metas: Map<string, Meta>, { archive, message, limits, seq, id }: AppendRequest): void => {
    let m = metas.get(archive);
    if (!m) metas.set(archive, (m = meta.get(archive) ?? { last: 0, messages: 0, bytes: 0 }));
    const bytes = Buffer.byteLength(message.stanza, 'utf8');
    const { withBare, withFull, bareKey } = withColumns(message.with);
    insert.run(archive, seq, id, message.stanza, bytes, withBare, withFull, bareKey);
    m.last = Math.max(seq, m.last);
    m.messages++;
    m.bytes += bytes;
    if (limits.expireBefore !== undefined) dropOldest(archive, m, (row) => archiveTime(row.seq) < limits.expireBefore!);
    const isOver = (next: Meta) => next.messages > limits.maxMessages || next.bytes > limits.maxBytes;
    if (isOver(m)) dropOldest(archive, m, (_, next) => isOver(next)); // no read of the oldest row while under the bound
  };
  // One meta read and write per archive per transaction, not per append: at load a commit holds
  // several appends to each archive.
  const appendTx = writeTransaction(db, (batch: readonly AppendRequest[]) => {
    const metas = new Map<string, Meta>();
    for (const request of batch) appendOne(metas, request);
    for (const [archive, m] of metas) setMeta.run(archive, m.last, m.messages, m.bytes);
  });

  const expireTx = writeTransaction(db, (archive: string, before: number) => {
    const m = meta.get(archive);
    if (!m) return 0;
    const n = dropOldest(archive, m, (row) => archiveTime(row.seq) < before);
    setMeta.run(archive, m.last, m.messages, m.bytes);
    return n;
  });

  const removeMessages = db.prepare('DELETE FROM archive_messages WHERE archive = ?');
  // The meta row goes too: sequence numbers follow the clock, so a new archive of the same name
  // starts after the old one's ids anyway.
  const resetMeta = db.prepare('DELETE FROM archive_meta WHERE archive = ?');
  const removeTx = writeTransaction(db, (archive: string) => {
    removeMessages.run(archive);
    resetMeta.run(archive);
  });

  return {
    appendAll(batch) {
      try {
        appendTx(batch);
        return [];
      } catch {
        const failures: AppendFailures = [];
        batch.forEach((request, i) => {
          try {
            appendTx([request]);
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
 * one array of primitives costs the event loop a fraction of cloning an object per append. A
 * stanza that is the previous append's too (a chat message goes into its sender's archive and its
 * recipient's) is posted once: `SAME_STANZA` stands for it.
 */
export type EncodedAppends = (string | number | null)[];

const SAME_STANZA = 0;

export function encodeAppends(batch: readonly AppendRequest[]): EncodedAppends {
  const flat: EncodedAppends = [];
  let previous: string | undefined;
  for (const { archive, message, limits, seq, id } of batch) {
    flat.push(archive, seq, id, message.at, message.stanza === previous ? SAME_STANZA : message.stanza, limits.maxMessages, limits.maxBytes, limits.expireBefore ?? null, message.with.length);
    for (const jid of message.with) flat.push(jid);
    previous = message.stanza;
  }
  return flat;
}

export function decodeAppends(flat: Readonly<EncodedAppends>): AppendRequest[] {
  const batch: AppendRequest[] = [];
  let previous = '';
  for (let i = 0; i < flat.length; ) {
    const [archive, seq, id, at, posted, maxMessages, maxBytes, expireBefore, withCount] = flat.slice(i, i + 9) as [string, number, string, number, string | typeof SAME_STANZA, number, number, number | null, number];
    const withJids = flat.slice(i + 9, i + 9 + withCount) as string[];
    i += 9 + withCount;
    const stanza = posted === SAME_STANZA ? previous : posted;
    previous = stanza;
    const limits: ArchiveLimits = expireBefore === null ? { maxMessages, maxBytes } : { maxMessages, maxBytes, expireBefore };
    batch.push({ archive, seq, id, message: { at, stanza, with: withJids }, limits });
  }
  return batch;
}
