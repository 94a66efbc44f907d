// Opens the DeskChat SQLite database (SQLite WAL mode, https://sqlite.org/wal.html) and migrates it.
// The server and the CLI open the same file from separate processes at the same time: WAL lets
// readers run alongside the one writer, and busy_timeout makes a second writer wait instead of
// failing with SQLITE_BUSY.
import { mkdirSync, chmodSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { migrate, schemaVersion, SCHEMA_VERSION } from './migrations.js';

export const DATABASE_FILE = 'deskchat.sqlite';
/** The database holds password-equivalent SCRAM keys: owner-only access. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const BUSY_TIMEOUT_MS = 5000;

export interface OpenDatabaseOptions {
  /** Open an existing, already migrated database without write access (no directory or file is created). */
  readonly?: boolean;
}

export function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): Database {
  const file = join(dataDir, DATABASE_FILE);
  if (options.readonly) return openReadonly(file);

  // mkdirSync returns the first directory it created, or undefined when dataDir already existed;
  // only a directory we created gets its mode set (an operator's own choice is left alone).
  // The explicit chmod makes the mode independent of the process umask.
  const created = mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  if (created !== undefined) chmodSync(dataDir, DIR_MODE);
  createFileOwnerOnly(file);

  const db = new BetterSqlite3(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // journal_mode is persistent in the file; synchronous and foreign_keys are per connection.
    // synchronous=NORMAL is durable across application crashes in WAL mode and only risks the last
    // transactions on power loss, never corruption.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`${file}: could not switch to WAL journal mode (got ${String(mode)})`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function openReadonly(file: string): Database {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new Error(`${file}: schema version ${version} is newer than this DeskChat understands (${SCHEMA_VERSION})`);
    }
    if (version < SCHEMA_VERSION) {
      throw new Error(`${file}: schema version ${version}, expected ${SCHEMA_VERSION}; open it once with write access to migrate`);
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Creates the database file with mode 0600 before SQLite does (SQLite would apply 0644 & ~umask). */
function createFileOwnerOnly(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  closeSync(fd);
  chmodSync(file, FILE_MODE);
}
