// One Redis connection per node (node-redis), shared by every store, with the behaviour issue 8 §8
// asks for:
// - At start, `connectRedis` keeps trying for `startTimeoutMs`, then throws RedisConnectError with
//   a message the server prints before exiting 1 (a refused password or certificate fails at once).
// - While running, losing Redis never crashes the node: node-redis's 'error' events are always
//   listened to, commands are not queued while disconnected (`disableOfflineQueue`), so a store
//   call fails at once with RedisUnavailableError instead of hanging; node-redis reconnects with
//   backoff and the stores work again when Redis returns.
// - A Redis that keeps the socket open but stops answering (SIGSTOP, a partition) is noticed by a
//   health PING every `healthCheckIntervalMs`; until one is answered again, calls fail fast. Every
//   call also has its own deadline (`commandTimeoutMs`). With nothing else written, the socket then
//   goes idle and node-redis's `socketTimeout` drops it and reconnects, so a dead peer is not
//   waited on for the minutes TCP would take.
// - Every call is measured here and nowhere else (core's metrics port, issue 11 "Redis latency and
//   errors"): its duration by operation (the `what` each store names: a fixed set) and its failures
//   by operation and kind. The node bus's blocking reads have their own connection and are not
//   calls, so they do not skew the latencies.
// - Or through Redis Sentinel (issue 14, `options.sentinel`): node-redis's own Sentinel client
//   (sentinel-link.ts) finds the primary and follows a promotion by itself; `run` then hands the
//   store the client of the primary it currently knows, so every store works unchanged.
// - Or on a sharded Redis Cluster (issue 14, `options.cluster`): node-redis's cluster client
//   (cluster-link.ts) routes each command, MULTI and script by its first key to the primary owning
//   its slot. So stores are handed `RedisCommands`, the union of a single client and a cluster
//   client: the commands both have, typed by node-redis for each. What must reach every primary
//   rather than the owner of a key (SCAN, INFO, FLUSHALL in tests, the health PING) goes through
//   `runOnPrimaries`, which gets one plain client per primary (one with a single server or Sentinel).
import { EventEmitter } from 'node:events';
import { createClient, type RedisClientType, type RedisClusterType } from 'redis';
import { noopMetrics, silentLogger, type Counter, type Histogram, type Logger, type Metrics } from '@deskchat/core';
import { backoffDelay } from './backoff.js';
import { RedisConnectError, RedisUnavailableError, isErrorLike, isUnavailability } from './errors.js';
import { KeySpace } from './keys.js';
import { parseEndpoint, redactUrl, type RedisOptions } from './options.js';
import { connectCluster } from './cluster-link.js';
import { connectSentinel } from './sentinel-link.js';

/** A connection to one Redis server (the single server, the primary behind Sentinel, one primary of a Cluster). */
export type RedisClient = RedisClientType;
/** node-redis's Redis Cluster client: each command goes to the primary owning its first key's slot. */
export type RedisClusterClient = RedisClusterType;
/**
 * What a store call is given: a single server's client or a cluster client (run time says which).
 * Only commands both route correctly may be used: every key of one command, MULTI or script in one
 * slot (keys.ts); nothing that addresses "the server" (SCAN, INFO, FLUSHALL…: `runOnPrimaries`).
 */
export type RedisCommands = RedisClient | RedisClusterClient;

/** What the node bus needs for its blocking reads: a connection of its own (not yet connected). */
export interface BlockingClient {
  xRead: RedisCommands['xRead'];
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  destroy(): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** How a RedisConnection reaches Redis: one node-redis client (the default), Sentinel (sentinel-link.ts) or a Cluster (cluster-link.ts). */
export interface RedisLink {
  /** Runs `fn` on the client that routes commands to the primary (the one primary, or the cluster client). */
  execute<T>(fn: (client: RedisCommands) => Promise<T>): Promise<T>;
  /** Runs `fn` on a client of each primary, in parallel (one result per primary). */
  onPrimaries<T>(fn: (client: RedisClient) => Promise<T>): Promise<T[]>;
  /** Whether the client (or the cluster client) is connected; a hung server is for the health PING to find. */
  readonly isReady: boolean;
  /** A new connection for blocking reads, following the primary as this one does. */
  blocking(name: string): BlockingClient;
  /** Closes gracefully, or drops the connection after `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * A second connection to the primary, for durable writes and their `WAIT` (which blocks the
 * connection that sends it: on the main one it would hold back heartbeats, bus reads and sign-ins).
 * Made by the link's owner when `waitReplicas` > 0; it follows the primary as the main one does.
 */
export interface DurableLink {
  execute<T>(fn: (client: RedisClient) => Promise<T>): Promise<T>;
  close(timeoutMs: number): Promise<void>;
}

export interface RedisConnectionEvents {
  /** Redis stopped answering; `reason` is for the log. Store calls fail until 'available'. */
  unavailable: [reason: string];
  available: [];
}

/** deskchat_redis_command_seconds: from well under a millisecond (loopback) to the command deadline. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class RedisConnection extends EventEmitter<RedisConnectionEvents> {
  readonly keys: KeySpace;
  /** The URL without its password, for messages. */
  readonly url: string;
  private isUp = true;
  private reason = '';
  private isPinging = false;
  private isClosed = false;
  private readonly healthTimer: NodeJS.Timeout;
  private readonly latency: Histogram;
  private readonly failures: Counter;
  private readonly unreplicated: Counter;
  /** After a WAIT that timed out: durable writes skip WAIT until then (a dead replica must not slow every write). */
  private skipWaitUntil = 0;

  /**
   * Use `connectRedis`. `client` is for tests and rate-limiter-flexible (which routes each of its
   * single-key steps itself): stores go through `run`.
   */
  constructor(
    readonly client: RedisCommands,
    readonly options: RedisOptions,
    private readonly log: Logger,
    events: ClientEvents,
    private readonly link: RedisLink,
    metrics: Metrics = noopMetrics,
    private readonly durable?: DurableLink,
    /** The connection `runCached` reads through: `connectRedis` makes it on a single server. */
    private readonly cached?: RedisClient,
  ) {
    super();
    this.unreplicated = metrics.counter({
      name: 'deskchat_redis_unreplicated_writes_total',
      help: 'Durable writes acknowledged before cluster.redisWaitReplicas replicas had them (WAIT timed out, or was skipped just after one did): lost if the primary dies before they replicate',
    });
    this.latency = metrics.histogram({ name: 'deskchat_redis_command_seconds', help: 'Duration of each store call on Redis (one command, pipeline or script, RedisConnection.run), by operation', labelNames: ['operation'], buckets: LATENCY_BUCKETS });
    this.failures = metrics.counter({
      name: 'deskchat_redis_errors_total',
      help: 'Store calls on Redis that failed, by operation and kind (unavailable: refused at once while Redis is down; timeout: no reply within the deadline; connection: the connection broke; error: an error reply)',
      labelNames: ['operation', 'kind'],
    });
    this.keys = new KeySpace(options.keyPrefix);
    this.url = redactUrl(options.url);
    events.error = (err) => this.markDown(describe(err));
    events.ready = () => this.markUp();
    this.healthTimer = setInterval(() => void this.checkHealth(), options.healthCheckIntervalMs);
    this.healthTimer.unref();
  }

  /** False from the moment Redis is seen gone or hung until it answers again. */
  get isAvailable(): boolean {
    return this.isUp && this.link.isReady;
  }

  /**
   * Runs one store operation. Fails with RedisUnavailableError at once while Redis is unavailable,
   * and after `commandTimeoutMs` (or `options.timeoutMs`, for bulk work) without a reply; other
   * errors (bugs) propagate unchanged.
   */
  async run<T>(what: string, operation: (client: RedisCommands) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    return this.measured(what, options, (guard) => this.link.execute((client) => guard(() => operation(client))));
  }

  /**
   * Runs a read whose reply may come from this node's copy (node-redis's RESP3 client-side cache on
   * a connection of its own: Redis's CLIENT TRACKING says which keys changed, and a reply that an
   * invalidation overtook is not kept). A copy lags the server by the time an invalidation takes
   * to arrive; a key this node writes is dropped from it by `forgetCached`. Without that connection
   * (Sentinel, a Cluster, or while it reconnects) the read goes to Redis as `run` does.
   */
  async runCached<T>(what: string, operation: (client: RedisCommands) => Promise<T>): Promise<T> {
    const cached = this.cached;
    if (!cached?.isReady) return this.run(what, operation);
    return this.measured(what, {}, (guard) => guard(() => operation(cached)));
  }

  /** Drops this node's copy of a key it has just written (or is writing), so that its own later reads do not wait for Redis's invalidation. */
  forgetCached(key: string): void {
    this.cached?.clientSideCache?.invalidate(key);
  }

  /**
   * Runs a durable write: one the caller acknowledges to a client (an offline message stored, a
   * roster change, an account). With `waitReplicas` > 0 it runs on the durable connection and then
   * waits (`WAIT`, at most `waitTimeoutMs`) until that many replicas have it, so that a replica
   * Sentinel promotes after the primary dies has every acknowledged write. A WAIT that times out
   * (no replica, or one lagging) does not fail the write (the primary has it, and refusing writes
   * whenever a replica is down would undo the point of having one): it is counted
   * (deskchat_redis_unreplicated_writes_total), logged, and the next second's durable writes skip WAIT.
   */
  async runDurable<T>(what: string, operation: (client: RedisCommands) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    const durable = this.durable;
    if (!durable || this.options.waitReplicas === 0) return this.run(what, operation, options);
    return this.measured(what, options, (guard) =>
      durable.execute((client) =>
        guard(async () => {
          const result = await operation(client);
          await this.waitForReplicas(what, client);
          return result;
        }),
      ),
    );
  }

  private async waitForReplicas(what: string, client: RedisClient): Promise<void> {
    const { waitReplicas, waitTimeoutMs } = this.options;
    if (Date.now() < this.skipWaitUntil) {
      this.unreplicated.inc();
      return;
    }
    const acknowledged = await client.wait(waitReplicas, waitTimeoutMs);
    if (acknowledged >= waitReplicas) return;
    this.unreplicated.inc();
    this.skipWaitUntil = Date.now() + 1000;
    this.log.warn({ redis: this.url, operation: what, replicas: acknowledged, wanted: waitReplicas, waitTimeoutMs }, 'redis: a durable write was acknowledged before its replicas had it (WAIT timed out); durable writes skip WAIT for 1 s');
  }

  /**
   * Runs `operation` on every primary (one server: once; a Cluster: each primary, in parallel),
   * for what addresses the server rather than a key: SCAN for maintenance, INFO/CONFIG GET, FLUSHALL
   * in tests. Same deadline and failures as `run`; one result per primary.
   */
  async runOnPrimaries<T>(what: string, operation: (client: RedisClient) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T[]> {
    return this.measured(what, options, (guard) => this.link.onPrimaries((client) => guard(() => operation(client))));
  }

  private async measured<T>(what: string, options: { timeoutMs?: number }, call: (guard: <U>(op: () => Promise<U>) => Promise<U>) => Promise<T>): Promise<T> {
    if (this.isClosed || !this.isAvailable) {
      this.failures.inc({ operation: what, kind: 'unavailable' });
      throw new RedisUnavailableError(this.isClosed ? `${what}: the Redis connection is closed` : `${what}: Redis at ${this.url} is unavailable (${this.reason || 'reconnecting'})`);
    }
    const ms = options.timeoutMs ?? this.options.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let isAbandoned = false;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        isAbandoned = true;
        reject(new RedisUnavailableError(`${what}: no reply from Redis at ${this.url} within ${ms} ms`));
      }, ms);
    });
    // Behind Sentinel, node-redis waits for the new primary and then runs the operation: never once
    // the caller has been told it failed (a write reported as failed must not happen later).
    const guard = <U>(op: () => Promise<U>): Promise<U> => (isAbandoned ? Promise.reject(new RedisUnavailableError(`${what}: abandoned after ${ms} ms`)) : op());
    const started = performance.now();
    try {
      return await Promise.race([call(guard), deadline]);
    } catch (err) {
      if (err instanceof RedisUnavailableError) {
        this.failures.inc({ operation: what, kind: 'timeout' });
        void this.checkHealth(); // a silent server: find out now rather than at the next tick
        throw err;
      }
      if (isUnavailability(err)) {
        this.failures.inc({ operation: what, kind: 'connection' });
        throw new RedisUnavailableError(`${what}: ${describe(err)}`, { cause: err });
      }
      this.failures.inc({ operation: what, kind: 'error' });
      throw err;
    } finally {
      clearTimeout(timer);
      this.latency.observe((performance.now() - started) / 1000, { operation: what });
    }
  }

  /** Closes the connection (QUIT, or drop it when Redis does not answer); later calls fail. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.healthTimer);
    await Promise.all([
      this.link.close(this.options.commandTimeoutMs),
      this.durable?.close(this.options.commandTimeoutMs),
      this.cached?.isOpen ? closeWithin(this.options.commandTimeoutMs, this.cached) : undefined,
    ]);
  }

  /** A connection of its own for blocking reads (the node bus's XREAD BLOCK); connect it, destroy it when done. */
  blockingClient(name: string): BlockingClient {
    return this.link.blocking(name);
  }

  /** Called by the Sentinel and Cluster links: the primary (or the slot map) changed (the old one's failures are over). */
  primaryChanged(): void {
    void this.checkHealth();
  }

  private async checkHealth(): Promise<void> {
    // One PING at a time: a PING that hangs is itself the news (it resolves when the server wakes up).
    if (this.isPinging || this.isClosed || !this.link.isReady) return;
    this.isPinging = true;
    let timer: NodeJS.Timeout | undefined;
    // Every primary: on a Cluster, one shard that stopped answering makes the connection unavailable
    // (its users' calls would fail anyway; failing all fast is the behaviour the stores know).
    const ping = this.link.onPrimaries((c) => c.ping());
    try {
      await Promise.race([
        ping,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no PONG within ${this.options.commandTimeoutMs} ms`)), this.options.commandTimeoutMs))),
      ]);
      this.markUp();
    } catch (err) {
      this.markDown(describe(err));
      // Keep the flag until this PING settles, so that a hung server gets no second one.
      await ping.then(() => this.markUp(), () => undefined);
    } finally {
      clearTimeout(timer);
      this.isPinging = false;
    }
  }

  private markDown(reason: string): void {
    if (this.isClosed) return;
    if (!this.isUp) {
      this.log.debug({ err: reason }, 'redis still unavailable');
      return;
    }
    this.isUp = false;
    this.reason = reason;
    this.log.warn({ redis: this.url, err: reason }, 'redis unavailable: store calls fail until it answers again; reconnecting with backoff');
    this.emit('unavailable', reason);
  }

  private markUp(): void {
    if (this.isUp || this.isClosed || !this.link.isReady) return;
    this.isUp = true;
    this.log.info({ redis: this.url }, 'redis available again');
    this.emit('available');
  }
}

export interface ConnectRedisDeps {
  log?: Logger;
  /** Where each call's latency and failures are counted (the node's /metrics); nothing by default. */
  metrics?: Metrics;
}

/**
 * Connects to Redis, trying for `options.startTimeoutMs`. Throws RedisConnectError with a message
 * meant for the operator when Redis cannot be reached in that time or refuses the credentials.
 */
export async function connectRedis(options: RedisOptions, deps: ConnectRedisDeps = {}): Promise<RedisConnection> {
  const log = (deps.log ?? silentLogger).child({ component: 'redis' });
  if (options.sentinel) return connectSentinel(options, options.sentinel, log, deps.metrics);
  if (options.cluster) return connectCluster(options, options.cluster, log, deps.metrics);
  const endpoint = parseEndpoint(options.url, options.password);
  const url = redactUrl(options.url);
  const startedAt = Date.now();
  let hasConnected = false;
  let lastError: unknown;
  // Long enough that the health PINGs keep a working socket busy; short enough to drop a dead one.
  const socketTimeout = Math.max(3 * options.healthCheckIntervalMs, 2 * options.commandTimeoutMs);
  const reconnectStrategy = (retries: number, cause: Error): number | Error => {
    lastError = cause;
    if (hasConnected) return backoffDelay(retries, options.reconnect);
    const remaining = options.startTimeoutMs - (Date.now() - startedAt);
    // A new Error made here: node-redis tests `instanceof Error`, which a socket error from another
    // realm (node core inside jest's VM) fails, and it would then be taken for a delay.
    if (isCredentialError(cause) || isCertificateError(cause) || remaining <= 0) return new Error(describe(cause), { cause });
    // The last wait of the start window ends with it, so that giving up is not late by a whole backoff step.
    return Math.min(backoffDelay(retries, options.reconnect), remaining);
  };
  const common = { host: endpoint.host, port: endpoint.port, connectTimeout: options.connectTimeoutMs, socketTimeout, keepAlive: true, reconnectStrategy };
  const client: RedisClient = createClient({
    socket: endpoint.isTls
      ? { ...common, ...tlsSocket(options, endpoint.host) }
      : { ...common, tls: false as const },
    ...(endpoint.username ? { username: endpoint.username } : {}),
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
    database: endpoint.database,
    disableOfflineQueue: true,
    name: 'deskchat',
  }) as RedisClient;
  // Before connect(): a client without an 'error' listener throws the error and crashes the process.
  // Listeners are attached once and never removed (node-redis's client object is a proxy, on
  // which `off` does not reach the emitter); what they call is switched instead.
  const events: ClientEvents = {
    error: (err) => {
      lastError = err;
      log.debug({ err: describe(err) }, 'redis connection attempt failed');
    },
    ready: () => undefined,
  };
  client.on('error', (err: Error) => events.error(err));
  client.on('ready', () => events.ready());
  try {
    await client.connect();
  } catch (err) {
    if (client.isOpen) client.destroy();
    const cause = lastError ?? err;
    const why = isCredentialError(cause)
      ? `refused the credentials (${describe(cause)}); check the password in the URL or cluster.redis.password`
      : isCertificateError(cause)
        ? `presented a certificate this node does not trust (${describe(cause)}); check cluster.redis.tls`
        : `is unreachable (${describe(cause)}) after ${Math.round((Date.now() - startedAt) / 100) / 10} s`;
    throw new RedisConnectError(`Redis at ${url} ${why}`, url, { cause });
  }
  hasConnected = true;
  log.info({ redis: url, keyPrefix: options.keyPrefix }, 'connected to redis');
  const durable =
    options.waitReplicas > 0
      ? await plainDurableLink(client, log).catch((err: unknown) => {
          client.destroy();
          throw new RedisConnectError(`Redis at ${url} refused the durable-write connection (${describe(err)})`, url, { cause: err });
        })
      : undefined;
  const cached = await cachedReadClient(client, log, options.connectTimeoutMs);
  return new RedisConnection(client, options, log, events, plainLink(client), deps.metrics, durable, cached);
}

/** Entries node-redis keeps on the cached connection (least recently used go first): one per user read. */
const CACHED_ENTRIES = 50_000;

/**
 * The connection for `runCached`: a duplicate of the main client in RESP3 with client-side caching
 * (node-redis turns CLIENT TRACKING on at every connect and empties the copy whenever the
 * connection breaks, since invalidations sent meanwhile are lost). A server that refuses it (no
 * RESP3 before Redis 6, an ACL without CLIENT) leaves every read on the main connection.
 */
async function cachedReadClient(main: RedisClient, log: Logger, timeoutMs: number): Promise<RedisClient | undefined> {
  const client = main.duplicate({ name: 'deskchat-cached', RESP: 3, clientSideCache: { ttl: 0, maxEntries: CACHED_ENTRIES, evictPolicy: 'LRU' } }) as unknown as RedisClient;
  let lastError: unknown;
  client.on('error', (err: Error) => {
    lastError = err;
    log.debug({ err: describe(err) }, 'redis cached-read connection error');
  });
  // The main client's reconnection strategy, which it inherits, retries a refused handshake for
  // ever once the node has connected: give up after one connect timeout instead.
  let timer: NodeJS.Timeout | undefined;
  const connected = client.connect().then(
    () => true,
    (err: unknown) => ((lastError = err), false),
  );
  const isConnected = await Promise.race([connected, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
  clearTimeout(timer);
  if (isConnected) return client;
  if (client.isOpen) client.destroy();
  log.warn({ err: lastError === undefined ? `no connection within ${timeoutMs} ms` : describe(lastError) }, 'redis: no client-side cache (a RESP3 connection with CLIENT TRACKING was refused); every read goes to Redis');
  return undefined;
}

/** The durable connection to a single server: a duplicate of the main client (same options and reconnection). */
async function plainDurableLink(main: RedisClient, log: Logger): Promise<DurableLink> {
  const client = main.duplicate({ name: 'deskchat-durable' }) as RedisClient;
  // Its failures surface as the durable calls' errors; the main connection's health decides availability.
  client.on('error', (err: Error) => log.debug({ err: describe(err) }, 'redis durable connection error'));
  await client.connect();
  return {
    execute: (fn) => fn(client),
    close: (timeoutMs) => (client.isOpen ? closeWithin(timeoutMs, client) : Promise.resolve()),
  };
}

/** One node-redis client: commands on it, `duplicate()` for blocking reads. */
function plainLink(client: RedisClient): RedisLink {
  return {
    execute: (fn) => fn(client),
    onPrimaries: async (fn) => [await fn(client)],
    get isReady() {
      return client.isReady;
    },
    blocking: (name) => client.duplicate({ name }) as RedisClient,
    async close(timeoutMs) {
      if (!client.isOpen) return;
      if (!client.isReady) {
        client.destroy();
        return;
      }
      await closeWithin(timeoutMs, client);
    },
  };
}

/** Closes gracefully (pending replies first), or drops the connection when that takes longer than `timeoutMs`; for every link. */
export async function closeWithin(timeoutMs: number, client: { readonly isOpen: boolean; close(): Promise<unknown>; destroy(): unknown }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const tooLong = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([client.close().catch(() => undefined), tooLong]);
  clearTimeout(timer);
  if (client.isOpen) await Promise.resolve(client.destroy()).catch(() => undefined);
}

/** What the client's 'error' and 'ready' listeners call: the start-up handlers, then the connection's. */
export interface ClientEvents {
  error(err: Error): void;
  ready(): void;
}

/** The socket options of a TLS connection to `host` (servername for SNI and the name check). */
export function tlsSocket(options: RedisOptions, host?: string): { tls: true; rejectUnauthorized: boolean; ca?: string; servername?: string } {
  return { tls: true, rejectUnauthorized: options.tls.rejectUnauthorized, ...(options.tls.ca ? { ca: options.tls.ca } : {}), ...(host ? { servername: host } : {}) };
}

/** A certificate problem is a setting to fix, not an outage to wait out (node's TLS error codes). */
export function isCertificateError(err: unknown): boolean {
  const code = isErrorLike(err) ? (err as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
}

export function isCredentialError(err: unknown): boolean {
  return isErrorLike(err) && /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid password|invalid username-password/i.test(err.message);
}

/** A short description of a node-redis error for logs and messages (never the password: node-redis does not put it in messages). */
export function describe(err: unknown): string {
  if (!isErrorLike(err)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  const inner = (err as { originalError?: unknown; socketError?: unknown }).socketError;
  if (isErrorLike(inner) && inner !== err) return describe(inner);
  return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message || err.name;
}
