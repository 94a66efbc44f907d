// The `cluster` section (design.md §5; issue "Cluster of primary/secondary node pairs"): present,
// and with a Redis URL — or Redis Sentinel: sentinels and a master name, or a sharded Redis Cluster:
// some of its nodes (issue 14) — the node joins a cluster; absent, nothing changes (one node, SQLite).
// Every key has an environment variable (ENV_KEYS in config.ts) and a message naming it.
import { readFileSync } from 'node:fs';
import { OptionsError, checkBoolean, checkInteger, type NodeAddress } from '@deskchat/core';

/** Where a cluster keeps its state: all that the administration commands (`deskchat user|admin|cluster …`) need. */
export interface ClusterStoreConfig {
  /** redis://[user:password@]host:port[/db] or rediss:// (TLS); absent with `redisSentinels` or `redisClusterNodes`. */
  redisUrl?: string;
  /** Redis Sentinel instead of a URL: `host:port,host:port` (DESKCHAT_REDIS_SENTINELS). */
  redisSentinels?: string;
  /** The name the Sentinels monitor the primary under (DESKCHAT_REDIS_MASTER_NAME). */
  redisMasterName?: string;
  /** The Sentinels' own password (DESKCHAT_REDIS_SENTINEL_PASSWORD). */
  redisSentinelPassword?: string;
  /** A sharded Redis Cluster instead of a URL: some of its nodes, `host:port,host:port` (DESKCHAT_REDIS_CLUSTER_NODES). */
  redisClusterNodes?: string;
  /** A password kept out of the URL (DESKCHAT_REDIS_PASSWORD); the data nodes' password behind Sentinel; every node's on a Redis Cluster. */
  redisPassword?: string;
  /** Prefix of every key this cluster writes (several clusters may share one Redis). */
  keyPrefix: string;
  /** TLS to the Sentinels and data nodes, or to every Redis Cluster node (DESKCHAT_REDIS_TLS); a URL says rediss:// instead. */
  redisTls?: boolean;
  /** A CA certificate file (PEM) to trust for Redis TLS, besides the system's (DESKCHAT_REDIS_TLS_CA_FILE). */
  redisTlsCaFile?: string;
  /** Replicas a durable write waits for with WAIT (DESKCHAT_REDIS_WAIT_REPLICAS; default 1 behind Sentinel, else 0). */
  redisWaitReplicas?: number;
  /** How long that WAIT may take, in ms (DESKCHAT_REDIS_WAIT_TIMEOUT_MS; default 100). */
  redisWaitTimeoutMs?: number;
}

export interface ClusterConfig extends ClusterStoreConfig {
  /** This node's unique name. */
  node: string;
  /** The pair it belongs to (two nodes per pair). */
  pair: string;
  /** This node's base URL as clients reach it, e.g. https://imp1.example.com:5280. */
  publicUrl: string;
  /** Host and port TCP clients use (default: the URL's host and the c2s port). */
  publicHost: string;
  publicC2sPort: number;
  /** false: any node serves any user (no redirect after authentication). */
  redirect: boolean;
  heartbeatSeconds: number;
  deadAfterSeconds: number;
  /** Start even when Redis persists nothing (AOF and RDB off); loud warning. */
  allowVolatileRedis: boolean;
}

export const CLUSTER_ENV_KEYS: Record<string, string> = {
  DESKCHAT_REDIS_URL: 'cluster.redisUrl',
  DESKCHAT_REDIS_PASSWORD: 'cluster.redisPassword',
  DESKCHAT_REDIS_SENTINELS: 'cluster.redisSentinels',
  DESKCHAT_REDIS_MASTER_NAME: 'cluster.redisMasterName',
  DESKCHAT_REDIS_SENTINEL_PASSWORD: 'cluster.redisSentinelPassword',
  DESKCHAT_REDIS_CLUSTER_NODES: 'cluster.redisClusterNodes',
  DESKCHAT_REDIS_PREFIX: 'cluster.keyPrefix',
  DESKCHAT_REDIS_TLS: 'cluster.redisTls',
  DESKCHAT_REDIS_TLS_CA_FILE: 'cluster.redisTlsCaFile',
  DESKCHAT_REDIS_WAIT_REPLICAS: 'cluster.redisWaitReplicas',
  DESKCHAT_REDIS_WAIT_TIMEOUT_MS: 'cluster.redisWaitTimeoutMs',
  DESKCHAT_NODE: 'cluster.node',
  DESKCHAT_PAIR: 'cluster.pair',
  DESKCHAT_PUBLIC_URL: 'cluster.publicUrl',
  DESKCHAT_PUBLIC_HOST: 'cluster.publicHost',
  DESKCHAT_PUBLIC_C2S_PORT: 'cluster.publicC2sPort',
  DESKCHAT_CLUSTER_REDIRECT: 'cluster.redirect',
  DESKCHAT_HEARTBEAT_SECONDS: 'cluster.heartbeatSeconds',
  DESKCHAT_DEAD_AFTER_SECONDS: 'cluster.deadAfterSeconds',
};

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function name(key: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) throw new OptionsError(key, `must be a name of lower-case letters, digits and '-' (got ${JSON.stringify(value)})`);
  return value;
}

const KNOWN = ['redisUrl', 'redisSentinels', 'redisMasterName', 'redisSentinelPassword', 'redisClusterNodes', 'redisPassword', 'redisWaitReplicas', 'redisWaitTimeoutMs', 'redisTls', 'redisTlsCaFile', 'keyPrefix', 'node', 'pair', 'publicUrl', 'publicHost', 'publicC2sPort', 'redirect', 'heartbeatSeconds', 'deadAfterSeconds', 'allowVolatileRedis'];

/**
 * The store half of `cluster` (what the administration commands need: they are not a node, so the
 * node's name, pair and public URL may be absent); undefined when no Redis URL is set.
 */
export function parseClusterStoreConfig(raw: Record<string, unknown> | undefined): ClusterStoreConfig | undefined {
  const isSet = (v: unknown) => v !== undefined && v !== '';
  if (raw === undefined || (!isSet(raw.redisUrl) && !isSet(raw.redisSentinels) && !isSet(raw.redisClusterNodes))) {
    if (raw !== undefined && isSet(raw.redisMasterName)) throw new OptionsError('cluster.redisSentinels', 'is required with cluster.redisMasterName (DESKCHAT_REDIS_SENTINELS: host:port,host:port)');
    return undefined;
  }
  for (const key of Object.keys(raw)) if (!KNOWN.includes(key)) throw new OptionsError(`cluster.${key}`, 'unknown setting');
  const keyPrefix = raw.keyPrefix === undefined ? 'deskchat:' : String(raw.keyPrefix);
  if (!/^[A-Za-z0-9:_.-]{0,64}$/.test(keyPrefix)) throw new OptionsError('cluster.keyPrefix', 'must be up to 64 letters, digits, ":", "_", "." or "-"');
  const password = {
    ...(raw.redisPassword === undefined || raw.redisPassword === '' ? {} : { redisPassword: String(raw.redisPassword) }),
    ...(isSet(raw.redisWaitReplicas) ? { redisWaitReplicas: checkInteger('cluster.redisWaitReplicas', raw.redisWaitReplicas, 0, 16) } : {}),
    ...(isSet(raw.redisWaitTimeoutMs) ? { redisWaitTimeoutMs: checkInteger('cluster.redisWaitTimeoutMs', raw.redisWaitTimeoutMs, 1, 60_000) } : {}),
  };
  if (isSet(raw.redisTls) && checkBoolean('cluster.redisTls', raw.redisTls)) {
    if (!isSet(raw.redisSentinels) && !isSet(raw.redisClusterNodes)) throw new OptionsError('cluster.redisTls', 'only with cluster.redisSentinels or cluster.redisClusterNodes: a URL asks for TLS with rediss://');
    Object.assign(password, { redisTls: true });
  }
  if (isSet(raw.redisTlsCaFile)) {
    if (typeof raw.redisTlsCaFile !== 'string') throw new OptionsError('cluster.redisTlsCaFile', 'must be a file path');
    Object.assign(password, { redisTlsCaFile: raw.redisTlsCaFile });
  }
  if (isSet(raw.redisClusterNodes) && password.redisWaitReplicas) throw new OptionsError('cluster.redisWaitReplicas', 'is not supported with cluster.redisClusterNodes yet (must be 0)');
  const address = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/;
  if (isSet(raw.redisClusterNodes)) {
    if (isSet(raw.redisUrl) || isSet(raw.redisSentinels)) {
      throw new OptionsError('cluster.redisClusterNodes', 'either cluster.redisUrl, cluster.redisSentinels (Sentinel) or cluster.redisClusterNodes (Redis Cluster), only one');
    }
    if (isSet(raw.redisMasterName) || isSet(raw.redisSentinelPassword)) throw new OptionsError('cluster.redisMasterName', 'only with cluster.redisSentinels');
    const nodes = String(raw.redisClusterNodes);
    if (!nodes.split(',').every((a) => address.test(a.trim()))) {
      throw new OptionsError('cluster.redisClusterNodes', `must be host:port,host:port (got ${JSON.stringify(nodes)})`);
    }
    return { redisClusterNodes: nodes, ...password, keyPrefix };
  }
  if (isSet(raw.redisSentinels)) {
    if (isSet(raw.redisUrl)) throw new OptionsError('cluster.redisSentinels', 'either cluster.redisUrl or cluster.redisSentinels (Sentinel), not both');
    const sentinels = String(raw.redisSentinels);
    if (!sentinels.split(',').every((a) => address.test(a.trim()))) {
      throw new OptionsError('cluster.redisSentinels', `must be host:port,host:port (got ${JSON.stringify(sentinels)})`);
    }
    if (typeof raw.redisMasterName !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(raw.redisMasterName)) {
      throw new OptionsError('cluster.redisMasterName', 'is required with cluster.redisSentinels (DESKCHAT_REDIS_MASTER_NAME): the name the Sentinels monitor the primary under');
    }
    const sentinelPassword = raw.redisSentinelPassword === undefined || raw.redisSentinelPassword === '' ? {} : { redisSentinelPassword: String(raw.redisSentinelPassword) };
    return { redisSentinels: sentinels, redisMasterName: raw.redisMasterName, ...sentinelPassword, ...password, keyPrefix };
  }
  if (isSet(raw.redisMasterName) || isSet(raw.redisSentinelPassword)) throw new OptionsError('cluster.redisMasterName', 'only with cluster.redisSentinels');
  const redisUrl = raw.redisUrl;
  if (typeof redisUrl !== 'string' || !/^rediss?:\/\/[^/\s]+(\/\d+)?\/?$/.test(redisUrl)) {
    throw new OptionsError('cluster.redisUrl', `must be redis://host:port[/db] or rediss://… (got ${JSON.stringify(redisUrl)})`);
  }
  return { redisUrl, ...password, keyPrefix };
}

/**
 * What `parseRedisOptions` (@deskchat/redis) takes for this cluster: the URL, or the Sentinels and
 * master name, or the Redis Cluster nodes, with the password and key prefix. (The server only maps
 * keys; the redis package checks.)
 */
export function redisOptionsInput(c: ClusterStoreConfig): Record<string, unknown> {
  return {
    ...(c.redisSentinels !== undefined
      ? { sentinels: c.redisSentinels, masterName: c.redisMasterName, ...(c.redisSentinelPassword !== undefined ? { sentinelPassword: c.redisSentinelPassword } : {}) }
      : c.redisClusterNodes !== undefined
        ? { clusterNodes: c.redisClusterNodes }
        : { url: c.redisUrl }),
    ...(c.redisPassword !== undefined ? { password: c.redisPassword } : {}),
    ...(c.redisTls || c.redisTlsCaFile !== undefined ? { tls: { ...(c.redisTls ? { enabled: true } : {}), ...(c.redisTlsCaFile !== undefined ? { ca: readCa(c.redisTlsCaFile) } : {}) } } : {}),
    ...(c.redisWaitReplicas !== undefined ? { waitReplicas: c.redisWaitReplicas } : {}),
    ...(c.redisWaitTimeoutMs !== undefined ? { waitTimeoutMs: c.redisWaitTimeoutMs } : {}),
    keyPrefix: c.keyPrefix,
  };
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new OptionsError('cluster.redisTlsCaFile', `cannot be read (${(err as Error).message})`);
  }
}

/** Parses `cluster`; undefined when no Redis URL is set (single-node mode). */
export function parseClusterConfig(raw: Record<string, unknown> | undefined, c2sPort: number): ClusterConfig | undefined {
  const store = parseClusterStoreConfig(raw);
  if (raw === undefined || store === undefined) return undefined;
  if (raw.node === undefined) throw new OptionsError('cluster.node', 'is required in cluster mode (DESKCHAT_NODE): this node\'s unique name');
  if (raw.pair === undefined) throw new OptionsError('cluster.pair', 'is required in cluster mode (DESKCHAT_PAIR): the pair this node belongs to');
  if (typeof raw.publicUrl !== 'string') throw new OptionsError('cluster.publicUrl', 'is required in cluster mode (DESKCHAT_PUBLIC_URL): this node\'s base URL as clients reach it, e.g. https://imp1.example.com:5280');
  let url: URL;
  try {
    url = new URL(raw.publicUrl);
  } catch {
    throw new OptionsError('cluster.publicUrl', `is not a URL (got ${JSON.stringify(raw.publicUrl)})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OptionsError('cluster.publicUrl', 'must be an http:// or https:// URL');
  if (url.search || url.hash || url.username || url.password) throw new OptionsError('cluster.publicUrl', 'must have no query, fragment or credentials');
  const heartbeatSeconds = raw.heartbeatSeconds === undefined ? 2 : checkInteger('cluster.heartbeatSeconds', raw.heartbeatSeconds, 1, 60);
  const deadAfterSeconds = raw.deadAfterSeconds === undefined ? 6 : checkInteger('cluster.deadAfterSeconds', raw.deadAfterSeconds, 2, 600);
  if (deadAfterSeconds <= heartbeatSeconds) throw new OptionsError('cluster.deadAfterSeconds', `must be more than cluster.heartbeatSeconds (${heartbeatSeconds})`);
  const publicHost = raw.publicHost === undefined ? url.hostname.replace(/^\[|\]$/g, '') : String(raw.publicHost);
  if (!/^[0-9a-zA-Z.:_-]+$/.test(publicHost)) throw new OptionsError('cluster.publicHost', 'must be a host name or IP address');
  return {
    ...store,
    node: name('cluster.node', raw.node),
    pair: name('cluster.pair', raw.pair),
    publicUrl: url.toString().replace(/\/$/, ''),
    publicHost,
    publicC2sPort: raw.publicC2sPort === undefined ? c2sPort : checkInteger('cluster.publicC2sPort', raw.publicC2sPort, 1, 65535),
    redirect: raw.redirect === undefined ? true : checkBoolean('cluster.redirect', raw.redirect),
    heartbeatSeconds,
    deadAfterSeconds,
    allowVolatileRedis: raw.allowVolatileRedis === undefined ? false : checkBoolean('cluster.allowVolatileRedis', raw.allowVolatileRedis),
  };
}

/** How clients reach this node: BOSH at /http-bind, WebSocket at /xmpp-websocket, TCP at publicHost:publicC2sPort. */
export function nodeAddress(config: ClusterConfig): NodeAddress {
  const ws = config.publicUrl.replace(/^http/, 'ws');
  return { host: config.publicHost, port: config.publicC2sPort, bosh: `${config.publicUrl}/http-bind`, websocket: `${ws}/xmpp-websocket` };
}
