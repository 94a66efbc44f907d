// The copy behind `deskchat migrate --from-sqlite`: every user of a single node's SQLite database
// into Redis (each user's data replacing what Redis held for that user, in one MULTI), then the
// settings and the administration data, then a repair pass over the account index. Running it twice gives the same result.
import type { SqliteExport } from '@deskchat/storage-sqlite';
import { importAdmin, importSettings, importUser, reindexAccounts, type RedisConnection } from '@deskchat/redis';

export interface CopyTotals {
  users: number;
  accounts: number;
  vcards: number;
  rosterItems: number;
  requests: number;
  offline: number;
  privateXml: number;
  /** XEP-0191 blocked JIDs, over all users. */
  blockedJids: number;
  /** XEP-0313 archived messages, over all users (rooms' archives are not copied, like rooms). */
  archived: number;
  /** XEP-0163 PEP items, over all users' nodes. */
  pepItems: number;
  /** Users with a last-seen presence or an outside source (phone, calendar) kept. */
  presence: number;
  settings: number;
  admins: number;
  apiTokens: number;
  auditEntries: number;
  /** Accounts in the Redis index afterwards, and how many the repair pass had to add. */
  indexed: number;
  reindexed: number;
}

export async function copyToRedis(source: SqliteExport, redis: RedisConnection, onProgress?: (done: number, total: number) => void): Promise<CopyTotals> {
  const total = source.countUsers();
  const totals: CopyTotals = { users: 0, accounts: 0, vcards: 0, rosterItems: 0, requests: 0, offline: 0, privateXml: 0, blockedJids: 0, archived: 0, pepItems: 0, presence: 0, settings: 0, admins: 0, apiTokens: 0, auditEntries: 0, indexed: 0, reindexed: 0 };
  onProgress?.(0, total);
  for await (const user of source.users()) {
    await importUser(redis, user);
    totals.users++;
    if (user.account) totals.accounts++;
    if (user.vcard) totals.vcards++;
    totals.rosterItems += user.roster.items.length;
    totals.requests += user.requests.length;
    totals.offline += user.offline.length;
    totals.privateXml += Object.keys(user.privateXml).length;
    totals.blockedJids += user.blockList.length;
    totals.archived += user.archive?.messages.length ?? 0;
    totals.pepItems += user.pep.reduce((n, node) => n + node.items.length, 0);
    if (user.lastSeen || Object.keys(user.presenceSources).length > 0) totals.presence++;
    onProgress?.(totals.users, total);
  }
  const settings = await source.settings();
  await importSettings(redis, settings);
  totals.settings = Object.keys(settings).length;
  const admin = await source.admin();
  await importAdmin(redis, admin);
  totals.admins = admin.admins.length;
  totals.apiTokens = admin.apiTokens.length;
  totals.auditEntries = admin.audit.length;
  const index = await reindexAccounts(redis);
  totals.indexed = index.accounts;
  totals.reindexed = index.added;
  return totals;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function formatCopySummary(totals: CopyTotals, from: string, to: string, keyPrefix: string, ms: number): string {
  return (
    `migrated ${plural(totals.users, 'user')} from ${from} to ${to} (key prefix ${JSON.stringify(keyPrefix)}) in ${(ms / 1000).toFixed(1)} s: ` +
    [
      plural(totals.accounts, 'account'),
      plural(totals.vcards, 'vCard'),
      plural(totals.rosterItems, 'roster item'),
      plural(totals.requests, 'pending subscription request'),
      plural(totals.offline, 'offline message'),
      plural(totals.privateXml, 'private XML item'),
      plural(totals.blockedJids, 'blocked JID'),
      plural(totals.archived, 'archived message'),
      plural(totals.pepItems, 'PEP item'),
      `presence state of ${plural(totals.presence, 'user')}`,
      plural(totals.settings, 'setting'),
      plural(totals.admins, 'admin'),
      plural(totals.apiTokens, 'API token'),
      plural(totals.auditEntries, 'audit entry', 'audit entries'),
    ].join(', ') +
    `; ${plural(totals.indexed, 'account')} in the Redis account index`
  );
}
