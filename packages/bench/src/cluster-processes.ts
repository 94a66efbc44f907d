// The processes of a cluster run (the failover scenario, and any scenario with --cluster;
// docs/cluster.md): a redis-server with AOF (the cluster refuses a Redis that does not persist)
// and DeskChat nodes (`deskchat start` from the built server package)
// on free loopback ports, as the server's failover e2e test starts them
// (packages/server/src/__tests__/node-process.ts). The bench is a client: it imports no server or
// test code, so this is that logic again, written for a script rather than for jest.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_NODE_CONFIG, REPO_ROOT, freePorts, waitForPort } from './deskchat-node.js';

const SERVER_CLI = path.join(REPO_ROOT, 'packages/server/dist/cli.js');
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';

export interface Process {
  readonly child: ChildProcess;
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface RedisProcess extends Process {
  readonly url: string;
  readonly pid: number;
}

export interface ClusterNodeProcess extends Process {
  readonly pid: number;
  readonly name: string;
  readonly c2s: number;
  readonly http: number;
  readonly admin: number;
  readonly bosh: string;
  kill(signal: NodeJS.Signals): void;
}

const ADMIN_TOKEN = 'failover-bench-admin-token-0123456789';

/**
 * Makes `node` the user's home through the admin API (`PUT /api/v1/users/:name/node`, docs/cluster.md).
 * The API limits request rates (200/s, bursts of 400): past that it answers 429 with Retry-After,
 * and a run with many users waits its turn rather than failing.
 */
export async function assignHome(adminPort: number, user: string, node: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`http://127.0.0.1:${adminPort}/api/v1/users/${user}/node`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ node }),
    });
    if (res.ok) return;
    const text = await res.text();
    if (res.status !== 429 || attempt === 30) throw new Error(`assigning ${user} to ${node}: HTTP ${res.status} ${text}`);
    const seconds = Number(res.headers.get('retry-after'));
    await new Promise((resolve) => setTimeout(resolve, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000));
  }
}

const children = new Set<ChildProcess>();
// An interrupted run must not leave servers behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Where nodes and the CLI find Redis: one server, or the nodes of a Redis Cluster. */
export type RedisEndpoint = { readonly url: string } | { readonly clusterNodes: string };

function redisEnv(redis: RedisEndpoint): Record<string, string> {
  return 'url' in redis ? { DESKCHAT_REDIS_URL: redis.url } : { DESKCHAT_REDIS_CLUSTER_NODES: redis.clusterNodes };
}

/** One redis-server with AOF in runDir/name (the cluster refuses a Redis that persists nothing). */
async function startRedisProcess(runDir: string, name: string, extraConfig: string[] = []): Promise<RedisProcess> {
  if (!fs.existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: cluster runs need redis-server (apt-get install redis-server)`);
  const [port] = await freePorts(1);
  const dir = path.join(runDir, name);
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'redis.conf');
  fs.writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'daemonize no', 'protected-mode no', 'appendonly yes', 'appendfsync everysec', 'save ""', ...extraConfig].join('\n') + '\n');
  const logFile = path.join(dir, 'redis.log');
  const out = fs.openSync(logFile, 'a');
  const child = track(spawn(REDIS_SERVER, [conf], { cwd: dir, stdio: ['ignore', out, out] }));
  fs.closeSync(out);
  await waitForPort(port, child, logFile, 10_000, 'redis-server did not listen');
  return { child, logFile, pid: child.pid!, url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

export function startRedis(runDir: string): Promise<RedisProcess> {
  return startRedisProcess(runDir, 'redis');
}

export interface RedisClusterProcesses {
  readonly clusterNodes: string;
  readonly pids: number[];
  stop(): Promise<void>;
}

/**
 * A three-primary Redis Cluster (no replicas), as `scripts/cluster.sh up --redis-cluster` starts
 * it: cluster-enabled servers joined by `redis-cli --cluster create`, ready at `cluster_state:ok`.
 */
export async function startRedisCluster(runDir: string, primaries = 3): Promise<RedisClusterProcesses> {
  const servers: RedisProcess[] = [];
  const stop = async () => void (await Promise.all(servers.map((s) => s.stop())));
  try {
    for (let i = 0; i < primaries; i++) servers.push(await startRedisProcess(runDir, `redis${i + 1}`, ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 5000']));
    const addresses = servers.map((s) => s.url.replace('redis://', ''));
    await redisCli(['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    for (const address of addresses) {
      const [host, port] = address.split(':');
      for (const deadline = Date.now() + 20_000; !(await redisCli(['-h', host, '-p', port, 'cluster', 'info'])).includes('cluster_state:ok'); ) {
        if (Date.now() > deadline) throw new Error(`the Redis Cluster node ${address} did not reach cluster_state:ok`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return { clusterNodes: addresses.join(','), pids: servers.map((s) => s.pid), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(REDIS_CLI, args, { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`redis-cli ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

function nodeEnv(runDir: string, redis: RedisEndpoint, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DESKCHAT_')));
  return { ...env, ...redisEnv(redis), DESKCHAT_DATA_DIR: path.join(runDir, 'cli-data'), DESKCHAT_LOG_LEVEL: process.env.DESKCHAT_BENCH_LOG_LEVEL ?? 'warn', ...extra };
}

/**
 * `deskchat user import` on the cluster's Redis. With `node`, every user goes to that node (which
 * must have started); without, users imported before any node started stay unassigned, and the
 * node each first signs in on keeps it.
 */
export async function importUsers(runDir: string, redis: RedisEndpoint, users: string[], password: string, node?: string): Promise<void> {
  const csv = path.join(runDir, 'users.csv');
  fs.writeFileSync(csv, `username,password\n${users.map((u) => `${u},${password}`).join('\n')}\n`);
  const child = track(spawn(process.execPath, [SERVER_CLI, 'user', 'import', csv, ...(node ? ['--node', node] : [])], { cwd: runDir, env: nodeEnv(runDir, redis, {}), stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`deskchat user import failed (${code}): ${output.slice(-2000)}`);
}

export interface NodeLaunch {
  runDir: string;
  redis: RedisEndpoint;
  name: string;
  pair: string;
  heartbeatSeconds: number;
  deadAfterSeconds: number;
  /** The XMPP domain (default: the server's, localhost). */
  domain?: string;
  /** Directory for node --cpu-prof output (--server-prof), written when the node stops. */
  cpuProfDir?: string;
}

export async function startClusterNode(launch: NodeLaunch): Promise<ClusterNodeProcess> {
  if (!fs.existsSync(SERVER_CLI)) throw new Error(`${SERVER_CLI} is missing: build first (npm run build)`);
  const [c2s, tls, http, admin] = await freePorts(4);
  const dir = path.join(launch.runDir, launch.name);
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'deskchat.yaml'), BENCH_NODE_CONFIG);
  const env = nodeEnv(launch.runDir, launch.redis, {
    DESKCHAT_DATA_DIR: path.join(dir, 'data'),
    ...(launch.domain ? { DESKCHAT_DOMAIN: launch.domain } : {}),
    DESKCHAT_NODE: launch.name,
    DESKCHAT_PAIR: launch.pair,
    DESKCHAT_PUBLIC_URL: `http://127.0.0.1:${http}`,
    DESKCHAT_C2S_HOST: '127.0.0.1',
    DESKCHAT_C2S_PORT: String(c2s),
    DESKCHAT_C2S_TLS_PORT: String(tls),
    DESKCHAT_HTTP_HOST: '127.0.0.1',
    DESKCHAT_HTTP_PORT: String(http),
    DESKCHAT_ADMIN_HOST: '127.0.0.1',
    DESKCHAT_ADMIN_PORT: String(admin),
    DESKCHAT_ADMIN_TOKEN: ADMIN_TOKEN,
    DESKCHAT_FILES_PROXY_PORT: '0',
    DESKCHAT_HEARTBEAT_SECONDS: String(launch.heartbeatSeconds),
    DESKCHAT_DEAD_AFTER_SECONDS: String(launch.deadAfterSeconds),
  });
  const logFile = path.join(dir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const profile = launch.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(launch.cpuProfDir)] : [];
  const child = track(spawn(process.execPath, [...profile, SERVER_CLI, 'start'], { cwd: dir, env, stdio: ['ignore', out, out] }));
  fs.closeSync(out);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${launch.name} exited at start: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    if (await fetch(`http://127.0.0.1:${admin}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`${launch.name} did not start: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: launch.name,
    pid: child.pid!,
    child,
    logFile,
    c2s,
    http,
    admin,
    bosh: `http://127.0.0.1:${http}/http-bind`,
    kill: (signal) => void child.kill(signal),
    stop: () => stopChild(child),
  };
}

export function newRunDir(kind = 'failover'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `deskchat-bench-${kind}-`));
}
