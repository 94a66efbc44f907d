// SessionDirectory on Redis (design.md §4–5; RFC 6120 §7.6.2.1 per-user limit, §7.7.2.2 resource
// conflicts). Same contract as core's MemorySessionDirectory (@deskchat/testing
// sessionDirectoryContract).
//
// Keys:
// - `<P>user:{t}:sessions`: hash resource → DirectoryEntry JSON. `register` checks the conflict
//   rule and the per-user limit and writes in one Lua script; `update` and `unregister` are Lua
//   scripts that act only when the entry still names the caller's sessionId.
// - `<P>node:{n}:sessions`: the node's index (conventions §7), hash JSON [username, resource,
//   sessionId] → ms (Redis time of the index write), so that `entriesOfNode` — what a takeover
//   cleans when the node dies — does not scan every user. The session id is part of the field: a
//   refused bind on the node of the resource's holder must not touch the holder's index entry.
//
// The index is in the node's slot, the entry in the user's: on a Redis Cluster they cannot change
// in one script, so every write is two scripts in an order chosen so that a crash between them
// (of this node, or a lost connection) leaves at worst an index entry that points to nothing —
// never an entry the index does not list, which a takeover would miss:
//   register:   1. index add (new node)  2. user entry  3. index remove (the replaced entry's node;
//               or the new node's own index entry when the register was refused or hit the limit)
//   unregister: 1. user entry removed (if owner)  2. index remove (if it still names that session)
// Readers tolerate the leftovers: `entriesOfNode` returns only entries that exist and still name
// that node and session; it deletes an index entry that points to nothing once it is older than
// `staleIndexMs` (a register in flight writes its entry within a command timeout of its index
// entry, so a younger one may simply not be written yet).
import type { DirectoryEntry, DirectoryReadOptions, EntryFlags, RegisterResult, RegisterRules, SessionDirectory } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: user sessions. ARGV: resource, entry JSON, maxPerUser (-1: none), onConflict.
// Returns {'registered'} | {'registered', replacedJSON} | {'conflict', holderJSON} | {'limit'}.
const REGISTER = new LuaScript(
  'directory-register',
  `local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder and ARGV[4] == 'refuse' then return {'conflict', holder} end
local others = redis.call('HLEN', KEYS[1])
if holder then others = others - 1 end
local limit = tonumber(ARGV[3])
if limit >= 0 and others >= limit then return {'limit'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if holder then return {'registered', holder} end
return {'registered'}`,
);

// KEYS: user sessions. ARGV: resource, sessionId, flags JSON. Returns 1 when changed, 0 when not the owner.
const UPDATE = new LuaScript(
  'directory-update',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local entry = cjson.decode(current)
if entry.sessionId ~= ARGV[2] then return 0 end
for k, v in pairs(cjson.decode(ARGV[3])) do entry[k] = v end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
return 1`,
);

// KEYS: user sessions. ARGV: resource, sessionId, node ('' for any). Returns the removed entry's node, or false.
const UNREGISTER = new LuaScript(
  'directory-unregister',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return false end
local entry = cjson.decode(current)
if entry.sessionId ~= ARGV[2] then return false end
if ARGV[3] ~= '' and entry.node ~= ARGV[3] then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
return entry.node`,
);

// KEYS: user sessions. ARGV: resource, sessionId, new node. Returns the node it left, or false.
const MOVE = new LuaScript(
  'directory-move',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return false end
local entry = cjson.decode(current)
if entry.sessionId ~= ARGV[2] then return false end
local from = entry.node
entry.node = ARGV[3]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
return from`,
);

// KEYS: node index. ARGV: field. Stamps the entry with Redis time.
const INDEX_ADD = new LuaScript(
  'directory-index-add',
  `local t = redis.call('TIME')
redis.call('HSET', KEYS[1], ARGV[1], t[1] * 1000 + math.floor(t[2] / 1000))
return 1`,
);

// KEYS: node index. ARGV: minimum age in ms, then fields. Removes each index entry older than the
// minimum age (Redis time).
const INDEX_PRUNE = new LuaScript(
  'directory-index-prune',
  `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local age = tonumber(ARGV[1])
local removed = 0
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and tonumber(v) <= now - age then
    redis.call('HDEL', KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed`,
);

export interface RedisSessionDirectoryOptions {
  /** An index entry pointing to nothing is deleted by readers once older than this (default 60 s). */
  staleIndexMs?: number;
}

const indexField = (e: Pick<DirectoryEntry, 'username' | 'resource' | 'sessionId'>) => JSON.stringify([e.username, e.resource, e.sessionId]);

export class RedisSessionDirectory implements SessionDirectory {
  private readonly staleIndexMs: number;

  constructor(
    private readonly redis: RedisConnection,
    options: RedisSessionDirectoryOptions = {},
  ) {
    this.staleIndexMs = options.staleIndexMs ?? 60_000;
  }

  register(entry: DirectoryEntry, rules: RegisterRules): Promise<RegisterResult> {
    return this.writing(entry.username, () => this.registerEntry(entry, rules));
  }

  private async registerEntry(entry: DirectoryEntry, rules: RegisterRules): Promise<RegisterResult> {
    const userKey = this.redis.keys.userVolatile(entry.username).sessions;
    const nodeIndex = this.redis.keys.node(entry.node).sessions;
    const limit = Number.isFinite(rules.maxPerUser) ? Math.max(0, Math.floor(rules.maxPerUser)) : -1;
    // 1. The index first: a crash after it leaves an index entry pointing to nothing (tolerated).
    await this.redis.run('register', (c) => INDEX_ADD.run(c, [nodeIndex], [indexField(entry)]));
    // 2. The entry, with its checks.
    const reply = (await this.redis.run('register', (c) => REGISTER.run(c, [userKey], [entry.resource, JSON.stringify(entry), limit, rules.onConflict]))) as string[];
    const [status, other] = reply;
    const holder = other === undefined ? undefined : decode(other);
    // 3. Index entries that no longer point to an entry of their node (never the one just written).
    //    Best effort: the entry is written (or refused) whatever happens here, and a leftover is tolerated.
    const isSame = (e: DirectoryEntry | undefined) => e !== undefined && e.node === entry.node && e.sessionId === entry.sessionId;
    if (status === 'registered') {
      if (holder && !isSame(holder)) await this.unindex(holder).catch(() => undefined);
      return holder ? { status: 'registered', replaced: holder } : { status: 'registered' };
    }
    if (!isSame(holder)) await this.unindex(entry).catch(() => undefined);
    return status === 'conflict' ? { status: 'conflict', holder: holder! } : { status: 'limit' };
  }

  update(username: string, resource: string, sessionId: string, flags: EntryFlags): Promise<boolean> {
    return this.writing(username, () => this.updateEntry(username, resource, sessionId, flags));
  }

  private async updateEntry(username: string, resource: string, sessionId: string, flags: EntryFlags): Promise<boolean> {
    const changes: EntryFlags = {};
    if (flags.isAvailable !== undefined) changes.isAvailable = flags.isAvailable;
    if (flags.priority !== undefined) changes.priority = flags.priority;
    if (flags.carbons !== undefined) changes.carbons = flags.carbons;
    if (flags.interested !== undefined) changes.interested = flags.interested;
    if (flags.resumeId !== undefined) changes.resumeId = flags.resumeId;
    const key = this.redis.keys.userVolatile(username).sessions;
    return (await this.redis.run('updateSession', (c) => UPDATE.run(c, [key], [resource, sessionId, JSON.stringify(changes)]))) === 1;
  }

  unregister(username: string, resource: string, sessionId: string, onNode?: string): Promise<boolean> {
    return this.writing(username, () => this.unregisterEntry(username, resource, sessionId, onNode));
  }

  private async unregisterEntry(username: string, resource: string, sessionId: string, onNode?: string): Promise<boolean> {
    const key = this.redis.keys.userVolatile(username).sessions;
    // 1. The entry (only the owner's, and only where it is held when `onNode` says so); 2. then its index entry.
    const node = (await this.redis.run('unregister', (c) => UNREGISTER.run(c, [key], [resource, sessionId, onNode ?? '']))) as string | null;
    if (node === null) return false;
    await this.unindex({ username, resource, sessionId, node }).catch(() => undefined); // a leftover is tolerated

    return true;
  }

  /** A session continued on another node: 1. index add there, 2. the entry moves, 3. the old node's index entry goes (same crash order as register). */
  move(username: string, resource: string, sessionId: string, node: string): Promise<boolean> {
    return this.writing(username, () => this.moveEntry(username, resource, sessionId, node));
  }

  private async moveEntry(username: string, resource: string, sessionId: string, node: string): Promise<boolean> {
    const key = this.redis.keys.userVolatile(username).sessions;
    await this.redis.run('move', (c) => INDEX_ADD.run(c, [this.redis.keys.node(node).sessions], [indexField({ username, resource, sessionId })]));
    const from = (await this.redis.run('move', (c) => MOVE.run(c, [key], [resource, sessionId, node]))) as string | null;
    if (from === null) {
      await this.unindex({ username, resource, sessionId, node }).catch(() => undefined);
      return false;
    }
    if (from !== node) await this.unindex({ username, resource, sessionId, node: from }).catch(() => undefined);
    return true;
  }

  async get(username: string, resource: string): Promise<DirectoryEntry | undefined> {
    const value = await this.redis.run('getSession', (c) => c.hGet(this.redis.keys.userVolatile(username).sessions, resource));
    return value == null ? undefined : decode(value);
  }

  async resourcesOf(username: string, options?: DirectoryReadOptions): Promise<DirectoryEntry[]> {
    const key = this.redis.keys.userVolatile(username).sessions;
    const all = options?.mayBeCached ? await this.redis.runCached('resourcesOf', (c) => c.hVals(key)) : await this.redis.run('resourcesOf', (c) => c.hVals(key));
    return all.map(decode);
  }

  /**
   * A user's entries changed through this node: its copy goes as soon as the write is done, not
   * when Redis's invalidation comes back, so that this node's next read has the change (a read
   * still in flight then is not kept either).
   */
  private async writing<T>(username: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.redis.forgetCached(this.redis.keys.userVolatile(username).sessions);
    }
  }

  async entriesOfNode(node: string): Promise<DirectoryEntry[]> {
    const indexKey = this.redis.keys.node(node).sessions;
    const index = Object.entries(await this.redis.run('entriesOfNode', (c) => c.hGetAll(indexKey)));
    if (index.length === 0) return [];
    const pointers = index.map(([field]) => {
      const [username, resource, sessionId] = JSON.parse(field) as [string, string, string];
      return { field, username, resource, sessionId };
    });
    // One HGET per entry, sent together (node-redis pipelines them on the connection). Not one
    // MULTI or pipeline object: each entry is in its user's slot, and a Cluster client sends a
    // whole pipeline to the primary of its first key (CROSSSLOT/MOVED for the others).
    const values = await this.redis.run('entriesOfNode', (c) => Promise.all(pointers.map((p) => c.hGet(this.redis.keys.userVolatile(p.username).sessions, p.resource))));
    const out: DirectoryEntry[] = [];
    const stale: string[] = [];
    pointers.forEach((p, i) => {
      const value = values[i] as unknown as string | null;
      const entry = value == null ? undefined : decode(value);
      if (entry && entry.node === node && entry.sessionId === p.sessionId) out.push(entry);
      else stale.push(p.field);
    });
    if (stale.length > 0) {
      // Best effort: a leftover that stays is only read again.
      await this.redis.run('entriesOfNode', (c) => INDEX_PRUNE.run(c, [indexKey], [this.staleIndexMs, ...stale])).catch(() => undefined);
    }
    return out;
  }

  private async unindex(entry: Pick<DirectoryEntry, 'username' | 'resource' | 'sessionId' | 'node'>): Promise<void> {
    await this.redis.run('unindexSession', (c) => c.hDel(this.redis.keys.node(entry.node).sessions, indexField(entry)));
  }
}

function decode(value: string): DirectoryEntry {
  return JSON.parse(value) as DirectoryEntry;
}
