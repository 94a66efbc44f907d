// OfflineStore on SQLite: XEP-0160 offline messages, oldest first, with a per-user limit.
// Same contract as core's MemoryOfflineStore (see @deskchat/testing offlineStoreContract).
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';
import type { OfflineMessage, OfflineQuota, OfflineStore } from '@deskchat/core';

interface Row {
  id: number;
  stanza: string;
  stored_at: number;
}

/** Expects a database opened (and migrated) by `openDatabase`; statements are prepared once. */
export class SqliteOfflineStore implements OfflineStore {
  private readonly insertUnderLimit: Statement<[{ username: string; stanza: string; storedAt: number; bytes: number; maxMessages: number; maxBytes: number }]>;
  private readonly selectAll: Statement<[string], Row>;
  private readonly count: Statement<[string], { n: number }>;
  private readonly countEvery: Statement<[], { n: number }>;
  private readonly removeOne: Statement<[string, number]>;
  private readonly removeAll: Statement<[string]>;
  private readonly removeMany: (username: string, ids: number[]) => void;

  constructor(db: Database) {
    // One statement, so the count and the insert are atomic even with another connection writing.
    this.insertUnderLimit = db.prepare(`INSERT INTO offline_messages (username, stanza, stored_at, bytes)
      SELECT @username, @stanza, @storedAt, @bytes
      FROM (SELECT count(*) AS n, coalesce(sum(bytes), 0) AS total FROM offline_messages WHERE username = @username)
      WHERE n < @maxMessages AND total + @bytes <= @maxBytes`);
    this.selectAll = db.prepare('SELECT id, stanza, stored_at FROM offline_messages WHERE username = ? ORDER BY id');
    this.count = db.prepare('SELECT count(*) AS n FROM offline_messages WHERE username = ?');
    this.countEvery = db.prepare('SELECT count(*) AS n FROM offline_messages');
    this.removeOne = db.prepare('DELETE FROM offline_messages WHERE username = ? AND id = ?');
    this.removeAll = db.prepare('DELETE FROM offline_messages WHERE username = ?');
    // One transaction for a delivered batch: one fsync, and a crash leaves all or none removed.
    this.removeMany = writeTransaction(db, (username: string, ids: number[]) => {
      for (const id of ids) this.removeOne.run(username, id);
    });
  }

  async storeMessage(username: string, message: Omit<OfflineMessage, 'id'>, quota: OfflineQuota): Promise<boolean> {
    const { maxMessages, maxBytes } = quota;
    const bytes = Buffer.byteLength(message.stanza);
    return this.insertUnderLimit.run({ username, stanza: message.stanza, storedAt: message.storedAt, bytes, maxMessages, maxBytes }).changes === 1;
  }

  async listMessages(username: string): Promise<OfflineMessage[]> {
    return this.selectAll.all(username).map((row) => ({ id: row.id, stanza: row.stanza, storedAt: row.stored_at }));
  }

  async countMessages(username: string): Promise<number> {
    return this.count.get(username)!.n;
  }

  /** Every stored message of every user (the offline queue size on /metrics); not part of the port. */
  async countAllMessages(): Promise<number> {
    return this.countEvery.get()!.n;
  }

  async removeMessages(username: string, ids: number[]): Promise<void> {
    if (ids.length > 0) this.removeMany(username, ids);
  }

  async removeUser(username: string): Promise<void> {
    this.removeAll.run(username);
  }
}
