// OfflineStore on Redis: XEP-0160 offline messages, oldest first, with a per-user limit. Same
// contract as core's MemoryOfflineStore (see @deskchat/testing offlineStoreContract).
//
// A user's queue is a hash (id → "<storedAt>:<stanza>") beside a meta hash holding the id counter
// and the queue's byte total, both under the user's hash tag: the limit check, the insert and the
// byte count change in one Lua script. Ids come from the per-user counter, so they increase in
// storing order and never go back while the user exists; an id is always read as one of the
// user's own, so another user's id can never remove anything here.
//
// Quotas (issue #7 §2): `bytes` in the meta hash is the sum of the UTF-8 sizes of the stored
// stanzas, kept exact by every write; STORE checks the count and the byte ceiling with the insert.
import type { OfflineMessage, OfflineQuota, OfflineStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: queue, meta. ARGV: count limit (-1: none), byte limit (-1: none), value "<storedAt>:<stanza>".
// Returns the new id, 0 when the count limit refuses it, -1 when the byte limit does.
const STORE = new LuaScript(
  'offline-store',
  `local limit = tonumber(ARGV[1])
local maxBytes = tonumber(ARGV[2])
if limit >= 0 and redis.call('HLEN', KEYS[1]) >= limit then return 0 end
local size = #ARGV[3] - string.find(ARGV[3], ':', 1, true)
if maxBytes >= 0 and tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0') + size > maxBytes then return -1 end
local id = redis.call('HINCRBY', KEYS[2], 'lastId', 1)
redis.call('HSET', KEYS[1], id, ARGV[3])
redis.call('HINCRBY', KEYS[2], 'bytes', size)
return id`,
);

// KEYS: queue, meta. ARGV: ids. Returns the bytes freed.
const REMOVE = new LuaScript(
  'offline-remove',
  `local freed = 0
for _, id in ipairs(ARGV) do
  local v = redis.call('HGET', KEYS[1], id)
  if v then
    freed = freed + #v - string.find(v, ':', 1, true)
    redis.call('HDEL', KEYS[1], id)
  end
end
if freed > 0 then redis.call('HINCRBY', KEYS[2], 'bytes', -freed) end
return freed`,
);

/** The stored form of a message: "<storedAt>:<stanza>" (the scripts find the stanza's size after the first colon). */
export function encodeMessage(message: Omit<OfflineMessage, 'id'>): string {
  return `${String(message.storedAt)}:${message.stanza}`;
}

function decode(id: string, value: string): OfflineMessage {
  const colon = value.indexOf(':');
  return { id: Number(id), storedAt: Number(value.slice(0, colon)), stanza: value.slice(colon + 1) };
}

export interface OfflineUsage {
  count: number;
  /** Sum of the UTF-8 byte sizes of the stored stanzas. */
  bytes: number;
}

export class RedisOfflineStore implements OfflineStore {
  constructor(private readonly redis: RedisConnection) {}

  async storeMessage(username: string, message: Omit<OfflineMessage, 'id'>, quota: OfflineQuota): Promise<boolean> {
    return (await this.store(username, message, quota.maxMessages, quota.maxBytes)) > 0;
  }

  /** STORE with an optional byte ceiling: the new id, 0 (count limit) or -1 (byte limit). */
  async store(username: string, message: Omit<OfflineMessage, 'id'>, limit: number, maxBytes?: number): Promise<number> {
    const k = this.redis.keys.user(username);
    const count = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : -1;
    const bytes = maxBytes !== undefined && Number.isFinite(maxBytes) ? Math.max(0, Math.floor(maxBytes)) : -1;
    return Number(await this.redis.runDurable('storeMessage', (c) => STORE.run(c, [k.offline, k.offlineMeta], [count, bytes, encodeMessage(message)])));
  }

  async listMessages(username: string): Promise<OfflineMessage[]> {
    const all = await this.redis.run('listMessages', (c) => c.hGetAll(this.redis.keys.user(username).offline));
    return Object.entries(all)
      .map(([id, value]) => decode(id, value))
      .sort((a, b) => a.id - b.id);
  }

  async countMessages(username: string): Promise<number> {
    return this.redis.run('countMessages', (c) => c.hLen(this.redis.keys.user(username).offline));
  }

  async removeMessages(username: string, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const k = this.redis.keys.user(username);
    await this.redis.run('removeMessages', (c) => REMOVE.run(c, [k.offline, k.offlineMeta], ids.filter(Number.isSafeInteger)));
  }

  async removeUser(username: string): Promise<void> {
    const k = this.redis.keys.user(username);
    await this.redis.runDurable('removeUser', (c) => c.del([k.offline, k.offlineMeta]));
  }

  /** The queue's size in messages and bytes (for quotas and the admin API). */
  async usage(username: string): Promise<OfflineUsage> {
    const k = this.redis.keys.user(username);
    const [count, bytes] = await this.redis.run('offlineUsage', (c) => c.multi().hLen(k.offline).hGet(k.offlineMeta, 'bytes').exec());
    return { count: Number(count), bytes: Number(bytes ?? 0) };
  }
}
