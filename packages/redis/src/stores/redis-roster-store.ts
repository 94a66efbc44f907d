// RosterStore on Redis: RFC 6121 §2 roster items, their XEP-0237 version and RFC 6121 §3.1.3
// pending inbound subscription requests. Same contract as core's MemoryRosterStore (see
// @deskchat/testing rosterStoreContract).
//
// All of one user's roster keys (items, meta, requests) share the user's hash tag, so a change of
// an item and the version bump are one Lua script, a read of items and version is one MULTI, and a
// later "item plus its pending request" change (issue 8 §1) can be one script too — on a Cluster as
// well as on one Redis.
import type { Roster, RosterItem, RosterStore, Subscription, SubscriptionRequest } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: items, meta. ARGV: jid, item JSON, maxItems (-1: no limit). Returns the new version, or false (nil) when full.
const SET_ITEM = new LuaScript(
  'roster-set-item',
  `local max = tonumber(ARGV[3])
if max >= 0 and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= max then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HINCRBY', KEYS[2], 'version', 1)`,
);

// KEYS: items, meta. ARGV: jid. Returns the new version, or false (nil) when there was no such item.
const REMOVE_ITEM = new LuaScript(
  'roster-remove-item',
  `if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return false end
return redis.call('HINCRBY', KEYS[2], 'version', 1)`,
);

// KEYS: requests, meta. ARGV: jid, request JSON object without seq. The sequence number orders
// requests received at the same millisecond (a replaced request moves to the end, as in the memory
// store). It is spliced in as text rather than through cjson, which would round numbers to 14 digits.
const SET_REQUEST = new LuaScript(
  'roster-set-request',
  `local seq = redis.call('HINCRBY', KEYS[2], 'requestSeq', 1)
redis.call('HSET', KEYS[1], ARGV[1], '{"seq":' .. seq .. ',' .. string.sub(ARGV[2], 2))
return seq`,
);

/** What is stored per item: the port's item without its jid (the hash field). */
interface StoredItem {
  name?: string;
  groups: string[];
  subscription: Subscription;
  pendingOut: boolean;
  preApproved: boolean;
}

interface StoredRequest {
  stanza?: string;
  receivedAt: number;
  seq?: number;
}

/** The stored form of an item (also written by the migration import). */
export function encodeItem(item: RosterItem): string {
  const stored: StoredItem = { groups: item.groups, subscription: item.subscription, pendingOut: item.isPendingOut, preApproved: item.isPreApproved };
  if (item.name !== undefined) stored.name = item.name;
  return JSON.stringify(stored);
}

function decodeItem(jid: string, text: string): RosterItem {
  const s = JSON.parse(text) as StoredItem;
  const item: RosterItem = { jid, groups: s.groups, subscription: s.subscription, isPendingOut: s.pendingOut, isPreApproved: s.preApproved };
  if (s.name !== undefined) item.name = s.name;
  return item;
}

function decodeRequest(jid: string, text: string): SubscriptionRequest & { seq: number } {
  const s = JSON.parse(text) as StoredRequest;
  const request: SubscriptionRequest & { seq: number } = { jid, receivedAt: s.receivedAt, seq: s.seq ?? 0 };
  if (s.stanza !== undefined) request.stanza = s.stanza;
  return request;
}

/** UTF-8 byte order, which is code point order (the order SQLite's BINARY collation gives). */
export function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class RedisRosterStore implements RosterStore {
  constructor(private readonly redis: RedisConnection) {}

  async getRoster(username: string): Promise<Roster> {
    const k = this.redis.keys.user(username);
    // One MULTI: a write cannot fall between reading the items and reading the version.
    const [items, version] = await this.redis.run('getRoster', (c) => c.multi().hGetAll(k.rosterItems).hGet(k.rosterMeta, 'version').exec());
    const list = Object.entries(items as unknown as Record<string, string>)
      .sort(([a], [b]) => byCodePoint(a, b))
      .map(([jid, text]) => decodeItem(jid, text));
    return { version: Number(version ?? 0), items: list };
  }

  async getItem(username: string, jid: string): Promise<RosterItem | undefined> {
    const text = await this.redis.run('getItem', (c) => c.hGet(this.redis.keys.user(username).rosterItems, jid));
    return text === null || text === undefined ? undefined : decodeItem(jid, text);
  }

  async countItems(username: string): Promise<number> {
    return this.redis.run('countItems', (c) => c.hLen(this.redis.keys.user(username).rosterItems));
  }

  async getVersion(username: string): Promise<number> {
    return Number((await this.redis.run('getVersion', (c) => c.hGet(this.redis.keys.user(username).rosterMeta, 'version'))) ?? 0);
  }

  async setItem(username: string, item: RosterItem, maxItems = Number.POSITIVE_INFINITY): Promise<number | undefined> {
    const k = this.redis.keys.user(username);
    const max = Number.isFinite(maxItems) ? Math.max(0, Math.floor(maxItems)) : -1;
    const version = await this.redis.runDurable('setItem', (c) => SET_ITEM.run(c, [k.rosterItems, k.rosterMeta], [item.jid, encodeItem(item), max]));
    return version === null ? undefined : Number(version);
  }

  async removeItem(username: string, jid: string): Promise<number | undefined> {
    const k = this.redis.keys.user(username);
    const version = await this.redis.runDurable('removeItem', (c) => REMOVE_ITEM.run(c, [k.rosterItems, k.rosterMeta], [jid]));
    return version === null ? undefined : Number(version);
  }

  async getRequests(username: string): Promise<SubscriptionRequest[]> {
    const all = await this.redis.run('getRequests', (c) => c.hGetAll(this.redis.keys.user(username).rosterRequests));
    return Object.entries(all)
      .map(([jid, text]) => decodeRequest(jid, text))
      .sort((a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq)
      .map(({ seq: _seq, ...request }) => request);
  }

  async getRequest(username: string, jid: string): Promise<SubscriptionRequest | undefined> {
    const text = await this.redis.run('getRequest', (c) => c.hGet(this.redis.keys.user(username).rosterRequests, jid));
    if (text === null || text === undefined) return undefined;
    const { seq: _seq, ...request } = decodeRequest(jid, text);
    return request;
  }

  async setRequest(username: string, request: SubscriptionRequest): Promise<void> {
    const k = this.redis.keys.user(username);
    const stored: StoredRequest = { receivedAt: request.receivedAt };
    if (request.stanza !== undefined) stored.stanza = request.stanza;
    await this.redis.runDurable('setRequest', (c) => SET_REQUEST.run(c, [k.rosterRequests, k.rosterMeta], [request.jid, JSON.stringify(stored)]));
  }

  async removeRequest(username: string, jid: string): Promise<boolean> {
    return (await this.redis.runDurable('removeRequest', (c) => c.hDel(this.redis.keys.user(username).rosterRequests, jid))) === 1;
  }

  async removeUser(username: string): Promise<void> {
    const k = this.redis.keys.user(username);
    await this.redis.runDurable('removeUser', (c) => c.del([k.rosterItems, k.rosterMeta, k.rosterRequests]));
  }
}
