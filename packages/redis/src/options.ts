// Redis connection options: type, defaults and a parser that names the offending key (conventions
// §8). The server maps DESKCHAT_REDIS_URL / DESKCHAT_REDIS_PASSWORD onto `cluster.redis.url` /
// `cluster.redis.password` (issue 8 §3) and hands the section to `parseRedisOptions`.
// URL form (IANA "redis" and "rediss" URI schemes): redis://[[user]:password@]host[:port][/db];
// rediss:// is the same over TLS. Or, instead of a URL, Redis Sentinel (issue 14): `sentinels`
// (`host:port,host:port`) and `masterName`, and the node follows whichever replica Sentinel
// promotes (DESKCHAT_REDIS_SENTINELS, DESKCHAT_REDIS_MASTER_NAME, DESKCHAT_REDIS_SENTINEL_PASSWORD).
// Or a sharded Redis Cluster (issue 14): `clusterNodes` (`host:port,host:port`, some of its nodes:
// the client discovers the rest and the slot map from them; DESKCHAT_REDIS_CLUSTER_NODES), with
// `password` for every node. Exactly one of `url`, `sentinels` and `clusterNodes`.
import { OptionsError, checkBoolean, checkInteger } from '@deskchat/core';

export interface RedisOptions {
  /**
   * `redis://…` or `rediss://…` (TLS). With `sentinel` or `cluster`, a description for messages only:
   * `redis-sentinel://host:port,host:port/masterName`, `redis-cluster://host:port,host:port`.
   */
  url: string;
  /** Connect through Redis Sentinel instead of `url` (Sentinel names the primary; `password` is the data nodes'). */
  sentinel?: RedisSentinelOptions;
  /** Connect to a sharded Redis Cluster instead of `url` (cluster-link.ts); `password` is every node's. */
  cluster?: RedisClusterOptions;
  /** Overrides the URL's password, so the URL can sit in a config file without the secret. */
  password?: string;
  /**
   * Put before every key (conventions §7), so that several deployments or test runs can share one
   * Redis. Braces are refused: the `{…}` hash tags inside our keys must stay the only ones.
   */
  keyPrefix: string;
  /** At start, how long to keep trying before `connectRedis` gives up with `RedisConnectError`. */
  startTimeoutMs: number;
  /** TCP (and TLS) connect timeout of one attempt. */
  connectTimeoutMs: number;
  /** A store call without a reply after this long fails with `RedisUnavailableError`. */
  commandTimeoutMs: number;
  /** How often the connection pings Redis to notice a server that stopped answering (SIGSTOP, partition). */
  healthCheckIntervalMs: number;
  /** Exponential backoff between reconnection attempts, with jitter. */
  reconnect: { minDelayMs: number; maxDelayMs: number };
  /**
   * TLS: a URL asks for it with `rediss://`; Sentinel and Cluster with `enabled` (then every
   * connection is TLS: to the Sentinels, the data nodes, every shard). `ca`: extra CA (PEM text, read
   * by the server); `rejectUnauthorized`: whether to check the certificate.
   */
  tls: { enabled?: boolean; ca?: string; rejectUnauthorized: boolean };
  /**
   * Durable writes (what a client is told succeeded) wait for this many replicas with `WAIT`
   * before they are acknowledged (connection.ts `runDurable`); 0: they do not wait. Default 1
   * behind Sentinel (a promoted replica then has every acknowledged write), else 0.
   */
  waitReplicas: number;
  /** How long one `WAIT` may take; past it the write is acknowledged unreplicated (counted, logged). */
  waitTimeoutMs: number;
}

export interface RedisSentinelOptions {
  /** The Sentinels to ask (at least one; three or more in production). */
  nodes: Array<{ host: string; port: number }>;
  /** The name the Sentinels monitor the primary under (`sentinel monitor <name> …`). */
  masterName: string;
  /** The Sentinels' own password (`requirepass` in sentinel.conf), when they have one. */
  password?: string;
}

export interface RedisClusterOptions {
  /** Some nodes of the cluster (one that answers is enough): the client reads the slot map and finds the others. */
  nodes: Array<{ host: string; port: number }>;
}

export const DEFAULT_REDIS_OPTIONS: Omit<RedisOptions, 'url'> = {
  keyPrefix: 'deskchat:',
  startTimeoutMs: 10_000,
  connectTimeoutMs: 3000,
  commandTimeoutMs: 2000,
  healthCheckIntervalMs: 1000,
  reconnect: { minDelayMs: 100, maxDelayMs: 5000 },
  tls: { rejectUnauthorized: true },
  waitReplicas: 0,
  waitTimeoutMs: 100,
};

/** What the socket layer needs, taken from the URL and the options. */
export interface RedisEndpoint {
  host: string;
  port: number;
  isTls: boolean;
  username?: string;
  password?: string;
  database: number;
}

const PREFIX = /^[^{}\s]{0,64}$/;

/** Validates raw input (config file section or admin API) into RedisOptions; `prefix` is this section's key path. */
export function parseRedisOptions(raw: Record<string, unknown> | undefined, prefix = 'cluster.redis'): RedisOptions {
  const key = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const r = raw ?? {};
  const d = DEFAULT_REDIS_OPTIONS;
  const hasUrl = r.url !== undefined && r.url !== '';
  const hasSentinels = r.sentinels !== undefined && r.sentinels !== '';
  const hasClusterNodes = r.clusterNodes !== undefined && r.clusterNodes !== '';
  if (hasUrl && hasSentinels) throw new OptionsError(key('sentinels'), `either ${key('url')} or ${key('sentinels')}, not both`);
  if (hasClusterNodes && (hasUrl || hasSentinels)) throw new OptionsError(key('clusterNodes'), `either ${key('url')}, ${key('sentinels')} or ${key('clusterNodes')}, only one`);
  let sentinel: RedisSentinelOptions | undefined;
  let cluster: RedisClusterOptions | undefined;
  let url: string;
  if (hasSentinels) {
    sentinel = parseSentinel(r, key);
    url = `redis-sentinel://${sentinel.nodes.map((n) => `${n.host}:${n.port}`).join(',')}/${sentinel.masterName}`;
  } else if (hasClusterNodes) {
    if (r.masterName !== undefined || r.sentinelPassword !== undefined) throw new OptionsError(key('masterName'), `only with ${key('sentinels')}`);
    cluster = { nodes: parseAddresses(r.clusterNodes, key('clusterNodes'), 'Redis Cluster node') };
    url = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  } else {
    if (typeof r.url !== 'string' || r.url === '') throw new OptionsError(key('url'), 'is required (redis://host:6379 or rediss://host:6380), or sentinels and masterName, or clusterNodes');
    parseEndpoint(r.url, undefined, key('url'));
    if (r.masterName !== undefined || r.sentinelPassword !== undefined) throw new OptionsError(key('masterName'), `only with ${key('sentinels')}`);
    url = r.url;
  }
  if (r.password !== undefined && typeof r.password !== 'string') throw new OptionsError(key('password'), 'must be a string');
  const keyPrefix = r.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string' || !PREFIX.test(keyPrefix)) {
    throw new OptionsError(key('keyPrefix'), `must be at most 64 characters without spaces or braces (they would break the {user} hash tags); got ${JSON.stringify(keyPrefix)}`);
  }
  const reconnect = (r.reconnect ?? {}) as Record<string, unknown>;
  const tls = (r.tls ?? {}) as Record<string, unknown>;
  const minDelayMs = int(reconnect.minDelayMs, d.reconnect.minDelayMs, key('reconnect.minDelayMs'), 10, 60_000);
  const maxDelayMs = int(reconnect.maxDelayMs, d.reconnect.maxDelayMs, key('reconnect.maxDelayMs'), minDelayMs, 300_000);
  if (tls.ca !== undefined && typeof tls.ca !== 'string') throw new OptionsError(key('tls.ca'), 'must be PEM text');
  const isTlsEnabled = tls.enabled === undefined ? undefined : checkBoolean(key('tls.enabled'), tls.enabled);
  if (isTlsEnabled !== undefined && !sentinel && !cluster) throw new OptionsError(key('tls.enabled'), `only with ${key('sentinels')} or ${key('clusterNodes')}: a URL asks for TLS with rediss://`);
  const commandTimeoutMs = int(r.commandTimeoutMs, d.commandTimeoutMs, key('commandTimeoutMs'), 50, 60_000);
  const waitReplicas = int(r.waitReplicas, sentinel ? 1 : d.waitReplicas, key('waitReplicas'), 0, 16);
  // On a Cluster a WAIT must go to the primary owning the written key's slot: not done yet.
  if (cluster && waitReplicas > 0) throw new OptionsError(key('waitReplicas'), 'is not supported with Redis Cluster yet (must be 0)');
  const waitTimeoutMs = int(r.waitTimeoutMs, d.waitTimeoutMs, key('waitTimeoutMs'), 1, 60_000);
  if (waitTimeoutMs >= commandTimeoutMs) throw new OptionsError(key('waitTimeoutMs'), `must be less than ${key('commandTimeoutMs')} (${commandTimeoutMs} ms): a durable write is one call within that deadline`);
  return {
    url,
    ...(sentinel ? { sentinel } : {}),
    ...(cluster ? { cluster } : {}),
    ...(r.password === undefined || r.password === '' ? {} : { password: r.password }),
    keyPrefix,
    startTimeoutMs: int(r.startTimeoutMs, d.startTimeoutMs, key('startTimeoutMs'), 0, 600_000),
    connectTimeoutMs: int(r.connectTimeoutMs, d.connectTimeoutMs, key('connectTimeoutMs'), 100, 60_000),
    commandTimeoutMs,
    healthCheckIntervalMs: int(r.healthCheckIntervalMs, d.healthCheckIntervalMs, key('healthCheckIntervalMs'), 50, 60_000),
    reconnect: { minDelayMs, maxDelayMs },
    tls: {
      ...(isTlsEnabled ? { enabled: true } : {}),
      ...(typeof tls.ca === 'string' ? { ca: tls.ca } : {}),
      rejectUnauthorized: tls.rejectUnauthorized === undefined ? true : checkBoolean(key('tls.rejectUnauthorized'), tls.rejectUnauthorized),
    },
    waitReplicas,
    waitTimeoutMs,
  };
}

/** `sentinels` (`host:port,host:port` or an array of them), `masterName`, `sentinelPassword`. */
function parseSentinel(r: Record<string, unknown>, key: (k: string) => string): RedisSentinelOptions {
  const nodes = parseAddresses(r.sentinels, key('sentinels'), 'Sentinel');
  if (typeof r.masterName !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(r.masterName)) {
    throw new OptionsError(key('masterName'), `is required with ${key('sentinels')}: the name the Sentinels monitor the primary under (letters, digits, '.', '_', '-')`);
  }
  if (r.sentinelPassword !== undefined && typeof r.sentinelPassword !== 'string') throw new OptionsError(key('sentinelPassword'), 'must be a string');
  return { nodes, masterName: r.masterName, ...(typeof r.sentinelPassword === 'string' && r.sentinelPassword !== '' ? { password: r.sentinelPassword } : {}) };
}

/** `host:port,host:port` or an array of `host:port` (IPv6 in brackets), at least one. */
function parseAddresses(raw: unknown, key: string, what: string): Array<{ host: string; port: number }> {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list) throw new OptionsError(key, 'must be host:port,host:port');
  const nodes = list.map((item) => {
    const text = String(item).trim();
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) throw new OptionsError(key, `must be host:port,host:port (got ${JSON.stringify(text)})`);
    return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
  if (nodes.length === 0) throw new OptionsError(key, `must name at least one ${what}`);
  return nodes;
}

/** Splits a redis:// or rediss:// URL; `password` (the separate option) wins over the URL's. */
export function parseEndpoint(url: string, password?: string, key = 'cluster.redis.url'): RedisEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OptionsError(key, `must be a URL such as redis://host:6379/0 (got ${JSON.stringify(redactUrl(url))})`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new OptionsError(key, `must start with redis:// or rediss:// (TLS); got ${parsed.protocol}//`);
  }
  if (!parsed.hostname) throw new OptionsError(key, 'names no host');
  const path = parsed.pathname.replace(/^\//, '');
  const database = path === '' ? 0 : Number(path);
  if (!Number.isInteger(database) || database < 0 || database > 65535) throw new OptionsError(key, `the path must be a database number such as /0 (got /${path})`);
  const isTls = parsed.protocol === 'rediss:';
  const urlPassword = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const endpoint: RedisEndpoint = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 6379,
    isTls,
    database,
  };
  if (parsed.username) endpoint.username = decodeURIComponent(parsed.username);
  const secret = password ?? urlPassword;
  if (secret !== undefined) endpoint.password = secret;
  return endpoint;
}

/** The URL with any password replaced by `***`, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

function int(value: unknown, fallback: number, key: string, min: number, max: number): number {
  return value === undefined ? fallback : checkInteger(key, value, min, max);
}
