// @deskchat/storage-sqlite: core's durable storage ports on embedded SQLite (single node).
import { join } from 'node:path';
import { startBackgroundWriter } from './background-writer.js';
import { restartGate, startCheckpointer } from './checkpointer.js';
import { openDatabase } from './open-database.js';
import { SqliteAccountStore } from './sqlite-account-store.js';
import { SqliteOfflineStore } from './sqlite-offline-store.js';
import { SqlitePrivateXmlStore } from './sqlite-private-xml-store.js';
import { SqliteBlockListStore } from './sqlite-block-list-store.js';
import { SqliteArchiveStore } from './sqlite-archive-store.js';
import { SqlitePepStore } from './sqlite-pep-store.js';
import { SqlitePubsubSubscriptionStore } from './sqlite-pubsub-subscription-store.js';
import { SqliteRosterStore } from './sqlite-roster-store.js';
import { SqliteSettingsStore } from './sqlite-settings-store.js';
import { SqlitePresenceStateStore } from './sqlite-presence-state-store.js';
import { SqliteVCardStore } from './sqlite-vcard-store.js';
import { SqliteAdminAccountStore, SqliteApiTokenStore, SqliteAuditLog, SqliteInvitationStore } from './sqlite-admin-stores.js';
import { SqliteMucRoomStore } from './sqlite-muc-room-store.js';
import { SqliteFileStore } from './sqlite-file-store.js';

export { openDatabase, DATABASE_FILE, type OpenDatabaseOptions } from './open-database.js';
export { SCHEMA_VERSION } from './migrations.js';
export { SqliteAccountStore } from './sqlite-account-store.js';
export { SqliteOfflineStore } from './sqlite-offline-store.js';
export { SqlitePrivateXmlStore } from './sqlite-private-xml-store.js';
export { SqliteBlockListStore } from './sqlite-block-list-store.js';
export { SqliteArchiveStore, type ArchiveExport } from './sqlite-archive-store.js';
export { SqlitePepStore } from './sqlite-pep-store.js';
export { SqlitePubsubSubscriptionStore } from './sqlite-pubsub-subscription-store.js';
export { SqliteRosterStore } from './sqlite-roster-store.js';
export { SqliteSettingsStore } from './sqlite-settings-store.js';
export { SqlitePresenceStateStore } from './sqlite-presence-state-store.js';
export { SqliteVCardStore } from './sqlite-vcard-store.js';
export { SqliteAdminAccountStore, SqliteApiTokenStore, SqliteAuditLog, SqliteInvitationStore } from './sqlite-admin-stores.js';
export { SqliteMucRoomStore } from './sqlite-muc-room-store.js';
export { openSqliteExport, type SqliteAdminExport, type SqliteExport, type SqliteUserExport } from './sqlite-export.js';
export { SqliteFileStore } from './sqlite-file-store.js';

export interface SqliteStores {
  accounts: SqliteAccountStore;
  offline: SqliteOfflineStore;
  privateXml: SqlitePrivateXmlStore;
  blockList: SqliteBlockListStore;
  /** XEP-0313 archives and preferences. */
  archive: SqliteArchiveStore;
  pep: SqlitePepStore;
  /** XEP-0060 subscriptions of pubsub.<domain>. */
  pubsubSubscriptions: SqlitePubsubSubscriptionStore;
  roster: SqliteRosterStore;
  settings: SqliteSettingsStore;
  presenceState: SqlitePresenceStateStore;
  vcards: SqliteVCardStore;
  /** XEP-0045 rooms and affiliations. */
  mucRooms: SqliteMucRoomStore;
  /** Administration (core's AdminStores): admin accounts, API tokens, audit log. */
  admins: SqliteAdminAccountStore;
  apiTokens: SqliteApiTokenStore;
  audit: SqliteAuditLog;
  invitations: SqliteInvitationStore;
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
  const gate = restartGate();
  const checkpointer = startCheckpointer(db, { restartGate: gate, onFallBack: (pages) => writer.checkpointAutomatically(pages) });
  const writer = startBackgroundWriter(db, { restartGate: gate });
  const archive = new SqliteArchiveStore(db, writer.archive);
  return {
    accounts: new SqliteAccountStore(db),
    offline: new SqliteOfflineStore(db),
    privateXml: new SqlitePrivateXmlStore(db),
    blockList: new SqliteBlockListStore(db),
    archive,
    pep: new SqlitePepStore(db),
    pubsubSubscriptions: new SqlitePubsubSubscriptionStore(db),
    roster: new SqliteRosterStore(db),
    settings: new SqliteSettingsStore(db),
    presenceState: new SqlitePresenceStateStore(db),
    vcards: new SqliteVCardStore(db),
    mucRooms: new SqliteMucRoomStore(db),
    admins: new SqliteAdminAccountStore(db),
    apiTokens: new SqliteApiTokenStore(db),
    audit: new SqliteAuditLog(db),
    invitations: new SqliteInvitationStore(db),
    files: new SqliteFileStore(db, join(dataDir, 'files')),
    close: () => {
      archive.flush(); // the thread writes what it was given before it closes
      writer.close();
      checkpointer.close();
      db.close();
    },
  };
}

/**
 * Only the stored files (metadata in `<dataDir>/deskchat.sqlite`, bytes in `<dataDir>/files/`),
 * for a cluster node whose other stores are on Redis: a node keeps the files uploaded to it.
 */
export function openSqliteFileStore(dataDir: string): { files: SqliteFileStore; close(): void } {
  const db = openDatabase(dataDir);
  return { files: new SqliteFileStore(db, join(dataDir, 'files')), close: () => db.close() };
}
