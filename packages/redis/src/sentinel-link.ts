// Redis through Sentinel (issue 14; Redis docs "High availability with Redis Sentinel"): node-redis's
// own Sentinel client (`createSentinel`) asks the Sentinels for the primary of `masterName`,
// subscribes to their `+switch-master`/`+sdown`/`+odown` events and, when Sentinel promotes a
// replica, drops its connection to the old primary and opens one to the new — every node follows by
// itself, nothing in DeskChat decides who is primary.
//
// How it fits RedisConnection:
// - `execute` runs a store call on the node-redis client of the primary the Sentinel client holds
//   (its `_execute`: one master connection, commands pipelined on it), so the stores get a plain
//   `RedisClient` and work unchanged, scripts and MULTI included. node-redis retries a call that
//   met READONLY (a demoted primary) or a broken connection on the new primary (up to 16 times):
//   like a timed-out call, such a write may or may not have been applied by the old primary.
// - The health PING and the error events of the master client mark the connection
//   unavailable; calls then fail at once (RedisUnavailableError) until a PING is answered, by the
//   new primary after a failover ('topology-change' triggers that PING at once).
// - The node bus's blocking reader gets a Sentinel client of its own (one master connection that
//   may block), which follows a failover the same way.
// - Durable writes (`runDurable`, `waitReplicas` defaults to 1 here) go through a second Sentinel
//   client, so that their `WAIT` blocks only that connection.
// - TLS (`tls.enabled`): to the Sentinels and to the data nodes alike, one CA (`tls.ca`) for both.
// Not supported here yet: a database other than 0, reads from replicas.
import { createSentinel, type RedisSentinelType } from 'redis';
import type { Logger, Metrics } from '@deskchat/core';
import { backoffDelay } from './backoff.js';
import { RedisConnection, closeWithin, describe, tlsSocket, type BlockingClient, type ClientEvents, type DurableLink, type RedisClient, type RedisLink } from './connection.js';
import { RedisConnectError } from './errors.js';
import type { RedisOptions, RedisSentinelOptions } from './options.js';

type Sentinel = RedisSentinelType;

interface TopologyChange {
  type: string;
  node?: { host: string; port: number };
}

function sentinelClient(options: RedisOptions, sentinel: RedisSentinelOptions, name: string): Sentinel {
  // Long enough that the health PINGs keep a working socket busy; short enough to drop a dead one.
  const socketTimeout = Math.max(3 * options.healthCheckIntervalMs, 2 * options.commandTimeoutMs);
  return createSentinel({
    name: sentinel.masterName,
    sentinelRootNodes: sentinel.nodes,
    masterPoolSize: 1,
    // The Sentinels' pub/sub events drive the switch; a periodic look is the safety net if one is missed.
    scanInterval: 5000,
    // The master connection's errors as 'error' events ("Master Client (host:port): …"): node-redis
    // does not pass its 'client-error' events on from the inner object, and they are how a dead
    // primary is noticed at once rather than at the next call's deadline.
    passthroughClientErrorEvents: true,
    nodeClientOptions: {
      ...(options.password !== undefined ? { password: options.password } : {}),
      disableOfflineQueue: true,
      name,
      socket: {
        connectTimeout: options.connectTimeoutMs,
        socketTimeout,
        keepAlive: true,
        reconnectStrategy: (retries: number) => backoffDelay(retries, options.reconnect),
        ...(options.tls.enabled ? tlsSocket(options) : {}),
      },
    },
    sentinelClientOptions: {
      ...(sentinel.password !== undefined ? { password: sentinel.password } : {}),
      socket: { connectTimeout: options.connectTimeoutMs, ...(options.tls.enabled ? tlsSocket(options) : {}) },
    },
  }) as unknown as Sentinel;
}

function sentinelLink(client: Sentinel, options: RedisOptions, sentinel: RedisSentinelOptions, log: Logger): RedisLink {
  return {
    execute: (fn) => client._execute(false, (c) => fn(c as unknown as RedisClient)),
    onPrimaries: async (fn) => [await client._execute(false, (c) => fn(c as unknown as RedisClient))],
    get isReady() {
      return client.isReady;
    },
    blocking(name): BlockingClient {
      const reader = sentinelClient(options, sentinel, name);
      return {
        xRead: ((...args: unknown[]) => (reader.xRead as (...a: unknown[]) => unknown)(...args)) as RedisClient['xRead'],
        get isOpen() {
          return reader.isOpen;
        },
        connect: () => reader.connect(),
        destroy: () => void reader.destroy().catch(() => undefined),
        on: (event, listener) => reader.on(event, listener),
      };
    },
    async close(timeoutMs) {
      if (!client.isOpen) return;
      await closeWithin(timeoutMs, client);
    },
  };
}

/** connectRedis for `options.sentinel`: asks the Sentinels for the primary, trying for `startTimeoutMs`. */
export async function connectSentinel(options: RedisOptions, sentinel: RedisSentinelOptions, log: Logger, metrics?: Metrics): Promise<RedisConnection> {
  const startedAt = Date.now();
  const client = sentinelClient(options, sentinel, 'deskchat');
  let lastError: unknown;
  const events: ClientEvents = {
    error: (err) => {
      lastError = err;
      log.debug({ err: describe(err) }, 'redis connection attempt failed');
    },
    ready: () => undefined,
  };
  // Before connect(): an 'error' without a listener would crash the process. The Sentinel client
  // reports here both a Sentinel it could not ask and (passthroughClientErrorEvents) the primary's
  // connection errors, which mark the connection unavailable.
  client.on('error', (err: unknown) => {
    lastError = err;
    if (err instanceof Error && err.message.startsWith('Master Client')) events.error(err);
    else log.debug({ err: describe(err) }, 'redis sentinel: a sentinel did not answer');
  });
  let connection: RedisConnection | undefined;
  client.on('topology-change', (event: TopologyChange) => {
    // The first MASTER_CHANGE is the connection being made (logged below), not a switch.
    if (event.type !== 'MASTER_CHANGE' || !connection) return;
    log.info({ redis: options.url, primary: event.node ? `${event.node.host}:${event.node.port}` : undefined }, 'redis sentinel: following the new primary');
    connection?.primaryChanged();
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no primary found')), options.startTimeoutMs))),
    ]);
  } catch (err) {
    await client.destroy().catch(() => undefined);
    const cause = lastError ?? err;
    throw new RedisConnectError(
      `Redis Sentinel ${options.url} gave no reachable primary "${sentinel.masterName}" (${describe(cause)}) after ${Math.round((Date.now() - startedAt) / 100) / 10} s`,
      options.url,
      { cause },
    );
  } finally {
    clearTimeout(timer);
  }
  const primary = client.getMasterNode();
  log.info({ redis: options.url, primary: primary ? `${primary.host}:${primary.port}` : undefined, keyPrefix: options.keyPrefix }, 'connected to redis through sentinel');
  const durable =
    options.waitReplicas > 0
      ? await sentinelDurableLink(options, sentinel, log).catch(async (err: unknown) => {
          await client.destroy().catch(() => undefined);
          throw new RedisConnectError(`Redis Sentinel ${options.url} gave no durable-write connection to the primary (${describe(err)})`, options.url, { cause: err });
        })
      : undefined;
  connection = new RedisConnection(client as unknown as RedisClient, options, log, events, sentinelLink(client, options, sentinel, log), metrics, durable);
  return connection;
}

/** The durable connection: a Sentinel client of its own (one master connection), following promotions by itself. */
async function sentinelDurableLink(options: RedisOptions, sentinel: RedisSentinelOptions, log: Logger): Promise<DurableLink> {
  const client = sentinelClient(options, sentinel, 'deskchat-durable');
  // Its failures surface as the durable calls' errors; the main connection's health decides availability.
  client.on('error', (err: unknown) => log.debug({ err: describe(err) }, 'redis sentinel: durable connection error'));
  await client.connect();
  return {
    execute: (fn) => client._execute(false, (c) => fn(c as unknown as RedisClient)),
    close: (timeoutMs) => (client.isOpen ? closeWithin(timeoutMs, client) : Promise.resolve()),
  };
}
