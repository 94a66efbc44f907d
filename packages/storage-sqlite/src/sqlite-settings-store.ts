// SettingsStore on SQLite. Same contract as core's MemorySettingsStore.
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';
import type { SettingsStore, StoredSetting } from '@deskchat/core';

interface Row {
  key: string;
  value: string;
  updated_at: number;
  updated_by: string | null;
  revision: number;
}

export class SqliteSettingsStore implements SettingsStore {
  private readonly select: Statement<[string], Row>;
  private readonly selectAll: Statement<[], Row>;
  private readonly remove_: Statement<[string]>;
  private readonly write: (key: string, value: string, at: number, by: string | null) => number;

  constructor(db: Database) {
    this.select = db.prepare('SELECT * FROM settings WHERE key = ?');
    this.selectAll = db.prepare('SELECT * FROM settings ORDER BY key');
    this.remove_ = db.prepare('DELETE FROM settings WHERE key = ?');
    const bump = db.prepare<[], { revision: number }>('UPDATE settings_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision');
    const upsert = db.prepare<[string, string, number, string | null, number]>(
      `INSERT INTO settings (key, value, updated_at, updated_by, revision) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by, revision = excluded.revision`,
    );
    // One transaction: the revision and the value it names are written together.
    this.write = writeTransaction(db, (key: string, value: string, at: number, by: string | null) => {
      const { revision } = bump.get()!;
      upsert.run(key, value, at, by, revision);
      return revision;
    });
  }

  async get<T = unknown>(key: string): Promise<StoredSetting<T> | undefined> {
    const row = this.select.get(key);
    return row && fromRow<T>(row);
  }

  async set<T = unknown>(key: string, value: T, updatedBy?: string): Promise<StoredSetting<T>> {
    const text = JSON.stringify(value);
    const at = Date.now();
    const revision = this.write(key, text, at, updatedBy ?? null);
    return fromRow<T>({ key, value: text, updated_at: at, updated_by: updatedBy ?? null, revision });
  }

  async remove(key: string): Promise<boolean> {
    return this.remove_.run(key).changes > 0;
  }

  async list(): Promise<Record<string, StoredSetting>> {
    const out: Record<string, StoredSetting> = {};
    for (const row of this.selectAll.all()) out[row.key] = fromRow(row);
    return out;
  }
}

function fromRow<T>(row: Row): StoredSetting<T> {
  return { value: JSON.parse(row.value) as T, updatedAt: row.updated_at, revision: row.revision, ...(row.updated_by === null ? {} : { updatedBy: row.updated_by }) };
}
