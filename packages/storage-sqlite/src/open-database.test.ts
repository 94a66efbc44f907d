// openDatabase: file placement and permissions, SQLite WAL pragmas (https://sqlite.org/wal.html) and
// user_version migrations.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Database } from 'better-sqlite3';
import { openDatabase, DATABASE_FILE, SCHEMA_VERSION } from './index.js';
import { archiveId } from '@deskchat/core';
import { SqliteArchiveStore } from './sqlite-archive-store.js';
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

  it("step 17 keeps each archived message's `with` keys and drops the index by seq", async () => {
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
    migrate(db, MIGRATIONS.slice(0, 17));
    expect(db.prepare('SELECT seq, with_keys AS k FROM archive_messages ORDER BY seq').all()).toEqual([
      { seq: 1, k: '["bob@example.com","bob@example.com/desk"]' },
      { seq: 2, k: '["carol@example.com"]' },
      { seq: 3, k: '[]' },
    ]);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'archive_with_by_seq'").all()).toEqual([]);
    expect(db.prepare("SELECT id, stanza, bytes FROM archive_messages WHERE archive = 'alice' AND seq = 2").get()).toEqual({ id: 'a2', stanza: '<message/>', bytes: 9 });
    // Still one message per (archive, seq), now through the unique index of the rowid table.
    expect(() => message.run('alice', 2, 'again', '<message/>')).toThrow(/UNIQUE/);
  });

  it('step 18 moves the `with` keys into each message\'s row and index, and every filter, drop and export still finds them', async () => {
    const dir = freshDir();
    const db = new (await import('better-sqlite3')).default(join(dir, 'old.sqlite'));
    openDbs.push(db);
    migrate(db, MIGRATIONS.slice(0, 17));
    const T = 1_700_000_000_000;
    const message = db.prepare('INSERT INTO archive_messages (archive, seq, id, stanza, bytes, with_keys) VALUES (?, ?, ?, ?, 10, ?)');
    const keys = [['bob@example.com', 'bob@example.com/desk'], ['carol@example.com'], [], ['bob@example.com']];
    keys.forEach((k, i) => message.run('alice', (T + i) * 1000, archiveId((T + i) * 1000) + 'abcdef', `<m>${i}</m>`, JSON.stringify(k)));
    message.run('room@conf.example.com', T * 1000, archiveId(T * 1000) + 'abcdef', '<m>room</m>', '["room@conf.example.com/Nick"]');
    db.prepare("INSERT INTO archive_meta (archive, last, messages, bytes) VALUES ('alice', ?, 4, 40), ('room@conf.example.com', ?, 1, 10)").run((T + 3) * 1000, T * 1000);
    migrate(db);
    expect(schemaVersion(db)).toBe(18);
    expect(tables(db)).not.toContain('archive_with');
    expect(db.prepare('SELECT archive, with_bare AS b, with_full AS f, bare_key AS k FROM archive_messages ORDER BY archive, seq').all()).toEqual([
      { archive: 'alice', b: 'bob@example.com', f: 'bob@example.com/desk', k: 1 },
      { archive: 'alice', b: 'carol@example.com', f: null, k: 1 },
      { archive: 'alice', b: null, f: null, k: 0 },
      { archive: 'alice', b: 'bob@example.com', f: null, k: 1 },
      { archive: 'room@conf.example.com', b: 'room@conf.example.com', f: 'room@conf.example.com/Nick', k: 0 },
    ]);

    const store = new SqliteArchiveStore(db);
    const bodies = async (archive: string, jid: string) => ((await store.query(archive, { max: 10, with: jid }))?.messages ?? []).map((m) => m.stanza).join(',');
    expect(await bodies('alice', 'bob@example.com')).toBe('<m>0</m>,<m>3</m>');
    expect(await bodies('alice', 'bob@example.com/desk')).toBe('<m>0</m>');
    expect(await bodies('alice', 'carol@example.com')).toBe('<m>1</m>');
    expect(await bodies('room@conf.example.com', 'room@conf.example.com/Nick')).toBe('<m>room</m>');
    expect(await bodies('room@conf.example.com', 'room@conf.example.com')).toBe(''); // the room's JID is no message's key
    // A `with` page is one range of the index, never a scan of the archive.
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM archive_messages WHERE archive = 'alice' AND with_bare = 'bob@example.com' AND bare_key = 1 AND seq BETWEEN 0 AND 1e18 ORDER BY seq LIMIT 5").all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join(' ')).toMatch(/USING INDEX archive_messages_by_with/);

    // A bound of three messages drops the two oldest; a new append is found by its keys.
    await store.append('alice', { at: T + 10, stanza: '<m>4</m>', with: ['dave@example.com', 'dave@example.com/x'] }, { maxMessages: 3, maxBytes: 1e9 });
    expect(await bodies('alice', 'bob@example.com')).toBe('<m>3</m>');
    expect(await bodies('alice', 'dave@example.com/x')).toBe('<m>4</m>');
    expect(store.exportArchive('alice').messages.map((m) => m.with)).toEqual([[], ['bob@example.com'], ['dave@example.com', 'dave@example.com/x']]);
    expect(await store.usage('alice')).toEqual({ messages: 3, bytes: 10 + 10 + Buffer.byteLength('<m>4</m>') });
  });

  it('rejects a step list that is not numbered 1, 2, 3, …', () => {
    const db = open(freshDir());
    expect(() => migrate(db, [...MIGRATIONS, step(SCHEMA_VERSION + 2, 'SELECT 1')])).toThrow(/must be 1, 2, 3/);
  });
});
