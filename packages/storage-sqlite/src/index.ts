// @deskchat/storage-sqlite: core's durable storage ports on embedded SQLite (single node).
import { join } from 'node:path';
import { openDatabase } from './open-database.js';
import { SqliteAccountStore } from './sqlite-account-store.js';
import { SqliteOfflineStore } from './sqlite-offline-store.js';
import { SqlitePrivateXmlStore } from './sqlite-private-xml-store.js';
import { SqliteRosterStore } from './sqlite-roster-store.js';
import { SqliteSettingsStore } from './sqlite-settings-store.js';
import { SqliteVCardStore } from './sqlite-vcard-store.js';
import { SqliteFileStore } from './sqlite-file-store.js';

export { openDatabase, DATABASE_FILE, type OpenDatabaseOptions } from './open-database.js';
export { SCHEMA_VERSION } from './migrations.js';
export { SqliteAccountStore } from './sqlite-account-store.js';
export { SqliteOfflineStore } from './sqlite-offline-store.js';
export { SqlitePrivateXmlStore } from './sqlite-private-xml-store.js';
export { SqliteRosterStore } from './sqlite-roster-store.js';
export { SqliteSettingsStore } from './sqlite-settings-store.js';
export { SqliteVCardStore } from './sqlite-vcard-store.js';
export { SqliteFileStore } from './sqlite-file-store.js';

export interface SqliteStores {
  accounts: SqliteAccountStore;
  offline: SqliteOfflineStore;
  privateXml: SqlitePrivateXmlStore;
  roster: SqliteRosterStore;
  settings: SqliteSettingsStore;
  vcards: SqliteVCardStore;
  /** Metadata in the database, bytes in `<dataDir>/files/`. */
  files: SqliteFileStore;
  /** Closes the shared connection; the stores must not be used afterwards. */
  close(): void;
}

/**
 * Opens (creating and migrating if needed) `<dataDir>/deskchat.sqlite` and every store on one
 * connection; stored files' bytes live in `<dataDir>/files/`.
 */
export function openSqliteStores(dataDir: string): SqliteStores {
  const db = openDatabase(dataDir);
  return { accounts: new SqliteAccountStore(db), offline: new SqliteOfflineStore(db), privateXml: new SqlitePrivateXmlStore(db), roster: new SqliteRosterStore(db), settings: new SqliteSettingsStore(db), vcards: new SqliteVCardStore(db), files: new SqliteFileStore(db, join(dataDir, 'files')), close: () => db.close() };
}
