// @deskchat/storage-sqlite: core's durable storage ports on embedded SQLite (single node).
import { openDatabase } from './open-database.js';
import { SqliteAccountStore } from './sqlite-account-store.js';

export { openDatabase, DATABASE_FILE, type OpenDatabaseOptions } from './open-database.js';
export { SCHEMA_VERSION } from './migrations.js';
export { SqliteAccountStore } from './sqlite-account-store.js';

export interface SqliteStores {
  accounts: SqliteAccountStore;
  /** Closes the shared connection; the stores must not be used afterwards. */
  close(): void;
}

/** Opens (creating and migrating if needed) `<dataDir>/deskchat.sqlite` and every store on one connection. */
export function openSqliteStores(dataDir: string): SqliteStores {
  const db = openDatabase(dataDir);
  return { accounts: new SqliteAccountStore(db), close: () => db.close() };
}
