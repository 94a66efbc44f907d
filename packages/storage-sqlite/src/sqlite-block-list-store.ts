// BlockListStore on SQLite (XEP-0191). Same contract as core's MemoryBlockListStore.
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';
import type { BlockListStore } from '@deskchat/core';

export class SqliteBlockListStore implements BlockListStore {
  private readonly select: Statement<[string], { jid: string }>;
  private readonly removeOne: Statement<[string, string]>;
  private readonly removeAll: Statement<[string]>;
  private readonly add: (username: string, jids: string[], maxItems: number | undefined) => boolean;

  constructor(db: Database) {
    this.select = db.prepare('SELECT jid FROM block_list WHERE username = ? ORDER BY jid');
    this.removeOne = db.prepare('DELETE FROM block_list WHERE username = ? AND jid = ?');
    this.removeAll = db.prepare('DELETE FROM block_list WHERE username = ?');
    const insert: Statement<[string, string]> = db.prepare('INSERT OR IGNORE INTO block_list (username, jid) VALUES (?, ?)');
    const count: Statement<[string], { n: number }> = db.prepare('SELECT count(*) AS n FROM block_list WHERE username = ?');
    // One transaction: the rows go in, and come out again (rollback) when the bound is passed.
    this.add = writeTransaction(db, (username: string, jids: string[], maxItems: number | undefined) => {
      for (const jid of jids) insert.run(username, jid);
      if (maxItems !== undefined && count.get(username)!.n > maxItems) throw new OverLimit();
      return true;
    });
  }

  async getBlockList(username: string): Promise<string[]> {
    return this.select.all(username).map((row) => row.jid);
  }

  async block(username: string, jids: string[], maxItems?: number): Promise<boolean> {
    try {
      return this.add(username, jids, maxItems);
    } catch (err) {
      if (err instanceof OverLimit) return false;
      throw err;
    }
  }

  async unblock(username: string, jids: string[]): Promise<void> {
    for (const jid of jids) this.removeOne.run(username, jid);
  }

  async removeUser(username: string): Promise<void> {
    this.removeAll.run(username);
  }
}

class OverLimit extends Error {}
