// ArchiveStore on Redis (XEP-0313). Same contract as core's MemoryArchiveStore.
//
// An archive is four keys in one slot (keys.ts ArchiveKeys): a sorted set id → sequence number,
// a hash id → {stanza, JIDs it is indexed under}, a sorted set of `<JID>\0<id>` members (all
// score 0, so a `with` filter is a lex range: ids are fixed-width and sort like their sequence
// numbers) and a meta hash (last sequence number, byte total). An append assigns the id, writes
// the message and its index entries, and applies retention and the bounds, in one Lua script, so
// two nodes archiving for one user at once get distinct, ordered ids. A page is core's pageOf over
// range reads: ZCOUNT / ZLEXCOUNT for the counts and ZRANGE … BYSCORE|BYLEX LIMIT for the page, a
// few round trips whatever the archive's size. Appends, preferences and removals are durable writes
// (`runDurable`: behind Sentinel they wait for a replica, as offline messages do); expiry is not.
import {
  archiveId,
  archiveNonce,
  archiveRange,
  archiveSeq,
  archiveTime,
  arraySetReader,
  namedArchiveIds,
  pageOf,
  type ArchiveLimits,
  type ArchivePage,
  type ArchivePrefs,
  type ArchiveQuery,
  type ArchiveSetReader,
  type ArchiveStore,
  type NewArchivedMessage,
} from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import type { ArchiveKeys } from '../keys.js';
import { LuaScript } from '../script.js';

// Shared Lua: the id of a sequence number (core's archiveId: base 36, 11 digits), and dropping one
// message with its index entries and bytes. KEYS: index, messages, with, meta.
const LUA_HELPERS = `
local function id36(n)
  local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
  local s = ''
  repeat
    local d = n % 36
    s = string.sub(digits, d + 1, d + 1) .. s
    n = (n - d) / 36
  until n == 0
  return string.rep('0', 11 - #s) .. s
end
local function drop(id)
  local v = redis.call('HGET', KEYS[2], id)
  if v then
    local e = cjson.decode(v)
    for _, w in ipairs(e.w) do redis.call('ZREM', KEYS[3], w .. '\\0' .. id) end
    redis.call('HINCRBY', KEYS[4], 'bytes', -#e.s)
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('ZREM', KEYS[1], id)
end
local function expire(before)
  local n = 0
  if before < 0 then return 0 end
  local old = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. string.format('%.0f', before * 1000), 'BYSCORE')
  for _, id in ipairs(old) do drop(id); n = n + 1 end
  return n
end
`;

// ARGV: at (ms), max messages, max bytes, expire before (ms, -1: none), stanza, the id's random
// part, then the JIDs.
// Returns the id.
const APPEND = new LuaScript(
  'archive-append',
  `${LUA_HELPERS}
local last = tonumber(redis.call('HGET', KEYS[4], 'last') or '0')
local seq = math.max(tonumber(ARGV[1]) * 1000, last + 1)
local id = id36(seq) .. ARGV[6]
local w = {}
for i = 7, #ARGV do w[#w + 1] = ARGV[i] end
redis.call('ZADD', KEYS[1], string.format('%.0f', seq), id)
redis.call('HSET', KEYS[2], id, cjson.encode({ s = ARGV[5], w = w }))
for _, j in ipairs(w) do redis.call('ZADD', KEYS[3], 0, j .. '\\0' .. id) end
redis.call('HSET', KEYS[4], 'last', string.format('%.0f', seq))
redis.call('HINCRBY', KEYS[4], 'bytes', #ARGV[5])
expire(tonumber(ARGV[4]))
local maxMessages = tonumber(ARGV[2])
local maxBytes = tonumber(ARGV[3])
while redis.call('ZCARD', KEYS[1]) > 0 and (redis.call('ZCARD', KEYS[1]) > maxMessages or tonumber(redis.call('HGET', KEYS[4], 'bytes') or '0') > maxBytes) do
  drop(redis.call('ZRANGE', KEYS[1], 0, 0)[1])
end
return id`,
);

// ARGV: before (ms). Returns how many went.
const EXPIRE = new LuaScript('archive-expire', `${LUA_HELPERS}\nreturn expire(tonumber(ARGV[1]))`);

const SEP = '\0';

/** The stored form of an archived message (the hash value the scripts decode with cjson). */
export function encodeArchived(stanza: string, withJids: string[]): string {
  return JSON.stringify({ s: stanza, w: withJids });
}

export class RedisArchiveStore implements ArchiveStore {
  constructor(private readonly redis: RedisConnection) {}

  private keys(archive: string): ArchiveKeys {
    return this.redis.keys.archive(archive);
  }

  private scriptKeys(k: ArchiveKeys): string[] {
    return [k.index, k.messages, k.with, k.meta];
  }

  async append(archive: string, message: NewArchivedMessage, limits: ArchiveLimits): Promise<string> {
    const k = this.keys(archive);
    const bound = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : Number.MAX_SAFE_INTEGER);
    const args = [Math.floor(message.at), bound(limits.maxMessages), bound(limits.maxBytes), limits.expireBefore === undefined ? -1 : Math.floor(limits.expireBefore), message.stanza, archiveNonce(), ...new Set(message.with)];
    return String(await this.redis.runDurable('archive.append', (c) => APPEND.run(c, this.scriptKeys(k), args)));
  }

  async query(archive: string, query: ArchiveQuery): Promise<ArchivePage | undefined> {
    const range = archiveRange(query);
    if (!range) return undefined;
    const k = this.keys(archive);
    for (const id of namedArchiveIds(query)) {
      if (archiveSeq(id) === undefined) return undefined;
      if ((await this.redis.run('archive.exists', (c) => c.zScore(k.index, id))) === null) return undefined;
    }
    const reader = query.ids ? await this.idsReader(k, query) : query.with === undefined ? this.indexReader(k) : this.withReader(k, query.with);
    const page = await pageOf(reader, range, query);
    const { ids } = page;
    const values = ids.length === 0 ? [] : await this.redis.run('archive.read', (c) => c.hmGet(k.messages, ids));
    const messages = [];
    for (let i = 0; i < ids.length; i++) {
      const value = values[i];
      // Dropped between the range read and this one (a bound or retention on another node): left out.
      if (value) messages.push({ id: ids[i]!, at: archiveTime(archiveSeq(ids[i]!)!), stanza: (JSON.parse(value) as { s: string }).s });
    }
    return { messages, count: page.count, index: page.index, complete: page.complete };
  }

  async expire(archive: string, before: number): Promise<number> {
    const k = this.keys(archive);
    return Number(await this.redis.run('archive.expire', (c) => EXPIRE.run(c, this.scriptKeys(k), [Math.floor(before)])));
  }

  async usage(archive: string): Promise<{ messages: number; bytes: number }> {
    const k = this.keys(archive);
    const [messages, bytes] = await Promise.all([this.redis.run('archive.count', (c) => c.zCard(k.index)), this.redis.run('archive.bytes', (c) => c.hGet(k.meta, 'bytes'))]);
    return { messages: Number(messages), bytes: Number(bytes ?? 0) };
  }

  async getPrefs(username: string): Promise<ArchivePrefs | undefined> {
    const json = await this.redis.run('archive.getPrefs', (c) => c.get(this.redis.keys.user(username).archivePrefs));
    return json === null ? undefined : (JSON.parse(json) as ArchivePrefs);
  }

  async setPrefs(username: string, prefs: ArchivePrefs): Promise<void> {
    await this.redis.runDurable('archive.setPrefs', (c) => c.set(this.redis.keys.user(username).archivePrefs, JSON.stringify({ default: prefs.default, always: prefs.always, never: prefs.never })));
  }

  async removeArchive(archive: string): Promise<void> {
    const k = this.keys(archive);
    // `last` goes too: sequence numbers follow the clock, so a new archive of the same name starts
    // after the old one's ids anyway.
    await this.redis.runDurable('archive.remove', (c) => c.del([k.index, k.messages, k.with, k.meta]));
  }

  async removeUser(username: string): Promise<void> {
    await this.removeArchive(username);
    await this.redis.runDurable('archive.removePrefs', (c) => c.del(this.redis.keys.user(username).archivePrefs));
  }

  private indexReader(k: ArchiveKeys): ArchiveSetReader {
    return {
      count: async (lo, hi) => Number(await this.redis.run('archive.count', (c) => c.zCount(k.index, lo, hi))),
      ascending: async (lo, hi, offset, limit) => this.redis.run('archive.range', (c) => c.zRange(k.index, lo, hi, { BY: 'SCORE', LIMIT: { offset, count: limit } })),
      descending: async (lo, hi, limit) => this.redis.run('archive.range', (c) => c.zRange(k.index, hi, lo, { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: limit } })),
    };
  }

  private withReader(k: ArchiveKeys, jid: string): ArchiveSetReader {
    // Members are `<jid>\0<id>` and an id starts with its fixed-width position: [lo, hi] is the lex
    // range from `<jid>\0<position lo>` (inclusive) to `<jid>\0<position hi + 1>` (exclusive).
    const from = (lo: number) => `[${jid}${SEP}${archiveId(lo)}`;
    const to = (hi: number) => `(${jid}${SEP}${archiveId(hi + 1)}`;
    const idsOf = (members: string[]) => members.map((m) => m.slice(m.lastIndexOf(SEP) + 1));
    return {
      count: async (lo, hi) => Number(await this.redis.run('archive.count', (c) => c.zLexCount(k.with, from(lo), to(hi)))),
      ascending: async (lo, hi, offset, limit) => idsOf(await this.redis.run('archive.range', (c) => c.zRange(k.with, from(lo), to(hi), { BY: 'LEX', LIMIT: { offset, count: limit } }))),
      descending: async (lo, hi, limit) => idsOf(await this.redis.run('archive.range', (c) => c.zRange(k.with, to(hi), from(lo), { BY: 'LEX', REV: true, LIMIT: { offset: 0, count: limit } }))),
    };
  }

  /** XEP-0313 `ids`: the named messages that exist (and match `with`), in order. */
  private async idsReader(k: ArchiveKeys, query: ArchiveQuery): Promise<ArchiveSetReader> {
    const ids = [...new Set(query.ids ?? [])].filter((id) => archiveSeq(id) !== undefined).sort();
    const found: string[] = [];
    for (const id of ids) {
      const hit = query.with === undefined ? (await this.redis.run('archive.exists', (c) => c.zScore(k.index, id))) !== null : (await this.redis.run('archive.exists', (c) => c.zScore(k.with, `${query.with}${SEP}${id}`))) !== null;
      if (hit) found.push(id);
    }
    return arraySetReader(found);
  }
}
