// PrivateXmlStore on SQLite (XEP-0049). Same contract as core's MemoryPrivateXmlStore.
import type { Database, Statement } from 'better-sqlite3';
import type { PrivateXmlQuota, PrivateXmlStore } from '@deskchat/core';

type Upsert = { username: string; key: string; xml: string; bytes: number; maxItems: number; maxBytes: number };
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export class SqlitePrivateXmlStore implements PrivateXmlStore {
  private readonly select: Statement<[string, string], { xml: string }>;
  private readonly upsert: Statement<[Upsert]>;
  private readonly removeOne: Statement<[string, string]>;
  private readonly removeAll: Statement<[string]>;

  constructor(db: Database) {
    this.select = db.prepare('SELECT xml FROM private_xml WHERE username = ? AND key = ?');
    // One statement: the quota check (the user's other items) and the write are atomic.
    this.upsert = db.prepare(`INSERT INTO private_xml (username, key, xml, bytes)
      SELECT @username, @key, @xml, @bytes
      FROM (SELECT count(*) AS n, coalesce(sum(bytes), 0) AS total FROM private_xml WHERE username = @username AND key <> @key)
      WHERE n + 1 <= @maxItems AND total + @bytes <= @maxBytes
      ON CONFLICT (username, key) DO UPDATE SET xml = excluded.xml, bytes = excluded.bytes`);
    this.removeOne = db.prepare('DELETE FROM private_xml WHERE username = ? AND key = ?');
    this.removeAll = db.prepare('DELETE FROM private_xml WHERE username = ?');
  }

  async getItem(username: string, key: string): Promise<string | undefined> {
    return this.select.get(username, key)?.xml;
  }

  async setItem(username: string, key: string, xml: string, quota?: PrivateXmlQuota): Promise<boolean> {
    const bytes = Buffer.byteLength(xml);
    return this.upsert.run({ username, key, xml, bytes, maxItems: quota?.maxItems ?? UNBOUNDED, maxBytes: quota?.maxBytes ?? UNBOUNDED }).changes > 0;
  }

  async removeItem(username: string, key: string): Promise<boolean> {
    return this.removeOne.run(username, key).changes > 0;
  }

  async removeUser(username: string): Promise<void> {
    this.removeAll.run(username);
  }
}
