// A sharded Redis Cluster (issue 14; Redis docs "Scale with Redis Cluster"): node-redis's own
// cluster client (`createCluster`) reads the slot map from any of `clusterNodes`, keeps one
// connection per primary and sends each command to the primary owning the slot of its first key,
// following MOVED/ASK redirections (a resharding) and reading the map again when it changes.
//
// How it fits RedisConnection:
// - `execute` hands the store the cluster client itself (`RedisCommands` is the union of a plain
//   client and a cluster client). A MULTI goes whole to the primary of its first key and a script
//   (EVALSHA) to the primary of its first KEYS entry, so every MULTI and script must keep all its
//   keys in one slot (keys.ts: the `{…}` hash tags); a cross-slot one fails with CROSSSLOT. A
//   pipeline (`execAsPipeline`) is NOT split by slot by node-redis: it too goes to the first key's
//   primary, so the stores send independent commands concurrently instead (node-redis pipelines
//   them per connection by itself).
// - What addresses a server rather than a key (SCAN for maintenance, INFO/CONFIG GET for the
//   persistence check, the health PING, FLUSHALL in tests) runs on every primary in turn through
//   `onPrimaries` (`cluster.masters` and `cluster.nodeClient(master)`): a command without a key
//   would otherwise go to one random node.
// - The node bus's blocking reads get a cluster client of their own (`duplicate()`): XREAD BLOCK
//   on the node's stream key then goes to the primary owning that key, on a connection nothing else
//   waits behind.
// - Any node's connection error marks the connection unavailable, and so does a PING that one
//   primary does not answer: calls then fail fast (RedisUnavailableError) until every primary
//   answers again.
// Not supported here yet: TLS to the nodes, reads from replicas, failover inside the cluster (a
// replica promoted by the cluster is found through MOVED and the slot map, but nothing here is
// tested for it).
import { createCluster } from 'redis';
import type { Logger, Metrics } from '@deskchat/core';
import { backoffDelay } from './backoff.js';
import { RedisConnection, closeWithin, describe, isCredentialError, tlsSocket, type BlockingClient, type ClientEvents, type RedisClient, type RedisClusterClient, type RedisLink } from './connection.js';
import { RedisConnectError } from './errors.js';
import type { RedisClusterOptions, RedisOptions } from './options.js';

interface NodeInfo {
  host: string;
  port: number;
}

/** `hasConnected()`: false while starting, when a failed connection attempt must fail at once (the start loop retries). */
function clusterClient(options: RedisOptions, cluster: RedisClusterOptions, name: string, hasConnected: () => boolean): RedisClusterClient {
  // Long enough that the health PINGs keep a working socket busy; short enough to drop a dead one.
  const socketTimeout = Math.max(3 * options.healthCheckIntervalMs, 2 * options.commandTimeoutMs);
  // A new Error made here: node-redis tests `instanceof Error`, which a socket error from another
  // realm (node core inside jest's VM) fails, and it would then be taken for a delay.
  const reconnectStrategy = (retries: number, cause: Error): number | Error => (hasConnected() ? backoffDelay(retries, options.reconnect) : new Error(describe(cause), { cause }));
  // createCluster (the `redis` package) adds the module commands (JSON, search…) to the type; the
  // object is a node-redis RedisCluster either way, and the stores use only core commands.
  return createCluster({
    rootNodes: cluster.nodes.map((n) => ({ socket: { host: n.host, port: n.port, ...(options.tls.enabled ? tlsSocket(options) : {}) } })),
    defaults: {
      ...(options.password !== undefined ? { password: options.password } : {}),
      disableOfflineQueue: true,
      name,
      socket: { connectTimeout: options.connectTimeoutMs, socketTimeout, keepAlive: true, reconnectStrategy, ...(options.tls.enabled ? tlsSocket(options) : {}) },
    },
  }) as RedisClusterClient;
}

function primaries(client: RedisClusterClient): Promise<RedisClient[]> {
  return Promise.all(client.masters.map((m) => client.nodeClient(m)));
}

function clusterLink(client: RedisClusterClient, options: RedisOptions, cluster: RedisClusterOptions): RedisLink {
  return {
    execute: (fn) => fn(client),
    async onPrimaries(fn) {
      return Promise.all((await primaries(client)).map(fn));
    },
    get isReady() {
      return client.isOpen;
    },
    blocking(name): BlockingClient {
      const reader = clusterClient(options, cluster, name, () => true);
      return {
        xRead: reader.xRead.bind(reader),
        get isOpen() {
          return reader.isOpen;
        },
        connect: () => reader.connect(),
        destroy: () => reader.destroy(),
        on: (event, listener) => reader.on(event, listener),
      };
    },
    async close(timeoutMs) {
      if (!client.isOpen) return;
      await closeWithin(timeoutMs, client);
    },
  };
}

/** connectRedis for `options.cluster`: reads the slot map and connects to every primary, trying for `startTimeoutMs`. */
export async function connectCluster(options: RedisOptions, cluster: RedisClusterOptions, log: Logger, metrics?: Metrics): Promise<RedisConnection> {
  const startedAt = Date.now();
  let hasConnected = false;
  const client = clusterClient(options, cluster, 'deskchat', () => hasConnected);
  let lastError: unknown;
  const events: ClientEvents = {
    error: (err) => {
      lastError = err;
      log.debug({ err: describe(err) }, 'redis cluster connection attempt failed');
    },
    ready: () => undefined,
  };
  // Before connect(): an 'error' without a listener would crash the process. 'node-error' is one
  // node's connection failing (its slots cannot be served); 'error' a failed read of the slot map.
  client.on('node-error', (err: Error, node: NodeInfo) => events.error(new Error(`node ${node.host}:${node.port}: ${describe(err)}`, { cause: err })));
  client.on('error', (err: Error) => events.error(err));
  let connection: RedisConnection | undefined;
  // One node's connection (re)made is not the whole cluster back: a PING to every primary now
  // tells whether it is (`events.ready` would mark the connection available at once).
  client.on('node-ready', () => connection?.primaryChanged());
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect();
      break;
    } catch (err) {
      const cause = lastError ?? err;
      const remaining = options.startTimeoutMs - (Date.now() - startedAt);
      if (isCredentialError(cause) || remaining <= 0) {
        if (client.isOpen) client.destroy();
        const why = isCredentialError(cause)
          ? `refused the credentials (${describe(cause)}); check cluster.redis.password`
          : `gave no slot map or unreachable primaries (${describe(cause)}) after ${Math.round((Date.now() - startedAt) / 100) / 10} s`;
        throw new RedisConnectError(`Redis Cluster ${options.url} ${why}`, options.url, { cause });
      }
      await new Promise((r) => setTimeout(r, Math.min(backoffDelay(attempt, options.reconnect), remaining)));
    }
  }
  hasConnected = true;
  log.info({ redis: options.url, primaries: client.masters.map((m) => m.address), keyPrefix: options.keyPrefix }, 'connected to redis cluster');
  connection = new RedisConnection(client, options, log, events, clusterLink(client, options, cluster), metrics);
  return connection;
}
