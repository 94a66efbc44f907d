// openDatabase: file placement and permissions, SQLite WAL pragmas (https://sqlite.org/wal.html) and
// user_version migrations.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Database } from 'better-sqlite3';
import { openDatabase, DATABASE_FILE, SCHEMA_VERSION } from './index.js';
import { prepareArchiveWrites } from './archive-writes.js';
import { migrate, MIGRATIONS, schemaVersion, type Migration } from './migrations.js';

const tempDirs: string[] = [];
const openDbs: Database[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskchat-open-'));
  tempDirs.push(dir);
  return dir;
}
function open(dir: string, readonly = false): Database {
  const db = openDatabase(dir, { readonly });
  openDbs.push(db);
  return db;
}
afterEach(() => {
  for (const db of openDbs.splice(0)) if (db.open) db.close();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const mode = (path: string): number => statSync(path).mode & 0o777;
const tables = (db: Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('openDatabase', () => {
  it('creates a missing data dir 0700 and deskchat.sqlite 0600, WAL and SHM included (they hold SCRAM keys)', () => {
    const dir = join(freshDir(), 'nested', 'data');
    const db = open(dir);
    db.prepare('CREATE TABLE probe (x)').run();
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, DATABASE_FILE))).toBe(0o600);
    expect(mode(join(dir, `${DATABASE_FILE}-wal`))).toBe(0o600);
    expect(mode(join(dir, `${DATABASE_FILE}-shm`))).toBe(0o600);
  });

  it('sets journal_mode=WAL, synchronous=NORMAL, busy_timeout=5000 and foreign_keys=ON', () => {
    const db = open(freshDir());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // 1 = NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('migrates a new database to the latest schema version', () => {
    const db = open(freshDir());
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(tables(db)).toContain('accounts');
  });

  it('is idempotent: opening an existing database again applies no step and keeps the data', () => {
    const dir = freshDir();
    const first = open(dir);
    first.prepare("INSERT INTO accounts VALUES ('alice', NULL, NULL, 1, 's', 1, 'k', 'k', 's', 1, 'k', 'k')").run();
    first.close();
    const second = open(dir);
    const third = open(dir);
    expect(schemaVersion(second)).toBe(SCHEMA_VERSION);
    expect(migrate(third)).toEqual([]);
    expect(second.prepare('SELECT count(*) AS n FROM accounts').get()).toEqual({ n: 1 });
  });

  it('refuses a database whose schema is newer than this build', () => {
    const dir = freshDir();
    const db = open(dir);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => open(dir)).toThrow(/newer than this DeskChat understands/);
    expect(() => open(dir, true)).toThrow(/newer than this DeskChat understands/);
  });

  it('readonly: opens an existing database without write access and creates nothing', () => {
    const dir = freshDir();
    open(dir).close();
    const reader = open(dir, true);
    expect(reader.readonly).toBe(true);
    expect(() => reader.prepare("INSERT INTO accounts (username) VALUES ('x')").run()).toThrow(/readonly/);
    const missing = join(freshDir(), 'missing');
    expect(() => open(missing, true)).toThrow();
    expect(existsSync(missing)).toBe(false);
  });

  it('rejects a data dir that is a file', () => {
    const file = join(freshDir(), 'not-a-dir');
    writeFileSync(file, '');
    expect(() => open(file)).toThrow();
  });
});

describe('migrate (PRAGMA user_version)', () => {
  const step = (version: number, sql: string): Migration => ({ version, description: sql, up: (db) => db.exec(sql) });

  it('applies only the steps after the current version, in order', () => {
    const db = open(freshDir());
    const extra = [...MIGRATIONS, step(SCHEMA_VERSION + 1, 'CREATE TABLE later_a (x)'), step(SCHEMA_VERSION + 2, 'CREATE TABLE later_b (x)')];
    expect(migrate(db, extra)).toEqual([SCHEMA_VERSION + 1, SCHEMA_VERSION + 2]);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION + 2);
    expect(tables(db)).toEqual(expect.arrayContaining(['accounts', 'later_a', 'later_b']));
    expect(migrate(db, extra)).toEqual([]);
  });

  it('rolls back every step of a failed run and leaves user_version unchanged', () => {
    const db = open(freshDir());
    const extra = [...MIGRATIONS, step(SCHEMA_VERSION + 1, 'CREATE TABLE later_a (x)'), step(SCHEMA_VERSION + 2, 'NOT SQL')];
    expect(() => migrate(db, extra)).toThrow();
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(tables(db)).not.toContain('later_a');
  });

  it('step 6 records the UTF-8 size of messages and private XML stored before it (per-user byte quotas, issue #7 §2)', async () => {
    const dir = freshDir();
    const db = new (await import('better-sqlite3')).default(join(dir, 'old.sqlite'));
    openDbs.push(db);
    migrate(db, MIGRATIONS.slice(0, 5));
    db.prepare("INSERT INTO offline_messages (username, stanza, stored_at) VALUES ('bob', '<message>ü</message>', 1)").run();
    db.prepare("INSERT INTO private_xml (username, key, xml) VALUES ('bob', 'k', '<k>üü</k>')").run();
    migrate(db);
    expect(db.prepare('SELECT bytes FROM offline_messages').get()).toEqual({ bytes: Buffer.byteLength('<message>ü</message>') });
    expect(db.prepare('SELECT bytes FROM private_xml').get()).toEqual({ bytes: Buffer.byteLength('<k>üü</k>') });
  });

  it('step 17 keeps each archived message\'s `with` keys, so that dropping it still removes its rows without the index by seq', async () => {
    const dir = freshDir();
    const db = new (await import('better-sqlite3')).default(join(dir, 'old.sqlite'));
    openDbs.push(db);
    migrate(db, MIGRATIONS.slice(0, 16));
    const message = db.prepare('INSERT INTO archive_messages (archive, seq, id, stanza, bytes) VALUES (?, ?, ?, ?, 9)');
    const withRow = db.prepare('INSERT INTO archive_with (archive, jid, seq, id) VALUES (?, ?, ?, ?)');
    message.run('alice', 1, 'a1', '<message/>');
    withRow.run('alice', 'bob@example.com', 1, 'a1');
    withRow.run('alice', 'bob@example.com/desk', 1, 'a1');
    message.run('alice', 2, 'a2', '<message/>');
    withRow.run('alice', 'carol@example.com', 2, 'a2');
    message.run('alice', 3, 'a3', '<message/>'); // a message with no `with` rows
    db.prepare("INSERT INTO archive_meta (archive, last, messages, bytes) VALUES ('alice', 3, 3, 27)").run();
    migrate(db);
    const keys = () => db.prepare('SELECT seq, with_keys AS k FROM archive_messages ORDER BY seq').all();
    expect(keys()).toEqual([
      { seq: 1, k: '["bob@example.com","bob@example.com/desk"]' },
      { seq: 2, k: '["carol@example.com"]' },
      { seq: 3, k: '[]' },
    ]);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'archive_with_by_seq'").all()).toEqual([]);
    expect(db.prepare("SELECT id, stanza, bytes FROM archive_messages WHERE archive = 'alice' AND seq = 2").get()).toEqual({ id: 'a2', stanza: '<message/>', bytes: 9 });
    // Still one message per (archive, seq), now through the unique index of the rowid table.
    expect(() => message.run('alice', 2, 'again', '<message/>')).toThrow(/UNIQUE/);

    // A bound of two messages drops the oldest with both of its rows; a new append keeps its keys.
    const writes = prepareArchiveWrites(db);
    writes.appendAll([{ archive: 'alice', seq: 4, id: 'a4', limits: { maxMessages: 3, maxBytes: 1e9 }, message: { at: 0, stanza: '<message/>', with: ['dave@example.com', 'dave@example.com'] } }]);
    expect(db.prepare('SELECT jid FROM archive_with ORDER BY jid').all()).toEqual([{ jid: 'carol@example.com' }, { jid: 'dave@example.com' }]);
    expect(keys()).toEqual([
      { seq: 2, k: '["carol@example.com"]' },
      { seq: 3, k: '[]' },
      { seq: 4, k: '["dave@example.com"]' },
    ]);
  });

  it('rejects a step list that is not numbered 1, 2, 3, …', () => {
    const db = open(freshDir());
    expect(() => migrate(db, [...MIGRATIONS, step(SCHEMA_VERSION + 2, 'SELECT 1')])).toThrow(/must be 1, 2, 3/);
  });
});
