// PresenceStateStore on SQLite: last seen and outside sources survive a restart of a single node.
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';
import type { LastSeen, PresenceStateStore } from '@deskchat/core';

export class SqlitePresenceStateStore implements PresenceStateStore {
  private readonly upsertSeen: Statement<[string, string, number]>;
  private readonly selectSeen: Statement<[string], { stanza: string; at: number }>;
  private readonly upsertSource: Statement<[string, string, string]>;
  private readonly deleteSource: Statement<[string, string]>;
  private readonly selectSources: Statement<[string], { source: string; state: string }>;
  private readonly removeAll: (username: string) => void;

  constructor(db: Database) {
    this.upsertSeen = db.prepare('INSERT INTO presence_last_seen (username, stanza, at) VALUES (?, ?, ?) ON CONFLICT (username) DO UPDATE SET stanza = excluded.stanza, at = excluded.at');
    this.selectSeen = db.prepare('SELECT stanza, at FROM presence_last_seen WHERE username = ?');
    this.upsertSource = db.prepare('INSERT INTO presence_sources (username, source, state) VALUES (?, ?, ?) ON CONFLICT (username, source) DO UPDATE SET state = excluded.state');
    this.deleteSource = db.prepare('DELETE FROM presence_sources WHERE username = ? AND source = ?');
    this.selectSources = db.prepare('SELECT source, state FROM presence_sources WHERE username = ?');
    const deleteSeen = db.prepare<[string]>('DELETE FROM presence_last_seen WHERE username = ?');
    const deleteSources = db.prepare<[string]>('DELETE FROM presence_sources WHERE username = ?');
    this.removeAll = writeTransaction(db, (username: string) => {
      deleteSeen.run(username);
      deleteSources.run(username);
    });
  }

  async setLastSeen(username: string, { stanza, at }: LastSeen): Promise<void> {
    this.upsertSeen.run(username, stanza, at);
  }

  async getLastSeen(username: string): Promise<LastSeen | undefined> {
    const row = this.selectSeen.get(username);
    return row && { stanza: row.stanza, at: row.at };
  }

  async setSource(username: string, source: string, state: string | undefined): Promise<void> {
    if (state === undefined) this.deleteSource.run(username, source);
    else this.upsertSource.run(username, source, state);
  }

  async getSources(username: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.selectSources.all(username).map((r) => [r.source, r.state]));
  }

  async removeUser(username: string): Promise<void> {
    this.removeAll(username);
  }
}
