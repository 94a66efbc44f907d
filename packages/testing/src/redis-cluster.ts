// A sharded Redis Cluster on free loopback ports (Redis Cluster tutorial,
// https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/), for issue 14's "Keys
// ready for Redis Cluster": three (by default) redis-server processes with `cluster-enabled yes`,
// each in its own temp dir, joined by `redis-cli --cluster create … --cluster-replicas 0
// --cluster-yes` (the 16384 slots split between the primaries), ready once every node reports
// `cluster_state:ok`. No replicas (the storage contracts need sharding, not failover) and no
// persistence unless `aof`. `stop()` stops every process and removes the directories.
import { REDIS_CLI, makeTestCertificate, startRedisServer, type RedisTestServer } from './redis-server.js';
import { join } from 'node:path';
import { execFile } from 'node:child_process';

export interface RedisTestClusterOptions {
  /** Default 3 (Redis Cluster needs at least three primaries). */
  primaries?: number;
  /** `requirepass` and `masterauth` on every node. */
  password?: string;
  /** AOF on every node (a DeskChat node refuses a Redis that persists nothing); default false. */
  aof?: boolean;
  /** How long to wait for `cluster_state:ok` on every node; default 20 s. */
  readyTimeoutMs?: number;
  /** TLS only, clients and the cluster bus (`tls-cluster yes`), one self-signed certificate (`ca`). */
  tls?: boolean;
}

export interface RedisTestCluster {
  /** The primaries as started. */
  readonly nodes: readonly RedisTestServer[];
  /** `host:port` of each node, the form DESKCHAT_REDIS_CLUSTER_NODES takes. */
  readonly addresses: readonly string[];
  /** With `tls`: the certificate every node presents (PEM), for clients to trust. */
  readonly ca?: string;
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function createCluster(addresses: readonly string[], password: string | undefined, timeoutMs: number, caFile?: string): Promise<string> {
  const auth = password ? ['--no-auth-warning', '-a', password] : [];
  const tls = caFile ? ['--tls', '--cacert', caFile] : [];
  const args = [...auth, ...tls, '--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'];
  return new Promise((resolve, reject) => {
    execFile(REDIS_CLI, args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`redis-cli --cluster create failed: ${stderr || err.message}\n${stdout}`)) : resolve(stdout),
    );
  });
}

/** Starts the nodes, creates the cluster and waits until every node says `cluster_state:ok`. */
export async function startRedisCluster(options: RedisTestClusterOptions = {}): Promise<RedisTestCluster> {
  const count = options.primaries ?? 3;
  if (count < 3) throw new Error('a Redis Cluster needs at least three primaries');
  const config: Record<string, string> = {
    'cluster-enabled': 'yes',
    'cluster-config-file': 'nodes.conf',
    'cluster-node-timeout': '5000',
    ...(options.password ? { masterauth: options.password } : {}),
    ...(options.tls ? { 'tls-cluster': 'yes' } : {}),
  };
  const certificate = options.tls ? await makeTestCertificate() : undefined;
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startRedisServer({ config, aof: options.aof ?? false, ...(options.password ? { password: options.password } : {}), ...(certificate ? { tls: certificate } : {}) })),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const addresses = nodes.map((n) => `${n.host}:${n.port}`);
    const timeoutMs = options.readyTimeoutMs ?? 20_000;
    await createCluster(addresses, options.password, timeoutMs, certificate ? join(nodes[0]!.dir, 'tls.crt') : undefined);
    // `--cluster create` returns once the slots are assigned; each node sees `ok` when gossip has
    // told it about all the others.
    const deadline = Date.now() + timeoutMs;
    for (const node of nodes) {
      for (;;) {
        const info = await node.cli('CLUSTER', 'INFO').catch((err: unknown) => String(err));
        if (/^cluster_state:ok\s*$/m.test(info)) break;
        if (Date.now() > deadline) throw new Error(`redis cluster: node ${node.port} not ok after ${timeoutMs} ms:\n${info}`);
        await sleep(50);
      }
    }
    return { nodes, addresses, ...(certificate ? { ca: certificate.cert } : {}), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
