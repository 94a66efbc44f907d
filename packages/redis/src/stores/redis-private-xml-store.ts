// PrivateXmlStore on Redis (XEP-0049). Same contract as core's MemoryPrivateXmlStore.
//
// One hash per user (key "name namespace" → element XML) and a meta hash with the byte total of
// the user's elements, both under the user's hash tag and changed together by one Lua script.
// Quotas (issue #7 §2): SET checks the item count and the byte ceiling with the write.
import type { PrivateXmlQuota, PrivateXmlStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: items, meta. ARGV: key, xml, byte limit (-1: none), item limit (-1: none). Returns the new
// total, or -1 when refused.
const SET = new LuaScript(
  'private-set',
  `local old = redis.call('HSTRLEN', KEYS[1], ARGV[1])
local maxBytes = tonumber(ARGV[3])
local maxItems = tonumber(ARGV[4])
if maxItems >= 0 and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= maxItems then return -1 end
local total = tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0') - old + #ARGV[2]
if maxBytes >= 0 and total > maxBytes then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], 'bytes', total)
return total`,
);

// KEYS: items, meta. ARGV: key. Returns 1 when something was removed.
const REMOVE = new LuaScript(
  'private-remove',
  `local old = redis.call('HSTRLEN', KEYS[1], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], 'bytes', -old)
return 1`,
);

export class RedisPrivateXmlStore implements PrivateXmlStore {
  constructor(private readonly redis: RedisConnection) {}

  async getItem(username: string, key: string): Promise<string | undefined> {
    const xml = await this.redis.run('getPrivateItem', (c) => c.hGet(this.redis.keys.user(username).privateXml, key));
    return xml ?? undefined;
  }

  async setItem(username: string, key: string, xml: string, quota?: PrivateXmlQuota): Promise<boolean> {
    return (await this.set(username, key, xml, quota?.maxBytes, quota?.maxItems)) >= 0;
  }

  /** SET with optional ceilings over all of the user's elements: the new byte total, or -1 when refused. */
  async set(username: string, key: string, xml: string, maxBytes?: number, maxItems?: number): Promise<number> {
    const k = this.redis.keys.user(username);
    const ceiling = (n?: number) => (n !== undefined && Number.isFinite(n) ? Math.max(0, Math.floor(n)) : -1);
    return Number(await this.redis.runDurable('setPrivateItem', (c) => SET.run(c, [k.privateXml, k.privateXmlMeta], [key, xml, ceiling(maxBytes), ceiling(maxItems)])));
  }

  async removeItem(username: string, key: string): Promise<boolean> {
    const k = this.redis.keys.user(username);
    return (await this.redis.runDurable('removePrivateItem', (c) => REMOVE.run(c, [k.privateXml, k.privateXmlMeta], [key]))) === 1;
  }

  async removeUser(username: string): Promise<void> {
    const k = this.redis.keys.user(username);
    await this.redis.runDurable('removeUser', (c) => c.del([k.privateXml, k.privateXmlMeta]));
  }

  /** Sum of the UTF-8 byte sizes of the user's stored elements. */
  async usedBytes(username: string): Promise<number> {
    return Number((await this.redis.run('privateUsage', (c) => c.hGet(this.redis.keys.user(username).privateXmlMeta, 'bytes'))) ?? 0);
  }
}
