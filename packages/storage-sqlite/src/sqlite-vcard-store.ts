// VCardStore on SQLite: XEP-0054 vCards as their XML text plus the extracted directory fields
// (XEP-0055 search). Same contract as core's MemoryVCardStore (see @deskchat/testing vcardStoreContract).
import type { Database, Statement } from 'better-sqlite3';
import type { StoredVCard, VCardFields, VCardStore } from '@deskchat/core';

interface FieldsRow {
  fn: string | null;
  nickname: string | null;
  email: string | null;
  given: string | null;
  family: string | null;
}

interface VCardRow extends FieldsRow {
  xml: string;
}

const FIELDS = ['fn', 'nickname', 'email', 'given', 'family'] as const;

/** NULL means "not in the vCard": the field is left out, as the memory store leaves it out. */
function toFields(row: FieldsRow): VCardFields {
  const fields: VCardFields = {};
  for (const f of FIELDS) if (row[f] !== null) fields[f] = row[f];
  return fields;
}

/**
 * Expects a database opened (and migrated) by `openDatabase`. The methods are async to fit the port
 * but complete synchronously (better-sqlite3 is synchronous).
 */
export class SqliteVCardStore implements VCardStore {
  private readonly upsert: Statement<[VCardRow & { username: string; updated_at: number }]>;
  private readonly selectOne: Statement<[string], VCardRow>;
  private readonly selectMany: Statement<[string], FieldsRow & { username: string }>;
  private readonly remove: Statement<[string]>;

  constructor(db: Database) {
    this.upsert = db.prepare(`INSERT INTO vcards (username, xml, fn, nickname, email, given, family, updated_at)
      VALUES (@username, @xml, @fn, @nickname, @email, @given, @family, @updated_at)
      ON CONFLICT (username) DO UPDATE SET xml = excluded.xml, fn = excluded.fn, nickname = excluded.nickname,
        email = excluded.email, given = excluded.given, family = excluded.family, updated_at = excluded.updated_at`);
    this.selectOne = db.prepare('SELECT xml, fn, nickname, email, given, family FROM vcards WHERE username = ?');
    // One JSON array parameter instead of one placeholder per name: no limit on the batch size.
    this.selectMany = db.prepare(
      'SELECT username, fn, nickname, email, given, family FROM vcards WHERE username IN (SELECT value FROM json_each(?))',
    );
    this.remove = db.prepare('DELETE FROM vcards WHERE username = ?');
  }

  async getVCard(username: string): Promise<StoredVCard | undefined> {
    const row = this.selectOne.get(username);
    return row && { xml: row.xml, fields: toFields(row) };
  }

  async setVCard(username: string, vcard: StoredVCard): Promise<void> {
    const f = vcard.fields;
    this.upsert.run({
      username,
      xml: vcard.xml,
      fn: f.fn ?? null,
      nickname: f.nickname ?? null,
      email: f.email ?? null,
      given: f.given ?? null,
      family: f.family ?? null,
      updated_at: Date.now(),
    });
  }

  async removeVCard(username: string): Promise<boolean> {
    return this.remove.run(username).changes === 1;
  }

  async getDirectoryFields(usernames: readonly string[]): Promise<Map<string, VCardFields>> {
    const found = new Map<string, VCardFields>();
    if (usernames.length === 0) return found;
    for (const row of this.selectMany.all(JSON.stringify(usernames))) found.set(row.username, toFields(row));
    return found;
  }

  async removeUser(username: string): Promise<void> {
    this.remove.run(username);
  }
}
