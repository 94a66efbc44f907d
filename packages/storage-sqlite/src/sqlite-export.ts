// Reads a node's whole database, user by user, for `deskchat migrate --from-sqlite` (single node →
// Redis cluster). Read-only: the database is opened without write access, so a migration cannot
// change the node it copies from. "Every user" means every username found in any table, not only
// those with an account: a user who signs in through LDAP has a roster and vCard but no account row.
// The store ports cannot list private XML keys, nor give out password and token hashes in a
// listing, so a few queries here read the tables directly.
import type { Account, AdminAccount, ApiToken, AuditEntry, LastSeen, OfflineMessage, PepItem, PepNodeConfig, Roster, StoredSetting, StoredVCard, SubscriptionRequest } from '@deskchat/core';
import { openDatabase } from './open-database.js';
import { SqliteAccountStore } from './sqlite-account-store.js';
import { SqliteAuditLog } from './sqlite-admin-stores.js';
import { SqliteOfflineStore } from './sqlite-offline-store.js';
import { SqlitePresenceStateStore } from './sqlite-presence-state-store.js';
import { SqliteRosterStore } from './sqlite-roster-store.js';
import { SqliteSettingsStore } from './sqlite-settings-store.js';
import { SqliteVCardStore } from './sqlite-vcard-store.js';
import { SqliteBlockListStore } from './sqlite-block-list-store.js';
import { SqliteArchiveStore, type ArchiveExport } from './sqlite-archive-store.js';
import type { ArchivePrefs } from '@deskchat/core';
import { SqlitePepStore } from './sqlite-pep-store.js';

export interface SqliteUserExport {
  username: string;
  account?: Account;
  vcard?: StoredVCard;
  /** Items in JID order with the roster's XEP-0237 version. */
  roster: Roster;
  /** Unanswered subscription requests, oldest first. */
  requests: SubscriptionRequest[];
  /** Offline messages with their ids, oldest first. */
  offline: OfflineMessage[];
  /** XEP-0049 items: key → element XML. */
  privateXml: Record<string, string>;
  /** XEP-0191 blocked JIDs in code-point order. */
  blockList: string[];
  /** The XEP-0313 archive (absent: the user has none) and preferences (absent: never set). */
  archive?: ArchiveExport;
  archivePrefs?: ArchivePrefs;
  /** XEP-0163 PEP nodes in code-point order, each with its items newest first. */
  pep: { node: string; config: PepNodeConfig; items: PepItem[] }[];
  /** The last unavailable presence and its time. */
  lastSeen?: LastSeen;
  /** Outside presence sources (phone, calendar) → state. */
  presenceSources: Record<string, string>;
}

/** Administration data: admin accounts with their password hashes, API tokens with theirs, the whole audit log (oldest first). */
export interface SqliteAdminExport {
  admins: AdminAccount[];
  apiTokens: ApiToken[];
  audit: AuditEntry[];
}

export interface SqliteExport {
  /** How many users `users()` will yield. */
  countUsers(): number;
  /** Every user with any stored data, in username order. */
  users(): AsyncGenerator<SqliteUserExport>;
  settings(): Promise<Record<string, StoredSetting>>;
  admin(): Promise<SqliteAdminExport>;
  close(): void;
}

const USERNAMES = `SELECT username FROM accounts UNION SELECT username FROM vcards UNION SELECT username FROM roster_items
  UNION SELECT username FROM roster_versions UNION SELECT username FROM subscription_requests
  UNION SELECT username FROM offline_messages UNION SELECT username FROM private_xml UNION SELECT username FROM block_list UNION SELECT username FROM pep_nodes
  UNION SELECT archive FROM archive_meta WHERE instr(archive, '@') = 0 UNION SELECT username FROM archive_prefs
  UNION SELECT username FROM presence_last_seen UNION SELECT username FROM presence_sources`;

/** Opens `<dataDir>/deskchat.sqlite` read-only (it must exist and be at this build's schema version). */
export function openSqliteExport(dataDir: string): SqliteExport {
  const db = openDatabase(dataDir, { readonly: true });
  const accounts = new SqliteAccountStore(db);
  const vcards = new SqliteVCardStore(db);
  const roster = new SqliteRosterStore(db);
  const offline = new SqliteOfflineStore(db);
  const settings = new SqliteSettingsStore(db);
  const presence = new SqlitePresenceStateStore(db);
  const audit = new SqliteAuditLog(db);
  // The ports hide password and token hashes from listings; a migration must copy them.
  const admins = db.prepare<[], { name: string; password_hash: string; created_at: number; password_changed_at: number }>('SELECT * FROM admin_accounts ORDER BY name');
  const tokens = db.prepare<[], { name: string; hash: string; created_at: number; created_by: string }>('SELECT * FROM api_tokens ORDER BY name');
  const count = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM (${USERNAMES})`);
  // UNION sorts with the BINARY collation: code point order, as the account list is ordered.
  const names = db.prepare<[], { username: string }>(`${USERNAMES} ORDER BY username`);
  const blockList = new SqliteBlockListStore(db);
  const archive = new SqliteArchiveStore(db);
  const pep = new SqlitePepStore(db);
  const privateItems = db.prepare<[string], { key: string; xml: string }>('SELECT key, xml FROM private_xml WHERE username = ? ORDER BY key');
  return {
    countUsers: () => count.get()!.n,
    async *users() {
      for (const { username } of names.all()) {
        const user: SqliteUserExport = {
          username,
          roster: await roster.getRoster(username),
          requests: await roster.getRequests(username),
          offline: await offline.listMessages(username),
          privateXml: Object.fromEntries(privateItems.all(username).map((row) => [row.key, row.xml])),
          blockList: await blockList.getBlockList(username),
          pep: await Promise.all((await pep.listNodes(username)).map(async ({ node, config }) => ({ node, config, items: await pep.getItems(username, node) }))),
          presenceSources: await presence.getSources(username),
        };
        const archived = archive.exportArchive(username);
        if (archived.last > 0) user.archive = archived;
        const prefs = await archive.getPrefs(username);
        if (prefs) user.archivePrefs = prefs;
        const lastSeen = await presence.getLastSeen(username);
        if (lastSeen) user.lastSeen = lastSeen;
        const account = await accounts.getAccount(username);
        if (account) user.account = account;
        const vcard = await vcards.getVCard(username);
        if (vcard) user.vcard = vcard;
        yield user;
      }
    },
    settings: () => settings.list(),
    async admin() {
      const entries: AuditEntry[] = [];
      for (let page = await audit.list({ limit: 1000 }); page.length > 0; page = await audit.list({ before: page.at(-1)!.id, limit: 1000 })) entries.push(...page);
      return {
        admins: admins.all().map((r) => ({ name: r.name, passwordHash: r.password_hash, createdAt: r.created_at, passwordChangedAt: r.password_changed_at })),
        apiTokens: tokens.all().map((r) => ({ name: r.name, hash: r.hash, createdAt: r.created_at, createdBy: r.created_by })),
        audit: entries.reverse(),
      };
    },
    close: () => db.close(),
  };
}
