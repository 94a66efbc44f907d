// BlockListStore on Redis (XEP-0191). Same contract as core's MemoryBlockListStore.
//
// One sorted set per user under the user's hash tag, every score 0: Redis orders equal scores by
// the members' bytes, which for UTF-8 is code-point order (the port's read order). Adding checks
// the bound and writes in one Lua script.
import type { BlockListStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: the set. ARGV: item limit (-1: none), then the JIDs. Returns 1 when added, 0 when refused.
const BLOCK = new LuaScript(
  'block-list-add',
  `local max = tonumber(ARGV[1])
if max >= 0 then
  local added = 0
  local seen = {}
  for i = 2, #ARGV do
    if not seen[ARGV[i]] and not redis.call('ZSCORE', KEYS[1], ARGV[i]) then added = added + 1 end
    seen[ARGV[i]] = true
  end
  if redis.call('ZCARD', KEYS[1]) + added > max then return 0 end
end
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 0, ARGV[i]) end
return 1`,
);

export class RedisBlockListStore implements BlockListStore {
  constructor(private readonly redis: RedisConnection) {}

  async getBlockList(username: string): Promise<string[]> {
    return this.redis.run('getBlockList', (c) => c.zRange(this.redis.keys.user(username).blockList, 0, -1));
  }

  async block(username: string, jids: string[], maxItems?: number): Promise<boolean> {
    if (jids.length === 0) return true;
    const limit = maxItems !== undefined && Number.isFinite(maxItems) ? Math.max(0, Math.floor(maxItems)) : -1;
    return Number(await this.redis.runDurable('block', (c) => BLOCK.run(c, [this.redis.keys.user(username).blockList], [limit, ...jids]))) === 1;
  }

  async unblock(username: string, jids: string[]): Promise<void> {
    if (jids.length === 0) return;
    await this.redis.runDurable('unblock', (c) => c.zRem(this.redis.keys.user(username).blockList, jids));
  }

  async removeUser(username: string): Promise<void> {
    await this.redis.runDurable('removeUser', (c) => c.del(this.redis.keys.user(username).blockList));
  }
}
