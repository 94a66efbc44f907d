// PresenceStore on Redis (design.md §3–4; RFC 6121 §4.2–4.6): every node sees each resource's
// last available presence and the directed-presence debts, and the durable half (last seen, outside
// sources) lives in the same keys as RedisPresenceStateStore, which it uses. Same contract as
// core's MemoryPresenceStore (@deskchat/testing presenceStoreContract).
//
// Keys, all under the user's hash tag (one slot, so removeUser is one DEL):
// - `<P>user:{t}:presence:available`: hash resource → JSON {sessionId, stanza}. setAvailable is a
//   Lua get-and-set (the previous stanza tells initial presence from an update); clearAvailable a
//   Lua clear-if-owner, so a replaced session's late cleanup cannot erase its successor's presence.
// - `<P>user:{t}:presence:directed`: hash resource → JSON {sessionId, targets}: the record names
//   the session that directed presence; a new session of the resource starts a new record, so the
//   replaced session's targets are forgotten and its late takeDirected gets nothing (RFC 6121 §4.6.3).
// - `<P>user:{t}:presence:last-seen`, `<P>user:{t}:presence:sources`: RedisPresenceStateStore's.
import type { AvailableRecord, LastSeen, PresenceStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';
import { RedisPresenceStateStore } from '../stores/redis-presence-state-store.js';

// KEYS: available. ARGV: resource, record JSON. Returns the previous stanza, or false.
const SET_AVAILABLE = new LuaScript(
  'presence-set-available',
  `local previous = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if previous then return cjson.decode(previous).stanza end
return false`,
);

// KEYS: available. ARGV: resource, sessionId. Returns the cleared stanza, or false.
const CLEAR_AVAILABLE = new LuaScript(
  'presence-clear-available',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return false end
local record = cjson.decode(current)
if record.sessionId ~= ARGV[2] then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
return record.stanza`,
);

// KEYS: directed. ARGV: resource, sessionId, target.
const ADD_DIRECTED = new LuaScript(
  'presence-add-directed',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
local record
if current then record = cjson.decode(current) end
if not record or record.sessionId ~= ARGV[2] then record = { sessionId = ARGV[2], targets = {} } end
for _, t in ipairs(record.targets) do if t == ARGV[3] then return 0 end end
table.insert(record.targets, ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
return 1`,
);

// KEYS: directed. ARGV: resource, sessionId, target.
const REMOVE_DIRECTED = new LuaScript(
  'presence-remove-directed',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local record = cjson.decode(current)
if record.sessionId ~= ARGV[2] then return 0 end
local kept = {}
for _, t in ipairs(record.targets) do if t ~= ARGV[3] then table.insert(kept, t) end end
if #kept == #record.targets then return 0 end
if #kept == 0 then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
record.targets = kept
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
return 1`,
);

// KEYS: directed. ARGV: resource, sessionId. Returns the record JSON it removed, or false.
const TAKE_DIRECTED = new LuaScript(
  'presence-take-directed',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return false end
if cjson.decode(current).sessionId ~= ARGV[2] then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
return current`,
);

interface StoredAvailable {
  sessionId: string;
  stanza: string;
}

export class RedisPresenceStore implements PresenceStore {
  private readonly durable: RedisPresenceStateStore;

  constructor(private readonly redis: RedisConnection) {
    this.durable = new RedisPresenceStateStore(redis);
  }

  async setAvailable(username: string, resource: string, sessionId: string, stanza: string): Promise<string | undefined> {
    const key = this.redis.keys.userVolatile(username).presenceAvailable;
    const record: StoredAvailable = { sessionId, stanza };
    const previous = await this.redis.run('setAvailable', (c) => SET_AVAILABLE.run(c, [key], [resource, JSON.stringify(record)]));
    return (previous as string | null) ?? undefined;
  }

  async clearAvailable(username: string, resource: string, sessionId: string): Promise<string | undefined> {
    const key = this.redis.keys.userVolatile(username).presenceAvailable;
    const cleared = await this.redis.run('clearAvailable', (c) => CLEAR_AVAILABLE.run(c, [key], [resource, sessionId]));
    return (cleared as string | null) ?? undefined;
  }

  async getAvailable(username: string, resource: string): Promise<AvailableRecord | undefined> {
    const value = await this.redis.run('getAvailable', (c) => c.hGet(this.redis.keys.userVolatile(username).presenceAvailable, resource));
    return value == null ? undefined : toRecord(resource, value);
  }

  async availableOf(username: string): Promise<AvailableRecord[]> {
    const all = await this.redis.run('availableOf', (c) => c.hGetAll(this.redis.keys.userVolatile(username).presenceAvailable));
    return Object.entries(all).map(([resource, value]) => toRecord(resource, value));
  }

  async addDirected(username: string, resource: string, sessionId: string, target: string): Promise<void> {
    const key = this.redis.keys.userVolatile(username).presenceDirected;
    await this.redis.run('addDirected', (c) => ADD_DIRECTED.run(c, [key], [resource, sessionId, target]));
  }

  async removeDirected(username: string, resource: string, sessionId: string, target: string): Promise<void> {
    const key = this.redis.keys.userVolatile(username).presenceDirected;
    await this.redis.run('removeDirected', (c) => REMOVE_DIRECTED.run(c, [key], [resource, sessionId, target]));
  }

  async takeDirected(username: string, resource: string, sessionId: string): Promise<string[]> {
    const key = this.redis.keys.userVolatile(username).presenceDirected;
    const taken = (await this.redis.run('takeDirected', (c) => TAKE_DIRECTED.run(c, [key], [resource, sessionId]))) as string | null;
    if (taken === null) return [];
    // cjson writes an empty array as {} (never stored: the record goes with its last target).
    const { targets } = JSON.parse(taken) as { targets: string[] | Record<string, never> };
    return Array.isArray(targets) ? targets : [];
  }

  setLastSeen(username: string, lastSeen: LastSeen): Promise<void> {
    return this.durable.setLastSeen(username, lastSeen);
  }

  getLastSeen(username: string): Promise<LastSeen | undefined> {
    return this.durable.getLastSeen(username);
  }

  setSource(username: string, source: string, state: string | undefined): Promise<void> {
    return this.durable.setSource(username, source, state);
  }

  getSources(username: string): Promise<Record<string, string>> {
    return this.durable.getSources(username);
  }

  async removeUser(username: string): Promise<void> {
    const v = this.redis.keys.userVolatile(username);
    const d = this.redis.keys.user(username);
    await this.redis.run('removeUser', (c) => c.del([v.presenceAvailable, v.presenceDirected, d.presenceLastSeen, d.presenceSources]));
  }
}

function toRecord(resource: string, value: string): AvailableRecord {
  const { sessionId, stanza } = JSON.parse(value) as StoredAvailable;
  return { resource, sessionId, stanza };
}
