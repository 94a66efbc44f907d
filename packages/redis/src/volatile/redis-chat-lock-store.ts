// ChatLockStore on Redis: the IM&P forking locks (design.md §2) shared by every node. Same contract
// as core's MemoryChatLockStore (@deskchat/testing coordinationContract).
//
// Keys:
// - `<P>user:{t}:chat-locks`: hash contact bare JID → JSON {resource, sessionId, lastActive}, the
//   truth. touch and releaseSession are Lua scripts on it (only the lock's own session refreshes it).
// - `<P>{chat-locks}:idle`: sorted set JSON [username, contact] scored by lastActive, so that
//   `sweep` finds idle locks without scanning every user. It is only a hint, in another slot than
//   the user's hash, kept in an order that never lets a lock escape the sweep:
//     lock:  1. index (score = lastActive)  2. hash
//     touch: 1. hash (if the session owns it)  2. index score raised (ZADD GT)
//   release and releaseSession leave the index alone (a concurrent lock of the same contact may
//   have just indexed itself). `sweep(before)` reads index members scored below `before`, removes
//   each hash field whose own lastActive is below `before` (Lua, re-checked), then drops the index
//   member if it points to nothing (still scored below `before`), or raises it to the lock's
//   lastActive. A lock is thus swept at the first sweep after it went idle, whatever crashed between
//   two steps; at worst an index member points to nothing until the next sweep.
import type { ChatLock, ChatLockStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: user chat locks. ARGV: contact, sessionId, at. Returns 1 when refreshed.
const TOUCH = new LuaScript(
  'chat-lock-touch',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local lock = cjson.decode(current)
if lock.sessionId ~= ARGV[2] then return 0 end
lock.lastActive = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(lock))
return 1`,
);

// KEYS: user chat locks. ARGV: sessionId. Returns the contacts released.
const RELEASE_SESSION = new LuaScript(
  'chat-lock-release-session',
  `local all = redis.call('HGETALL', KEYS[1])
local released = {}
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).sessionId == ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i])
    table.insert(released, all[i])
  end
end
return released`,
);

// KEYS: user chat locks. ARGV: before, contacts. For each contact: -1 when there is no lock (or it
// was idle and is now removed), else the lock's lastActive.
const SWEEP_USER = new LuaScript(
  'chat-lock-sweep-user',
  `local before = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  local result = -1
  if current then
    local at = tonumber(cjson.decode(current).lastActive)
    if at < before then redis.call('HDEL', KEYS[1], ARGV[i]) else result = at end
  end
  table.insert(out, result)
end
return out`,
);

// KEYS: idle index. ARGV: before, then pairs member, score (-1: points to nothing).
const SWEEP_INDEX = new LuaScript(
  'chat-lock-sweep-index',
  `local before = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) < before then
    if tonumber(ARGV[i + 1]) < 0 then redis.call('ZREM', KEYS[1], ARGV[i]) else redis.call('ZADD', KEYS[1], 'GT', ARGV[i + 1], ARGV[i]) end
  end
end
return 1`,
);

const SWEEP_BATCH = 500;

export class RedisChatLockStore implements ChatLockStore {
  constructor(private readonly redis: RedisConnection) {}

  async lock(username: string, contact: string, lock: ChatLock): Promise<void> {
    const key = this.redis.keys.userVolatile(username).chatLocks;
    const value: ChatLock = { resource: lock.resource, sessionId: lock.sessionId, lastActive: lock.lastActive };
    await this.redis.run('chatLock', (c) => c.zAdd(this.redis.keys.chatLocksIdle, { score: lock.lastActive, value: member(username, contact) }));
    await this.redis.run('chatLock', (c) => c.hSet(key, contact, JSON.stringify(value)));
  }

  async get(username: string, contact: string): Promise<ChatLock | undefined> {
    const value = await this.redis.run('getChatLock', (c) => c.hGet(this.redis.keys.userVolatile(username).chatLocks, contact));
    if (value == null) return undefined;
    const { resource, sessionId, lastActive } = JSON.parse(value) as ChatLock;
    return { resource, sessionId, lastActive };
  }

  async touch(username: string, contact: string, sessionId: string, at: number): Promise<void> {
    const key = this.redis.keys.userVolatile(username).chatLocks;
    const touched = await this.redis.run('touchChatLock', (c) => TOUCH.run(c, [key], [contact, sessionId, at]));
    if (touched !== 1) return;
    await this.redis.run('touchChatLock', (c) => c.zAdd(this.redis.keys.chatLocksIdle, { score: at, value: member(username, contact) }, { GT: true }));
  }

  async release(username: string, contact: string): Promise<void> {
    await this.redis.run('releaseChatLock', (c) => c.hDel(this.redis.keys.userVolatile(username).chatLocks, contact));
  }

  async releaseSession(username: string, sessionId: string): Promise<void> {
    const key = this.redis.keys.userVolatile(username).chatLocks;
    await this.redis.run('releaseChatLocks', (c) => RELEASE_SESSION.run(c, [key], [sessionId]));
  }

  async sweep(before: number): Promise<void> {
    const index = this.redis.keys.chatLocksIdle;
    // Members below `before` leave the range as they are handled (removed, or raised to their lock's
    // lastActive ≥ before), so each pass reads the next ones from the start (bounded, against a
    // writer that keeps indexing locks older than `before`).
    for (let pass = 0; pass < 1000; pass++) {
      const members = await this.redis.run('sweepChatLocks', (c) => c.zRangeByScore(index, '-inf', `(${before}`, { LIMIT: { offset: 0, count: SWEEP_BATCH } }));
      if (members.length === 0) return;
      const byUser = new Map<string, string[]>();
      for (const m of members) {
        const [username, contact] = JSON.parse(m) as [string, string];
        byUser.set(username, [...(byUser.get(username) ?? []), contact]);
      }
      const updates: Array<string | number> = [];
      for (const [username, contacts] of byUser) {
        const key = this.redis.keys.userVolatile(username).chatLocks;
        const results = (await this.redis.run('sweepChatLocks', (c) => SWEEP_USER.run(c, [key], [before, ...contacts]))) as number[];
        contacts.forEach((contact, i) => updates.push(member(username, contact), results[i]!));
      }
      await this.redis.run('sweepChatLocks', (c) => SWEEP_INDEX.run(c, [index], [before, ...updates]));
      if (members.length < SWEEP_BATCH) return;
    }
  }
}

const member = (username: string, contact: string) => JSON.stringify([username, contact]);
