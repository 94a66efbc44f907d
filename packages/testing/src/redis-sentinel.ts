// A Redis primary, its replicas and a quorum of Sentinels on free loopback ports (Redis Sentinel,
// https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/), for the failover tests
// of issue 14: kill the primary with SIGKILL and watch Sentinel promote a replica. Timings are short
// (down after 1 s) so that a failover takes a few seconds, not the production default of 30 s.
import { makeTestCertificate, startRedisServer, type RedisTestServer } from './redis-server.js';

export interface RedisSentinelGroupOptions {
  /** Default 1. */
  replicas?: number;
  /** Default 3 (quorum 2). */
  sentinels?: number;
  /** The name the Sentinels monitor the primary under; default `deskchat`. */
  masterName?: string;
  /** Data-node password (`requirepass`, and `masterauth` on replicas and Sentinels). */
  password?: string;
  /** AOF on every data node; default true (the cluster refuses a volatile Redis). */
  aof?: boolean;
  /** `sentinel down-after-milliseconds`; default 1000. */
  downAfterMs?: number;
  /** How long to wait for replication and for the Sentinels to find each other; default 15 s. */
  readyTimeoutMs?: number;
  /** TLS only, everywhere (clients, replication, Sentinels), with one self-signed certificate (`ca`). */
  tls?: boolean;
}

export interface RedisSentinelGroup {
  readonly masterName: string;
  /** The data nodes as started: `primary` is the first primary, whatever Sentinel has done since. */
  readonly primary: RedisTestServer;
  readonly replicas: readonly RedisTestServer[];
  readonly sentinels: readonly RedisTestServer[];
  /** `host:port` of each Sentinel, the form DESKCHAT_REDIS_SENTINELS takes. */
  readonly sentinelAddresses: readonly string[];
  /** With `tls`: the certificate every server presents (PEM), for clients to trust. */
  readonly ca?: string;
  /** The primary's address according to the first Sentinel that answers. */
  currentPrimary(): Promise<{ host: string; port: number }>;
  /** Resolves with the new primary once the Sentinels name one other than `oldPort`. */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<{ host: string; port: number }>;
  /**
   * SIGKILLs the primary and watches the promotion: `promotedMs` resolves with the time from the kill
   * until the Sentinels name another primary (polled every 100 ms; rejects after `timeoutMs`, default
   * 30 s). That is Sentinel's own part of a switch-over — about down-after + 2 s, but 2 × its
   * failover-timeout (10 s) more when the Sentinels' leader vote splits and the election is retried —
   * so a test bounds what DeskChat does from the promotion on, as issue 14 words it.
   */
  killPrimary(timeoutMs?: number): Promise<{ killedAt: number; promotedMs: Promise<number> }>;
  /** Stops every process and removes their directories. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Parses `redis-cli` output of a flat field/value array (one item per line) into a map. */
function pairs(output: string): Map<string, string> {
  const lines = output.split('\n');
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) map.set(lines[i]!, lines[i + 1]!);
  return map;
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`redis sentinel group: timed out waiting for ${what}`);
    await sleep(100);
  }
}

export async function startRedisSentinelGroup(options: RedisSentinelGroupOptions = {}): Promise<RedisSentinelGroup> {
  const masterName = options.masterName ?? 'deskchat';
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const quorum = Math.floor(sentinelCount / 2) + 1;
  const timeout = options.readyTimeoutMs ?? 15_000;
  const started: RedisTestServer[] = [];
  const auth: Record<string, string> = options.password ? { masterauth: options.password } : {};
  const certificate = options.tls ? await makeTestCertificate() : undefined;
  const tls = certificate ? { tls: certificate } : {};
  try {
    const primary = await startRedisServer({ aof: options.aof ?? true, password: options.password, config: auth, ...tls });
    started.push(primary);
    const replicas: RedisTestServer[] = [];
    for (let i = 0; i < replicaCount; i++) {
      const replica = await startRedisServer({ aof: options.aof ?? true, password: options.password, config: { ...auth, replicaof: `127.0.0.1 ${primary.port}` }, ...tls });
      started.push(replica);
      replicas.push(replica);
    }
    await waitUntil('the replicas to sync', timeout, async () => {
      for (const r of replicas) if (!(await r.cli('INFO', 'replication')).includes('master_link_status:up')) return false;
      return true;
    });
    const sentinels: RedisTestServer[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const sentinel = await startRedisServer({
        isSentinel: true,
        ...tls,
        config: {
          'sentinel resolve-hostnames': 'no',
          'sentinel monitor': `${masterName} 127.0.0.1 ${primary.port} ${quorum}`,
          'sentinel down-after-milliseconds': `${masterName} ${options.downAfterMs ?? 1000}`,
          'sentinel failover-timeout': `${masterName} 5000`,
          'sentinel parallel-syncs': `${masterName} 1`,
          ...(options.password ? { 'sentinel auth-pass': `${masterName} ${options.password}` } : {}),
        },
      });
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    // A failover needs a majority of Sentinels that know each other and the replicas (hello messages, every 2 s).
    await waitUntil('the sentinels to find each other and the replicas', timeout, async () => {
      for (const s of sentinels) {
        const info = pairs(await s.cli('SENTINEL', 'MASTER', masterName));
        if (Number(info.get('num-other-sentinels')) !== sentinelCount - 1 || Number(info.get('num-slaves')) !== replicaCount) return false;
      }
      return true;
    });

    const currentPrimary = async () => {
      for (const s of sentinels) {
        if (!s.isRunning()) continue;
        const [host, port] = (await s.cli('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName).catch(() => '')).split('\n');
        if (host && port) return { host, port: Number(port) };
      }
      throw new Error('redis sentinel group: no sentinel answered');
    };
    const waitForFailover = async (oldPort: number, timeoutMs = 20_000) => {
      let found: { host: string; port: number } | undefined;
      await waitUntil(`a primary other than port ${oldPort}`, timeoutMs, async () => {
        const p = await currentPrimary();
        if (p.port === oldPort) return false;
        found = p;
        return true;
      });
      return found!;
    };
    return {
      masterName,
      primary,
      replicas,
      sentinels,
      sentinelAddresses: sentinels.map((s) => `${s.host}:${s.port}`),
      ...(certificate ? { ca: certificate.cert } : {}),
      currentPrimary,
      waitForFailover,
      async killPrimary(timeoutMs = 30_000) {
        const oldPort = primary.port;
        const killedAt = Date.now();
        await primary.kill();
        const promotedMs = waitForFailover(oldPort, timeoutMs).then(() => Date.now() - killedAt);
        promotedMs.catch(() => undefined); // awaited by the caller, or not needed
        return { killedAt, promotedMs };
      },
      async stop() {
        await Promise.all(started.map((s) => s.stop()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
}
