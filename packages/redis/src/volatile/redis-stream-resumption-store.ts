// StreamResumptionStore on Redis: XEP-0198 resumable streams (§5) that any node of a cluster can
// resume (issue 9). Same contract as core's MemoryStreamResumptionStore (@deskchat/testing
// streamResumptionStoreContract); the port's header is the specification.
//
// Keys (KeySpace.streamResumption, all of one stream in the slot `{<SM-ID>}`): the record, a hash
// of the fields, and `unacked`, a list of serialized stanzas (oldest first). Every change compares
// the epoch and writes in one Lua script, so `claim` and `end` are compare-and-set: of two claims,
// or of a claim and an end, exactly one wins.
//
// Expiry: while a stream is attached its keys live `attachedTtlMs` (a day), renewed by every
// write, so that the record of a cluster that lost every node does not stay forever. Once
// hibernated they live `maxSeconds` + `expiredGraceMs` from the hibernation, by Redis's clock (the
// nodes' clocks only decide `expiresAt`), and later writes do not extend that: a claim is refused
// from `expiresAt` on (the claimer's clock, as the port says), but the record stays a little longer
// so that the holder's expiry, or a takeover of a dead holder (cluster/takeover.ts), can still
// `end` it and route what `unacked` held (XEP-0198 §4) rather than find nothing.
//
// The node's index (`node:{n}:sm`, hash SM-ID → ms of Redis time) is in the node's slot, so it is
// kept in step by ordering, as the session directory's is: written before the record on `create`
// and before the script on `claim` (on the claiming node), removed after the record on `end` and
// after a claim on the former node. Pointer times are only ever compared with the clock of the
// primary that holds that index (on a Redis Cluster two nodes' indexes may be on two primaries, on
// two machines whose clocks differ). A crash between two steps leaves at worst a pointer to nothing
// or to a record now on another node; `ofNode` skips those and prunes them once older than
// `staleIndexMs` (a younger one may be a create or claim between its steps). A record that lapsed
// by its TTL leaves its pointer too, pruned the same way.
import type { ClaimRequest, ResumableStream, StreamResumptionStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// Shared by the write scripts. KEYS: record, unacked. ARGV[1]: the writer's epoch, ARGV[2]:
// attachedTtlMs, ARGV[3]: expiredGraceMs; the script's own arguments from ARGV[4].
const PRELUDE = `local function held()
  local epoch = redis.call('HGET', KEYS[1], 'epoch')
  return epoch ~= false and tonumber(epoch) == tonumber(ARGV[1])
end
local function keep()
  if redis.call('HEXISTS', KEYS[1], 'expiresAt') == 1 then
    -- Hibernated: the record keeps the lifetime its hibernation gave it; a list created since gets the same.
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
  else
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
  end
end
`;

const script = (name: string, body: string) => new LuaScript(name, PRELUDE + body);

// ARGV[4]: the stanza.
const PUSH = script(
  'sm-push',
  `if not held() then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[4])
keep()
return 1`,
);

// ARGV[4]: h. Drops (h − acked) mod 2^32 stanzas from the front (LTRIM past the end empties the list).
const ACK = script(
  'sm-ack',
  `if not held() then return 0 end
local h = tonumber(ARGV[4])
local count = (h - tonumber(redis.call('HGET', KEYS[1], 'acked'))) % 4294967296
if count > 0 then redis.call('LTRIM', KEYS[2], string.format('%.0f', count), -1) end
redis.call('HSET', KEYS[1], 'acked', ARGV[4])
keep()
return 1`,
);

// ARGV[4]: h.
const SET_INBOUND = script(
  'sm-set-inbound',
  `if not held() then return 0 end
redis.call('HSET', KEYS[1], 'inbound', ARGV[4])
keep()
return 1`,
);

// ARGV[4]: expiresAt. The keys then live maxSeconds + expiredGraceMs from now, by Redis's clock
// (expiresAt is the node's clock + maxSeconds: the node's clock never sets a Redis expiry).
const HIBERNATE = script(
  'sm-hibernate',
  `if not held() then return 0 end
redis.call('HSET', KEYS[1], 'expiresAt', ARGV[4])
local ttl = tonumber(redis.call('HGET', KEYS[1], 'maxSeconds')) * 1000 + tonumber(ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1`,
);

// ARGV[4]: username, ARGV[5]: node, ARGV[6]: now. Returns {former node, record fields, unacked} or false.
const CLAIM = script(
  'sm-claim',
  `if not held() then return false end
if redis.call('HGET', KEYS[1], 'username') ~= ARGV[4] then return false end
local expires = redis.call('HGET', KEYS[1], 'expiresAt')
if expires and tonumber(expires) <= tonumber(ARGV[6]) then return false end
local former = redis.call('HGET', KEYS[1], 'node')
redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'node', ARGV[5])
redis.call('HDEL', KEYS[1], 'expiresAt')
keep()
return {former, redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}`,
);

// Returns {record fields, unacked} and deletes both keys, or false.
const END = script(
  'sm-end',
  `if not held() then return false end
local record = {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}
redis.call('DEL', KEYS[1], KEYS[2])
return record`,
);

// KEYS: node index. ARGV: SM-ID. Returns the Redis time (ms) written.
const INDEX_ADD = new LuaScript(
  'sm-index-add',
  `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('HSET', KEYS[1], ARGV[1], now)
return now`,
);

// KEYS: a node index, only so that the script runs on the primary holding it. Returns that
// primary's Redis time (ms): the clock its index's pointers are stamped with.
const INDEX_CLOCK = new LuaScript(
  'sm-index-clock',
  `local t = redis.call('TIME')
return t[1] * 1000 + math.floor(t[2] / 1000)`,
);

// KEYS: node index. ARGV: a time (ms) of that index's own clock (INDEX_CLOCK), then SM-IDs. Removes
// each pointer written before that time (a later write is a newer claim or create by that node,
// which must stay).
const INDEX_REMOVE_BEFORE = new LuaScript(
  'sm-index-remove-before',
  `local removed = 0
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and tonumber(v) < tonumber(ARGV[1]) then
    redis.call('HDEL', KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed`,
);

// KEYS: node index. ARGV: minimum age in ms, then SM-IDs. Removes each pointer older than that (Redis time).
const INDEX_PRUNE = new LuaScript(
  'sm-index-prune',
  `local t = redis.call('TIME')
local cutoff = t[1] * 1000 + math.floor(t[2] / 1000) - tonumber(ARGV[1])
local removed = 0
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and tonumber(v) <= cutoff then
    redis.call('HDEL', KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed`,
);

export interface RedisStreamResumptionStoreOptions {
  /** How long the keys of an attached stream live after its last write (default a day). */
  attachedTtlMs?: number;
  /** How long the keys of a hibernated stream outlive its resumption timeout (default 10 minutes): time for its holder, or a takeover, to end it and route what it held. */
  expiredGraceMs?: number;
  /** How old a pointer of a node's index to nothing (or to a record on another node) must be before `ofNode` prunes it (default 60 s). */
  staleIndexMs?: number;
}

type Fields = Record<string, string>;

/** HGETALL as a script returns it (a flat array, RESP2) or as node-redis returns it (an object, RESP3 or the command). */
function fieldsOf(raw: unknown): Fields {
  if (!Array.isArray(raw)) return { ...(raw as Fields) };
  const fields: Fields = {};
  for (let i = 0; i + 1 < raw.length; i += 2) fields[String(raw[i])] = String(raw[i + 1]);
  return fields;
}

function decode(id: string, fields: Fields, unacked: string[]): ResumableStream {
  const stream: ResumableStream = {
    id,
    username: fields.username!,
    resource: fields.resource!,
    sessionId: fields.sessionId!,
    node: fields.node!,
    epoch: Number(fields.epoch),
    maxSeconds: Number(fields.maxSeconds),
    inbound: Number(fields.inbound),
    acked: Number(fields.acked),
    unacked: unacked.map(String),
  };
  if (fields.expiresAt !== undefined) stream.expiresAt = Number(fields.expiresAt);
  return stream;
}

export class RedisStreamResumptionStore implements StreamResumptionStore {
  private readonly attachedTtlMs: number;
  private readonly expiredGraceMs: number;
  private readonly staleIndexMs: number;

  constructor(
    private readonly redis: RedisConnection,
    options: RedisStreamResumptionStoreOptions = {},
  ) {
    this.attachedTtlMs = options.attachedTtlMs ?? 24 * 3600_000;
    this.expiredGraceMs = options.expiredGraceMs ?? 600_000;
    this.staleIndexMs = options.staleIndexMs ?? 60_000;
  }

  private keys(id: string) {
    return this.redis.keys.streamResumption(id);
  }

  private indexOf(node: string): string {
    return this.redis.keys.node(node).sm;
  }

  async create(stream: ResumableStream): Promise<void> {
    const k = this.keys(stream.id);
    // 1. The node's pointer, 2. the record (replacing anything under that id).
    await this.redis.run('smCreate', (c) => INDEX_ADD.run(c, [this.indexOf(stream.node)], [stream.id]));
    const fields: Fields = {
      username: stream.username,
      resource: stream.resource,
      sessionId: stream.sessionId,
      node: stream.node,
      epoch: String(stream.epoch),
      maxSeconds: String(stream.maxSeconds),
      inbound: String(stream.inbound),
      acked: String(stream.acked),
    };
    if (stream.expiresAt !== undefined) fields.expiresAt = String(stream.expiresAt);
    await this.redis.run('smCreate', (c) => {
      const m = c.multi().del([k.record, k.unacked]).hSet(k.record, fields);
      if (stream.unacked.length > 0) m.rPush(k.unacked, stream.unacked);
      const ttl = stream.expiresAt === undefined ? this.attachedTtlMs : stream.maxSeconds * 1000 + this.expiredGraceMs;
      for (const key of [k.record, k.unacked]) m.pExpire(key, ttl);
      return m.exec();
    });
  }

  async get(id: string): Promise<ResumableStream | undefined> {
    const k = this.keys(id);
    const [fields, unacked] = (await this.redis.run('smGet', (c) => c.multi().hGetAll(k.record).lRange(k.unacked, 0, -1).exec())) as unknown as [unknown, string[]];
    const record = fieldsOf(fields);
    return record.epoch === undefined ? undefined : decode(id, record, unacked);
  }

  async push(id: string, epoch: number, stanza: string): Promise<boolean> {
    return this.write('smPush', PUSH, id, epoch, [stanza]);
  }

  async ack(id: string, epoch: number, h: number): Promise<boolean> {
    return this.write('smAck', ACK, id, epoch, [h]);
  }

  async setInbound(id: string, epoch: number, h: number): Promise<boolean> {
    return this.write('smSetInbound', SET_INBOUND, id, epoch, [h]);
  }

  async hibernate(id: string, epoch: number, expiresAt: number): Promise<boolean> {
    return this.write('smHibernate', HIBERNATE, id, epoch, [expiresAt]);
  }

  async claim(id: string, request: ClaimRequest): Promise<ResumableStream | undefined> {
    const k = this.keys(id);
    // 0. The node holding the stream now, and the time on the primary of its index: its pointer to
    // this stream is older; the pointer of any claim back by that node, which needs the epoch this
    // claim sets, is newer — both by that index's own clock, never compared with another primary's.
    const holder = await this.redis.run('smClaim', (c) => c.hGet(k.record, 'node'));
    const holderClock = holder != null && holder !== request.node ? Number(await this.redis.run('smClaim', (c) => INDEX_CLOCK.run(c, [this.indexOf(holder)]))) : undefined;
    // 1. The claimer's pointer first, so that a crash after the claim leaves no record out of its node's index.
    await this.redis.run('smClaim', (c) => INDEX_ADD.run(c, [this.indexOf(request.node)], [id]));
    // 2. The compare-and-set. A claim that lost leaves its pointer for `ofNode` to prune (it may be
    // the pointer of a claim on the same node that won in the same millisecond).
    const result = (await this.redis.run('smClaim', (c) =>
      CLAIM.run(c, [k.record, k.unacked], [request.epoch, this.attachedTtlMs, this.expiredGraceMs, request.username, request.node, request.now]),
    )) as [string, unknown, string[]] | null;
    if (!result) return undefined;
    const [former, fields, unacked] = result;
    // 3. The former node's pointer, unless a later claim by that node wrote it again (best effort: a
    // leftover — also when another claim came between steps 0 and 2 — is pruned by `ofNode`).
    if (former !== request.node && former === holder && holderClock !== undefined) {
      await this.redis.run('smClaim', (c) => INDEX_REMOVE_BEFORE.run(c, [this.indexOf(former)], [holderClock, id])).catch(() => undefined);
    }
    return decode(id, fieldsOf(fields), unacked);
  }

  async end(id: string, epoch: number): Promise<ResumableStream | undefined> {
    const k = this.keys(id);
    const result = (await this.redis.run('smEnd', (c) => END.run(c, [k.record, k.unacked], [epoch, this.attachedTtlMs, this.expiredGraceMs]))) as [unknown, string[]] | null;
    if (!result) return undefined;
    const stream = decode(id, fieldsOf(result[0]), result[1]);
    // After the record (SM-IDs are never reused, so nothing writes this pointer again). Best effort.
    await this.redis.run('smEnd', (c) => c.hDel(this.indexOf(stream.node), id)).catch(() => undefined);
    return stream;
  }

  async ofNode(node: string): Promise<ResumableStream[]> {
    const index = this.indexOf(node);
    const pointers = await this.redis.run('smOfNode', (c) => c.hGetAll(index));
    const ids = Object.keys(pointers).sort();
    if (ids.length === 0) return [];
    // Every record's hash and list, sent together (node-redis pipelines them on the connection). Not
    // one pipeline object: each stream is in its SM-ID's slot, and a Cluster client sends a whole
    // pipeline to the primary of its first key. Not one snapshot: a stream written meanwhile may
    // show a list one write ahead of its counters.
    const replies = await this.redis.run('smOfNode', (c) =>
      Promise.all(ids.flatMap((id) => [c.hGetAll(this.keys(id).record) as Promise<unknown>, c.lRange(this.keys(id).unacked, 0, -1) as Promise<unknown>])),
    );
    const out: ResumableStream[] = [];
    const stale: string[] = [];
    ids.forEach((id, i) => {
      const fields = fieldsOf(replies[2 * i]);
      if (fields.node === node) out.push(decode(id, fields, replies[2 * i + 1] as unknown as string[]));
      else stale.push(id);
    });
    if (stale.length > 0) {
      // Only pointers older than staleIndexMs: a younger one may be a create or a claim between its steps.
      await this.redis.run('smOfNode', (c) => INDEX_PRUNE.run(c, [index], [this.staleIndexMs, ...stale])).catch(() => undefined);
    }
    return out;
  }

  private async write(operation: string, lua: LuaScript, id: string, epoch: number, args: ReadonlyArray<string | number>): Promise<boolean> {
    const k = this.keys(id);
    return (await this.redis.run(operation, (c) => lua.run(c, [k.record, k.unacked], [epoch, this.attachedTtlMs, this.expiredGraceMs, ...args]))) === 1;
  }
}
