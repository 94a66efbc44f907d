// Every write transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE). Two
// connections write the database at once: the node's thread and its background writer (and the CLI
// from another process). A deferred transaction that reads before it writes holds a snapshot; if
// the other connection commits in between, its first write fails at once with SQLITE_BUSY, which
// busy_timeout cannot retry (https://sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions).
// An immediate one waits for the lock under busy_timeout like a single statement does.
import type { Database } from 'better-sqlite3';

export function writeTransaction<A extends unknown[], R>(db: Database, fn: (...args: A) => R): (...args: A) => R {
  return db.transaction(fn).immediate;
}
