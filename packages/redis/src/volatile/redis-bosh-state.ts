// BoshStateStore on Redis: BOSH sessions another node can continue (issue "Failover"). Same
// contract as core's MemoryBoshStateStore (@deskchat/testing boshStateContract).
//
// Keys, all of one session in the slot `{bosh:<sid>}` (see keys.ts): the record (JSON, with the
// outbox's sequence counter), the outbox (hash seq → stanza) and the unacknowledged responses (hash
// rid → JSON). Every change of one session is one Lua script, so "the response is recorded and its
// stanzas leave the outbox" is one step. The node's index of its sessions (`node:{n}:bosh`, a set)
// is in the node's slot: written before the record on save (a crash leaves an index entry pointing
// to nothing, which readers skip), moved after the record on claim, removed after it on remove.
import type { BoshOutboxEntry, BoshProgress, BoshResponseRecord, BoshState, BoshStateRecord, BoshStateStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: record, outbox. ARGV: stanzas. Returns their seqs, or {} when the session is gone.
const APPEND = new LuaScript(
  'bosh-append',
  `local raw = redis.call('GET', KEYS[1])
if not raw then return {} end
local record = cjson.decode(raw)
local seq = tonumber(record.lastSeq or 0)
local seqs = {}
for i = 1, #ARGV do
  seq = seq + 1
  redis.call('HSET', KEYS[2], seq, ARGV[i])
  seqs[i] = seq
end
record.lastSeq = seq
redis.call('SET', KEYS[1], cjson.encode(record))
return seqs`,
);

// KEYS: record. ARGV: progress JSON. Merges progress into the record.
const PROGRESS = new LuaScript(
  'bosh-progress',
  `local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local record = cjson.decode(raw)
for k, v in pairs(cjson.decode(ARGV[1])) do record[k] = v end
redis.call('SET', KEYS[1], cjson.encode(record))
return 1`,
);

// KEYS: record, outbox, responses. ARGV: rid, response JSON, progress JSON, window size, seqs...
const RESPONDED = new LuaScript(
  'bosh-responded',
  `local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
for i = 5, #ARGV do redis.call('HDEL', KEYS[2], ARGV[i]) end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
local rids = redis.call('HKEYS', KEYS[3])
local keep = tonumber(ARGV[4])
if #rids > keep then
  local numbers = {}
  for i = 1, #rids do numbers[i] = tonumber(rids[i]) end
  table.sort(numbers)
  for i = 1, #numbers - keep do redis.call('HDEL', KEYS[3], tostring(numbers[i])) end
end
local record = cjson.decode(raw)
for k, v in pairs(cjson.decode(ARGV[3])) do record[k] = v end
redis.call('SET', KEYS[1], cjson.encode(record))
return 1`,
);

// KEYS: responses. ARGV: rid. Drops responses up to rid.
const ACKNOWLEDGE = new LuaScript(
  'bosh-acknowledge',
  `local rids = redis.call('HKEYS', KEYS[1])
local limit = tonumber(ARGV[1])
for i = 1, #rids do if tonumber(rids[i]) <= limit then redis.call('HDEL', KEYS[1], rids[i]) end end
return 1`,
);

// KEYS: record. ARGV: from, to. Returns 1 when moved.
const CLAIM = new LuaScript(
  'bosh-claim',
  `local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local record = cjson.decode(raw)
if record.node ~= ARGV[1] then return 0 end
record.node = ARGV[2]
redis.call('SET', KEYS[1], cjson.encode(record))
return 1`,
);

type StoredRecord = BoshStateRecord & { lastSeq?: number };

/** cjson writes an empty object for an absent optional string; keep records as the contract has them. */
function readRecord(raw: string): BoshStateRecord {
  const { lastSeq: _lastSeq, ...record } = JSON.parse(raw) as StoredRecord;
  return record;
}

export class RedisBoshStateStore implements BoshStateStore {
  constructor(private readonly redis: RedisConnection) {}

  private keys(sid: string) {
    return this.redis.keys.bosh(sid);
  }

  async save(record: BoshStateRecord): Promise<void> {
    const k = this.keys(record.sid);
    await this.redis.run('boshSave', (c) => c.sAdd(this.redis.keys.node(record.node).bosh, record.sid));
    // Keep the outbox counter of a record saved again.
    const current = await this.redis.run('boshSave', (c) => c.get(k.record));
    const lastSeq = current ? ((JSON.parse(current) as StoredRecord).lastSeq ?? 0) : 0;
    await this.redis.run('boshSave', (c) => c.set(k.record, JSON.stringify({ ...record, lastSeq })));
  }

  async load(sid: string): Promise<BoshState | undefined> {
    const k = this.keys(sid);
    const [raw, outbox, responses] = await this.redis.run('boshLoad', (c) => c.multi().get(k.record).hGetAll(k.outbox).hGetAll(k.responses).exec());
    if (raw == null) return undefined;
    return {
      record: readRecord(raw as unknown as string),
      outbox: Object.entries(outbox as unknown as Record<string, string>)
        .map(([seq, xml]) => ({ seq: Number(seq), xml }))
        .sort((a, b) => a.seq - b.seq),
      responses: Object.entries(responses as unknown as Record<string, string>)
        .map(([rid, json]) => ({ rid: Number(rid), ...(JSON.parse(json) as { body: string; sentAt: number }) }))
        .sort((a, b) => a.rid - b.rid),
    };
  }

  async append(sid: string, xml: string[]): Promise<number[]> {
    const k = this.keys(sid);
    const seqs = (await this.redis.run('boshAppend', (c) => APPEND.run(c, [k.record, k.outbox], xml))) as number[];
    return seqs.map(Number);
  }

  async outboxAfter(sid: string, seq: number): Promise<BoshOutboxEntry[]> {
    const all = await this.redis.run('boshOutbox', (c) => c.hGetAll(this.keys(sid).outbox));
    return Object.entries(all)
      .map(([s, xml]) => ({ seq: Number(s), xml }))
      .filter((e) => e.seq > seq)
      .sort((a, b) => a.seq - b.seq);
  }

  async received(sid: string, progress: BoshProgress): Promise<void> {
    await this.redis.run('boshReceived', (c) => PROGRESS.run(c, [this.keys(sid).record], [JSON.stringify(progress)]));
  }

  async responded(sid: string, response: BoshResponseRecord, seqs: number[], progress: BoshProgress): Promise<void> {
    const k = this.keys(sid);
    const current = await this.redis.run('boshResponded', (c) => c.get(k.record));
    const window = current ? (JSON.parse(current) as StoredRecord).params.requests + 1 : 2;
    await this.redis.run('boshResponded', (c) =>
      RESPONDED.run(c, [k.record, k.outbox, k.responses], [String(response.rid), JSON.stringify({ body: response.body, sentAt: response.sentAt }), JSON.stringify(progress), String(window), ...seqs.map(String)]),
    );
  }

  async acknowledge(sid: string, rid: number): Promise<void> {
    await this.redis.run('boshAcknowledge', (c) => ACKNOWLEDGE.run(c, [this.keys(sid).responses], [String(rid)]));
  }

  async claim(sid: string, from: string, to: string): Promise<boolean> {
    const moved = (await this.redis.run('boshClaim', (c) => CLAIM.run(c, [this.keys(sid).record], [from, to]))) === 1;
    if (!moved) return false;
    await this.redis.run('boshClaim', (c) => c.sAdd(this.redis.keys.node(to).bosh, sid));
    await this.redis.run('boshClaim', (c) => c.sRem(this.redis.keys.node(from).bosh, sid)).catch(() => undefined);
    return true;
  }

  async remove(sid: string): Promise<void> {
    const k = this.keys(sid);
    const raw = await this.redis.run('boshRemove', (c) => c.get(k.record));
    await this.redis.run('boshRemove', (c) => c.del([k.record, k.outbox, k.responses]));
    if (raw) await this.redis.run('boshRemove', (c) => c.sRem(this.redis.keys.node((JSON.parse(raw) as StoredRecord).node).bosh, sid)).catch(() => undefined);
  }

  async sessionsOf(node: string): Promise<string[]> {
    const sids = await this.redis.run('boshSessionsOf', (c) => c.sMembers(this.redis.keys.node(node).bosh));
    const out: string[] = [];
    for (const sid of sids.sort()) {
      const raw = await this.redis.run('boshSessionsOf', (c) => c.get(this.keys(sid).record));
      if (raw && (JSON.parse(raw) as StoredRecord).node === node) out.push(sid);
    }
    return out;
  }
}
