// Bulk import of one user's durable data, and of the settings, as `deskchat migrate --from-sqlite`
// needs: an exact copy (roster version, request order, offline ids and times, who changed a setting
// and when), which the store ports cannot write. Each user's data replaces whatever Redis held for
// that user, in one MULTI (all of a user's keys share a slot), so running the migration twice gives
// the same result. Users not in the import are left alone.
//
// Roster versions: clients cache a roster by its XEP-0237 version, so a version must never come to
// name a different roster (see importedRosterVersion).
import type { ArchivePrefs } from '@deskchat/core';
import type { Account, AdminAccount, ApiToken, AuditEntry, LastSeen, OfflineMessage, PepItem, PepNodeConfig, Roster, StoredSetting, StoredVCard, SubscriptionRequest } from '@deskchat/core';
import type { RedisConnection } from './connection.js';
import { encodeMessage } from './stores/redis-offline-store.js';
import { encodeArchived } from './stores/redis-archive-store.js';
import { encodeItem } from './stores/redis-roster-store.js';

export interface UserData {
  username: string;
  /** Absent for a user who has data but no account (e.g. signs in through LDAP). */
  account?: Account;
  vcard?: StoredVCard;
  roster: Roster;
  /** Unanswered subscription requests, oldest first. */
  requests: SubscriptionRequest[];
  /** Offline messages with their source ids, oldest first. */
  offline: OfflineMessage[];
  /** XEP-0049 items: key ("name namespace") → element XML. */
  privateXml: Record<string, string>;
  /** XEP-0191 blocked JIDs (absent: none). */
  blockList?: string[];
  /** The XEP-0313 archive: the last sequence number handed out and the messages (absent: none). */
  archive?: { last: number; messages: { seq: number; id: string; stanza: string; with: string[] }[] };
  /** XEP-0313 preferences (absent: never set). */
  archivePrefs?: ArchivePrefs;
  /** XEP-0163 PEP nodes with their items, newest first (absent: none). */
  pep?: { node: string; config: PepNodeConfig; items: PepItem[] }[];
  /** The last unavailable presence and its time. */
  lastSeen?: LastSeen;
  /** Outside presence sources (phone, calendar) → state. */
  presenceSources: Record<string, string>;
}

/** Administration: admins and tokens with their hashes, the audit log oldest first with its ids. */
export interface AdminData {
  admins: AdminAccount[];
  apiTokens: ApiToken[];
  audit: AuditEntry[];
}

/** Bulk work on one user may take longer than a single command. */
const IMPORT_TIMEOUT_MS = 30_000;

/**
 * The version an imported roster gets, given the source's, the one Redis holds (if any) and whether
 * Redis already holds exactly the imported items:
 * - nothing in Redis: the source version;
 * - the same items: the higher of the two (a re-run changes nothing; both name these items);
 * - other items: the source version if Redis never reached it, else one above Redis's, so that no
 *   version a client may have cached from Redis comes to name the imported roster.
 */
export function importedRosterVersion(source: number, existing: number | undefined, isSameItems: boolean): number {
  if (existing === undefined) return source;
  if (isSameItems) return Math.max(source, existing);
  return existing < source ? source : existing + 1;
}

export async function importUser(redis: RedisConnection, data: UserData): Promise<void> {
  const { keys } = redis;
  const k = keys.user(data.username);
  const items: Record<string, string> = {};
  for (const item of data.roster.items) items[item.jid] = encodeItem(item);
  const [existing, existingItems] = await redis.run('importUser', (c) => c.multi().hGet(k.rosterMeta, 'version').hGetAll(k.rosterItems).exec());
  const isSameItems = sameEntries(existingItems as unknown as Record<string, string>, items);
  const version = importedRosterVersion(data.roster.version, existing === null || existing === undefined ? undefined : Number(existing), isSameItems);

  await redis.run(
    'importUser',
    async (client) => {
      // The global index and the hash in the order RedisAccountStore keeps (see there): out of the
      // index before the hash goes, into it after the hash exists.
      if (!data.account) await client.zRem(keys.accountIndex, data.username);
      const tx = client.multi().del(keys.allOfUser(data.username));
      if (data.account) {
        const a = data.account;
        const hash: Record<string, string> = { username: a.username, createdAt: String(a.createdAt), scram: JSON.stringify(a.credentials) };
        if (a.name !== undefined) hash.name = a.name;
        if (a.email !== undefined) hash.email = a.email;
        tx.hSet(k.account, hash);
      }
      if (data.vcard) {
        const hash: Record<string, string> = { xml: data.vcard.xml, updatedAt: String(Date.now()) };
        for (const [field, value] of Object.entries(data.vcard.fields)) if (value !== undefined) hash[field] = value;
        tx.hSet(k.vcard, hash);
      }
      if (data.roster.items.length > 0) tx.hSet(k.rosterItems, items);
      const requests: Record<string, string> = {};
      data.requests.forEach((r, i) => {
        requests[r.jid] = JSON.stringify({ seq: i + 1, receivedAt: r.receivedAt, ...(r.stanza === undefined ? {} : { stanza: r.stanza }) });
      });
      if (data.requests.length > 0) tx.hSet(k.rosterRequests, requests);
      if (version > 0 || data.requests.length > 0) tx.hSet(k.rosterMeta, { version: String(version), requestSeq: String(data.requests.length) });
      if (data.offline.length > 0) {
        const queue: Record<string, string> = {};
        let bytes = 0;
        for (const m of data.offline) {
          queue[String(m.id)] = encodeMessage(m);
          bytes += Buffer.byteLength(m.stanza, 'utf8');
        }
        tx.hSet(k.offline, queue);
        tx.hSet(k.offlineMeta, { lastId: String(Math.max(...data.offline.map((m) => m.id))), bytes: String(bytes) });
      }
      const privateItems = Object.entries(data.privateXml);
      if (privateItems.length > 0) {
        tx.hSet(k.privateXml, data.privateXml);
        tx.hSet(k.privateXmlMeta, { bytes: String(privateItems.reduce((n, [, xml]) => n + Buffer.byteLength(xml, 'utf8'), 0)) });
      }
      if (data.blockList && data.blockList.length > 0) tx.zAdd(k.blockList, data.blockList.map((value) => ({ score: 0, value })));
      if (data.archive) {
        const { last, messages } = data.archive;
        let bytes = 0;
        for (const m of messages) {
          const { id } = m;
          tx.zAdd(k.archive, { score: m.seq, value: id });
          tx.hSet(k.archiveMessages, id, encodeArchived(m.stanza, m.with));
          for (const jid of m.with) tx.zAdd(k.archiveWith, { score: 0, value: `${jid}\0${id}` });
          bytes += Buffer.byteLength(m.stanza, 'utf8');
        }
        tx.hSet(k.archiveMeta, { last: String(last), bytes: String(bytes) });
      }
      if (data.archivePrefs) tx.set(k.archivePrefs, JSON.stringify(data.archivePrefs));
      // PEP: the layout of RedisPepStore; each node's items get increasing seq, oldest first.
      let seq = 0;
      for (const { node, config, items } of data.pep ?? []) {
        tx.hSet(k.pepNodes, node, JSON.stringify(config));
        for (const item of [...items].reverse()) {
          const member = JSON.stringify([node, item.id]);
          tx.hSet(k.pepItems, member, JSON.stringify({ xml: item.xml, publisher: item.publisher, publishedAt: item.publishedAt }));
          tx.zAdd(k.pepOrder, { score: ++seq, value: member });
        }
      }
      if (seq > 0) tx.hSet(k.pepMeta, 'seq', String(seq));
      if (data.lastSeen) tx.hSet(k.presenceLastSeen, { stanza: data.lastSeen.stanza, at: String(data.lastSeen.at) });
      if (Object.keys(data.presenceSources).length > 0) tx.hSet(k.presenceSources, data.presenceSources);
      await tx.exec();
      if (data.account) await client.zAdd(keys.accountIndex, { score: 0, value: data.username });
    },
    { timeoutMs: IMPORT_TIMEOUT_MS },
  );
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/**
 * Writes the settings as they were (value, time, author, revision), replacing those keys; the
 * revision counter ends at or above every imported revision, so it keeps growing from there.
 */
export async function importSettings(redis: RedisConnection, settings: Record<string, StoredSetting>): Promise<void> {
  const entries = Object.entries(settings);
  if (entries.length === 0) return;
  const { keys } = redis;
  const highest = Math.max(...entries.map(([, s]) => s.revision));
  await redis.run('importSettings', async (client) => {
    const current = Number((await client.get(keys.settingsRevision)) ?? 0);
    const values: Record<string, string> = {};
    for (const [key, s] of entries) values[key] = JSON.stringify(s);
    await client.multi().hSet(keys.settings, values).set(keys.settingsRevision, String(Math.max(current, highest))).exec();
  });
}

/**
 * Writes admins and API tokens (replacing those names) and the audit entries with their ids
 * (replacing entries with the same ids); the audit id counter ends at or above every imported id.
 */
export async function importAdmin(redis: RedisConnection, data: AdminData): Promise<void> {
  const { keys } = redis;
  await redis.run(
    'importAdmin',
    async (client) => {
      const tx = client.multi();
      for (const a of data.admins) {
        tx.hSet(keys.admins, a.name, JSON.stringify({ name: a.name, passwordHash: a.passwordHash, createdAt: a.createdAt, passwordChangedAt: a.passwordChangedAt }));
      }
      const oldTokens = data.apiTokens.length > 0 ? await client.hmGet(keys.apiTokens, data.apiTokens.map((t) => t.name)) : [];
      data.apiTokens.forEach((t, i) => {
        const old = oldTokens[i];
        if (old) tx.hDel(keys.apiTokenHashes, (JSON.parse(old) as ApiToken).hash);
        tx.hSet(keys.apiTokens, t.name, JSON.stringify({ name: t.name, hash: t.hash, createdAt: t.createdAt, createdBy: t.createdBy }));
        tx.hSet(keys.apiTokenHashes, t.hash, t.name);
      });
      for (const e of data.audit) {
        tx.zRemRangeByScore(keys.audit, e.id, e.id);
        tx.zAdd(keys.audit, { score: e.id, value: JSON.stringify(e) });
      }
      if (data.audit.length > 0) {
        const current = Number((await client.get(keys.auditLastId)) ?? 0);
        tx.set(keys.auditLastId, String(Math.max(current, ...data.audit.map((e) => e.id))));
      }
      await tx.exec();
    },
    { timeoutMs: IMPORT_TIMEOUT_MS },
  );
}
