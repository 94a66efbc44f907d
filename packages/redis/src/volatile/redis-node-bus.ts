// NodeBus on Redis (design.md §5, conventions §7, issue 9): one Redis Stream per node, so that
// messages wait for their node — a node that is down (crashed, stalled, cut off) finds them when it
// subscribes again, or the node taking over its duties `drain`s them and routes each again. Pub/sub
// would drop whatever is published while nobody listens; a stream per node also works unchanged on
// a Redis Cluster (each stream is one key in its node's slot). Same contract as core's MemoryNodeBus
// (@deskchat/testing coordinationContract), except that `publish` resolves once the message is
// appended, not once it is handled.
//
// Keys, in the node's slot:
// - `<P>node:{n}:bus`: stream, field `m` = the BusMessage JSON. XADD with `MAXLEN ~ maxLength` (a
//   node that stays away keeps only about the newest `maxLength`). The subscriber deletes (XDEL)
//   each entry once its handler has run, so what the stream holds is exactly what the node has
//   not processed (a crash between a handler and its XDEL delivers that entry again: at least once).
// - `<P>node:{n}:bus:listener`: string with a PX TTL, the subscriber's token, refreshed every third
//   of `listenerTtlMs`. `drain` is one Lua script that refuses (returns nothing) while it exists,
//   so a live node's messages are never taken from it; once a subscriber's process dies or stalls
//   for longer than the TTL, its stream can be drained. A subscriber that wakes up after its key
//   lapsed claims it again (and logs it: a takeover may have drained what it had not read yet); one
//   that finds another's token stops reading (a newer subscriber for the node took the stream).
//   Entries a reader had already received when it stalled may have been drained meanwhile: when the
//   key may have lapsed since they were read (more than half a TTL since it was last renewed, or a
//   renewal found it gone), the rest of the batch is checked, with the key claimed again, in one
//   script before any handler runs (entries gone are skipped). So a drained message is handled by
//   the drainer only — except one whose handler was already running when the node stalled, which
//   the stream still held (delivered at least once).
//
// Reading: XREAD BLOCK on a dedicated connection (RedisConnection.blockingClient: node-redis
// `duplicate()`, or a Sentinel client of its own behind Sentinel; a blocked connection can run
// nothing else), from the start of the stream — the backlog first, in order, before `subscribe`
// resolves — then each new entry as it is appended, one handler at a time, in order. The block
// time stays below the connection's socket timeout (a silent socket is dropped and reconnected).
// While Redis is away the reader retries with backoff; it never throws out of its loop. A read that
// neither answers nor fails within its block time plus a command's deadline (and `stuckMarginMs`)
// is stuck — seen behind Sentinel, a reader's client stayed on the killed primary — and its reader
// is replaced by a new connection.
//
// Health (`health()`, the node's /readyz): a subscription is reading while its loop makes progress
// — an XREAD answered (empty ones come every `blockMs`) or an entry handled — at least every two
// stuck deadlines; one that another subscriber took over has stopped reading for good. Either way
// this node no longer receives what other nodes send it, so it must not be sent clients.
import { randomBytes } from 'node:crypto';
import { silentLogger, type BusHandler, type BusMessage, type Logger, type NodeBus } from '@deskchat/core';
import { backoffDelay } from '../backoff.js';
import type { BlockingClient, RedisConnection } from '../connection.js';
import { RedisUnavailableError, isUnavailability } from '../errors.js';
import { LuaScript } from '../script.js';

// KEYS: stream, listener. ARGV: batch size. Returns false while a subscriber listens, else up to
// `batch` oldest entries ({id, {field, value…}}), deleted from the stream.
const DRAIN = new LuaScript(
  'bus-drain',
  `if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', ARGV[1])
for _, e in ipairs(entries) do redis.call('XDEL', KEYS[1], e[1]) end
return entries`,
);

// KEYS: listener. ARGV: token, ttlMs. 1: refreshed; 2: had lapsed, claimed again; 0: another subscriber's.
const REFRESH = new LuaScript(
  'bus-listener-refresh',
  `local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
if v ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
);

// KEYS: listener, stream. ARGV: token, ttlMs, entry ids. Claims the key (again) and says which of
// the entries are still there: {1 (the key was ours) or 2 (it had lapsed), ids…}; {-1} when another
// subscriber holds the key.
const CLAIM_ENTRIES = new LuaScript(
  'bus-claim-entries',
  `local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then return {-1} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local out = {v and 1 or 2}
for i = 3, #ARGV do
  if #redis.call('XRANGE', KEYS[2], ARGV[i], ARGV[i]) > 0 then table.insert(out, ARGV[i]) end
end
return out`,
);

// KEYS: listener. ARGV: token.
const UNLISTEN = new LuaScript(
  'bus-listener-release',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

export interface RedisNodeBusOptions {
  /** XADD MAXLEN ~ this: about how many messages wait for a node that is away (default 100,000, as MemoryNodeBus). */
  maxLength?: number;
  /** XREAD BLOCK time (default: 1 s, and below the connection's socket timeout). */
  blockMs?: number;
  /** Entries per XREAD (default 100). */
  batchSize?: number;
  /** The subscriber's liveness key lapses this long after its process stops refreshing it (default 3 s). */
  listenerTtlMs?: number;
  /** A read not answered within its block time, a command's deadline and this is stuck: its reader is replaced (default 1 s). */
  stuckMarginMs?: number;
  log?: Logger;
}

/** Whether the node's bus subscriptions are reading (the node's /readyz). */
export interface BusHealth {
  ok: boolean;
  detail?: string;
}

interface StreamEntry {
  id: string;
  message: Record<string, string>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class RedisNodeBus implements NodeBus {
  private readonly subscriptions = new Map<string, BusSubscription>();
  private readonly maxLength: number;
  private readonly log: Logger;
  readonly settings: Required<Omit<RedisNodeBusOptions, 'log' | 'maxLength'>>;

  constructor(
    private readonly redis: RedisConnection,
    options: RedisNodeBusOptions = {},
  ) {
    this.maxLength = options.maxLength ?? 100_000;
    this.log = (options.log ?? silentLogger).child({ component: 'redis-bus' });
    const socketTimeout = Math.max(3 * redis.options.healthCheckIntervalMs, 2 * redis.options.commandTimeoutMs);
    this.settings = {
      blockMs: Math.max(10, Math.min(options.blockMs ?? 1_000, Math.floor(socketTimeout / 2))),
      batchSize: options.batchSize ?? 100,
      listenerTtlMs: options.listenerTtlMs ?? 3_000,
      stuckMarginMs: options.stuckMarginMs ?? 1_000,
    };
  }

  async subscribe(node: string, handler: BusHandler): Promise<() => Promise<void>> {
    if (this.subscriptions.has(node)) throw new Error(`node '${node}' is already subscribed to the bus`);
    const subscription = new BusSubscription(this.redis, node, handler, this.settings, this.log.child({ node }));
    this.subscriptions.set(node, subscription);
    try {
      await subscription.start();
    } catch (err) {
      this.subscriptions.delete(node);
      await subscription.stop();
      throw err;
    }
    return async () => {
      await subscription.stop();
      if (this.subscriptions.get(node) === subscription) this.subscriptions.delete(node);
    };
  }

  async publish(node: string, message: BusMessage): Promise<void> {
    const key = this.redis.keys.node(node).bus;
    await this.redis.run('busPublish', (c) => c.xAdd(key, '*', { m: JSON.stringify(message) }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.maxLength } }));
  }

  async drain(node: string): Promise<BusMessage[]> {
    if (this.subscriptions.has(node)) return [];
    const k = this.redis.keys.node(node);
    const out: BusMessage[] = [];
    for (;;) {
      const reply = (await this.redis.run('busDrain', (c) => DRAIN.run(c, [k.bus, k.busListener], [1_000]))) as Array<[string, string[]]> | null;
      if (!reply || reply.length === 0) return out;
      for (const [id, fields] of reply) {
        const message = parse(fields[fields.indexOf('m') + 1]);
        if (message) out.push(message);
        else this.log.warn({ node, id }, 'dropping an unreadable bus message');
      }
    }
  }

  /** Reading: every subscription's loop made progress lately and none was taken over; not while there is none. */
  health(now = Date.now()): BusHealth {
    if (this.subscriptions.size === 0) return { ok: false, detail: 'not subscribed to its bus stream: messages from other nodes are not read' };
    for (const [node, subscription] of this.subscriptions) {
      const problem = subscription.problem(now);
      if (problem) return { ok: false, detail: `bus of ${node}: ${problem}` };
    }
    return { ok: true };
  }

  /** Stops every subscription of this handle (closes the blocking connections). */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
    this.subscriptions.clear();
  }
}

class BusSubscription {
  private readonly token = randomBytes(12).toString('base64url');
  private readonly keys: { bus: string; busListener: string };
  private reader: BlockingClient | undefined;
  private lastId = '0';
  /** When the last successful claim or renewal of the listener key was sent (Date.now()). */
  private claimedAt = 0;
  /** How many times the key was found lapsed (entries read before that must be checked). */
  private lapses = 0;
  private isStopping = false;
  private wasTakenOver = false;
  /** When the loop last made progress: an XREAD answered or an entry handled (Date.now()). */
  private progressAt = Date.now();
  private refreshTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private readonly acks = new Set<Promise<unknown>>();

  constructor(
    private readonly redis: RedisConnection,
    node: string,
    private readonly handler: BusHandler,
    private readonly settings: RedisNodeBus['settings'],
    private readonly log: Logger,
  ) {
    this.keys = redis.keys.node(node);
  }

  /** Claims the stream, delivers its backlog, then keeps reading in the background. */
  async start(): Promise<void> {
    if (!this.redis.isAvailable) throw new RedisUnavailableError(`busSubscribe: Redis at ${this.redis.url} is unavailable`);
    this.reader = await this.connectReader();
    this.claimedAt = Date.now();
    await this.redis.run('busSubscribe', (c) => c.set(this.keys.busListener, this.token, { PX: this.settings.listenerTtlMs }));
    this.refreshTimer = setInterval(() => void this.refresh(), Math.max(10, Math.floor(this.settings.listenerTtlMs / 3)));
    this.refreshTimer.unref();
    // The backlog: what the node had not processed when it went away.
    while ((await this.readOnce(undefined)) === this.settings.batchSize && !this.isStopping);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (this.isStopping) return this.loop;
    this.isStopping = true;
    clearInterval(this.refreshTimer);
    // Unblocks a pending XREAD (it rejects); a handler already running finishes first.
    if (this.reader?.isOpen) this.reader.destroy();
    await this.loop;
    await Promise.all([...this.acks]);
    await this.redis.run('busUnsubscribe', (c) => UNLISTEN.run(c, [this.keys.busListener], [this.token])).catch((err: unknown) => {
      // The key lapses with its TTL; until then a drain of this node returns nothing.
      this.log.warn({ err }, 'could not release the bus listener key');
    });
  }

  /** Why this subscription is not reading (undefined: it is). */
  problem(now: number): string | undefined {
    if (this.wasTakenOver) return "another subscriber took this node's bus stream: this one stopped reading";
    const silentMs = now - this.progressAt;
    // Two stuck deadlines: a reader replaced once (and reconnected at once) does not count.
    if (silentMs > 2 * this.stuckAfterMs(this.settings.blockMs)) return `no bus read has answered for ${Math.round(silentMs / 100) / 10} s: messages from other nodes are not arriving`;
    return undefined;
  }

  private stuckAfterMs(blockMs: number): number {
    return blockMs + this.redis.options.commandTimeoutMs + this.settings.stuckMarginMs;
  }

  private async connectReader(): Promise<BlockingClient> {
    const reader = this.redis.blockingClient('deskchat-bus');
    // Before connect(): without an 'error' listener node-redis throws the error and crashes the process.
    reader.on('error', (err: Error) => this.log.debug({ err: err.message }, 'bus reader connection error'));
    const ms = this.redis.options.connectTimeoutMs + this.redis.options.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        reader.connect(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new RedisUnavailableError(`busSubscribe: no connection to Redis at ${this.redis.url} within ${ms} ms`)), ms))),
      ]);
      return reader;
    } catch (err) {
      if (reader.isOpen) reader.destroy();
      throw err instanceof RedisUnavailableError ? err : new RedisUnavailableError(`busSubscribe: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.isStopping) {
      try {
        if (!this.reader) {
          const reader = await this.connectReader();
          if (this.isStopping) return void reader.destroy(); // stopped while it connected: stop() could not reach it
          this.reader = reader;
        }
        await this.readOnce(this.settings.blockMs);
        failures = 0;
      } catch (err) {
        if (this.isStopping) return;
        if (err instanceof ReaderStuckError) this.replaceReader(err.message);
        else if (isUnavailability(err)) this.log.debug({ err: (err as Error).message }, 'bus read failed; retrying');
        else this.log.error({ err }, 'bus read failed; retrying');
        await sleep(backoffDelay(failures++, { minDelayMs: 20, maxDelayMs: 1_000 }));
      }
    }
  }

  /**
   * Drops a reader whose XREAD neither answered nor failed in time, so that the loop connects a new
   * one. Seen behind Sentinel under load: after a primary was killed, one node's reader (its own
   * Sentinel client) stayed on a reconnect to the dead primary, and that node received nothing from
   * the bus while everything else had followed. Nothing it had read is lost: `lastId` moves only past
   * handled entries, and the new reader starts from there.
   */
  private replaceReader(why: string): void {
    this.log.warn({ reason: why }, 'the bus reader is stuck: connecting a new one');
    const stuck = this.reader;
    this.reader = undefined;
    if (stuck?.isOpen) stuck.destroy();
  }

  /** One XREAD (blocking for `blockMs`, or not at all), its entries handled in order; how many it read. */
  private async readOnce(blockMs: number | undefined): Promise<number> {
    const lapsesBefore = this.lapses;
    const read = this.reader!.xRead({ key: this.keys.bus, id: this.lastId }, { COUNT: this.settings.batchSize, ...(blockMs !== undefined ? { BLOCK: blockMs } : {}) });
    const reply = (await this.withinDeadline(read, blockMs ?? 0)) as Array<{ messages: StreamEntry[] }> | null;
    this.progressAt = Date.now();
    const entries = reply?.[0]?.messages ?? [];
    let lapses = lapsesBefore;
    let present: Set<string> | undefined;
    for (const [i, entry] of entries.entries()) {
      if (this.isStopping) break; // left in the stream: the next subscriber gets it
      if (this.lapses !== lapses || Date.now() - this.claimedAt > this.settings.listenerTtlMs / 2) {
        present = await this.claimEntries(entries.slice(i).map((e) => e.id));
        lapses = this.lapses;
        if (this.isStopping) break;
      }
      if (!present || present.has(entry.id)) await this.handle(entry);
      else this.log.warn({ id: entry.id }, 'a bus message this node had read before it stalled was drained by a takeover meanwhile: not handled here');
      this.lastId = entry.id;
      this.progressAt = Date.now();
    }
    return entries.length;
  }

  /** The read's answer, or ReaderStuckError once it is later than its block time plus a command's deadline. */
  private async withinDeadline<T>(read: Promise<T>, blockMs: number): Promise<T> {
    const ms = this.stuckAfterMs(blockMs);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([read, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ReaderStuckError(`no answer to XREAD within ${ms} ms`)), ms)))]);
    } finally {
      clearTimeout(timer);
      read.catch(() => undefined); // a stuck read rejects when its client is destroyed
    }
  }

  /** After a possible lapse of the listener key: claims it again and returns which of `ids` were not drained meanwhile. */
  private async claimEntries(ids: string[]): Promise<Set<string>> {
    const sentAt = Date.now();
    const reply = (await this.redis.run('busClaim', (c) => CLAIM_ENTRIES.run(c, [this.keys.busListener, this.keys.bus], [this.token, this.settings.listenerTtlMs, ...ids]))) as [number, ...string[]];
    if (reply[0] === -1) {
      this.takenOver();
      return new Set();
    }
    if (reply[0] === 2) this.lapses++;
    this.claimedAt = sentAt;
    return new Set(reply.slice(1) as string[]);
  }

  private takenOver(): void {
    if (this.isStopping) return;
    this.log.warn({}, "another subscriber took this node's bus stream: this one stops reading");
    this.isStopping = true;
    this.wasTakenOver = true;
    clearInterval(this.refreshTimer);
    if (this.reader?.isOpen) this.reader.destroy();
  }

  private async handle(entry: StreamEntry): Promise<void> {
    const message = parse(entry.message.m);
    if (!message) this.log.warn({ id: entry.id }, 'dropping an unreadable bus message');
    else {
      try {
        await this.handler(message);
      } catch (err) {
        // A handler bug must not wedge the node's bus on one message.
        this.log.error({ err, id: entry.id }, 'bus handler failed');
      }
    }
    // Handled: out of the stream. Not awaited before the next handler (commands keep their order).
    const ack = this.redis
      .run('busAck', (c) => c.xDel(this.keys.bus, entry.id))
      .catch((err: unknown) => this.log.debug({ err, id: entry.id }, 'bus entry handled but not deleted (delivered again at the next subscribe)'))
      .finally(() => this.acks.delete(ack));
    this.acks.add(ack);
  }

  private async refresh(): Promise<void> {
    if (this.isStopping) return;
    try {
      const sentAt = Date.now();
      const state = await this.redis.run('busListener', (c) => REFRESH.run(c, [this.keys.busListener], [this.token, this.settings.listenerTtlMs]));
      if (state === 0) return this.takenOver();
      this.claimedAt = Math.max(this.claimedAt, sentAt);
      if (state === 2) this.lapses++;
      if (state === 2) this.log.warn({}, 'the bus listener key had lapsed (this process stalled or lost Redis for longer than its TTL): a takeover may have drained messages meanwhile');
    } catch {
      // Redis away: the key may lapse, and a takeover may drain; the loop goes on when Redis returns.
    }
  }
}

class ReaderStuckError extends RedisUnavailableError {}

function parse(value: string | undefined): BusMessage | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as BusMessage;
  } catch {
    return undefined;
  }
}
