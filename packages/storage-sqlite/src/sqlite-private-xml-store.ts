// PrivateXmlStore on SQLite (XEP-0049). Same contract as core's MemoryPrivateXmlStore.
import type { Database, Statement } from 'better-sqlite3';
import type { PrivateXmlStore } from '@deskchat/core';

export class SqlitePrivateXmlStore implements PrivateXmlStore {
  private readonly select: Statement<[string, string], { xml: string }>;
  private readonly upsert: Statement<[string, string, string]>;
  private readonly removeOne: Statement<[string, string]>;
  private readonly removeAll: Statement<[string]>;

  constructor(db: Database) {
    this.select = db.prepare('SELECT xml FROM private_xml WHERE username = ? AND key = ?');
    this.upsert = db.prepare('INSERT INTO private_xml (username, key, xml) VALUES (?, ?, ?) ON CONFLICT (username, key) DO UPDATE SET xml = excluded.xml');
    this.removeOne = db.prepare('DELETE FROM private_xml WHERE username = ? AND key = ?');
    this.removeAll = db.prepare('DELETE FROM private_xml WHERE username = ?');
  }

  async getItem(username: string, key: string): Promise<string | undefined> {
    return this.select.get(username, key)?.xml;
  }

  async setItem(username: string, key: string, xml: string): Promise<void> {
    this.upsert.run(username, key, xml);
  }

  async removeItem(username: string, key: string): Promise<boolean> {
    return this.removeOne.run(username, key).changes > 0;
  }

  async removeUser(username: string): Promise<void> {
    this.removeAll.run(username);
  }
}
