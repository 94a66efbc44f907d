// A real redis-server (Debian's package) for tests: its own temp dir and a free loopback port, with
// or without AOF, and the faults the cluster and failover tests need — SIGKILL (crash), SIGSTOP
// (a hung server or a partition as the client sees it), restart on the same port and directory
// (the AOF reloads). Tests start their own server and never assume one on 6379. Without
// redis-server installed this fails and says how to install it (CI installs it: .ci/run).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
export const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';

export interface RedisTestServerOptions {
  /** `appendonly yes` with `appendfsync always`: every acknowledged write survives a SIGKILL. Default false. */
  aof?: boolean;
  /** RDB snapshots (`save 3600 1 300 100 60 10000`); default false (`save ""`): no persistence at all without `aof`. */
  rdb?: boolean;
  /** `requirepass`: clients must send this password. */
  password?: string;
  /** More redis.conf directives, e.g. `{ 'replicaof': '127.0.0.1 6380' }`. */
  config?: Record<string, string>;
  /**
   * TLS only (`tls-port`, no plain port) with a fresh self-signed certificate for 127.0.0.1 (`ca`),
   * or the one given (a Sentinel group shares one, so that every server trusts the others). The
   * server's own outgoing connections (a replica to its primary, a Sentinel to everything) use TLS
   * too, trusting that certificate.
   */
  tls?: boolean | TestCertificate;
  /** Listen on this port instead of a free one (e.g. to start Redis where a client already waits). */
  port?: number;
  /** Run as Redis Sentinel (`redis-server conf --sentinel`); used by startRedisSentinelGroup. */
  isSentinel?: boolean;
  startTimeoutMs?: number;
}

export interface RedisTestServer {
  readonly host: string;
  readonly port: number;
  /** `redis://[:password@]127.0.0.1:PORT` (`rediss://` with `tls`). */
  readonly url: string;
  /** With `tls`: the server's self-signed certificate (PEM), for the client to trust. */
  readonly ca?: string;
  /** The server's working directory (redis.conf, AOF, dump.rdb, log). */
  readonly dir: string;
  readonly pid: number | undefined;
  isRunning(): boolean;
  /** SIGKILL and wait for the exit: a crash, nothing saved on the way out. */
  kill(): Promise<void>;
  /** SIGSTOP: the process lives and its socket stays open, but nothing is answered. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Starts the server again on the same port and directory (after `kill()` or `stop({ keepDir: true })`). */
  restart(): Promise<void>;
  /** Runs `redis-cli` against this server and returns its output (piped, so plain lines). */
  cli(...args: string[]): Promise<string>;
  /** Whether the server answers PING within `timeoutMs` (default 1000). */
  ping(timeoutMs?: number): Promise<boolean>;
  /** What the server logged so far. */
  log(): string;
  /** Stops the server (SIGTERM, or SIGKILL when paused) and removes its directory unless `keepDir`. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

const running = new Set<ChildProcess>();
// A jest worker that ends without calling stop() must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function checkInstalled(): void {
  if (!existsSync(REDIS_SERVER) || !existsSync(REDIS_CLI)) {
    throw new Error(
      `redis-server is not installed (${REDIS_SERVER}); the Redis tests need a real server: ` +
        'install it with `sudo apt-get install -y redis-server redis-sentinel` (.ci/run does this in CI)',
    );
  }
}

function redisConf(dir: string, port: number, options: RedisTestServerOptions): string {
  const lines: Record<string, string> = {
    port: options.tls ? '0' : String(port),
    ...(options.tls
      ? { 'tls-port': String(port), 'tls-cert-file': join(dir, 'tls.crt'), 'tls-key-file': join(dir, 'tls.key'), 'tls-ca-cert-file': join(dir, 'tls.crt'), 'tls-auth-clients': 'no', 'tls-replication': 'yes' }
      : {}),
    bind: '127.0.0.1',
    dir,
    logfile: '""',
    daemonize: 'no',
    'protected-mode': options.password ? 'yes' : 'no',
  };
  if (!options.isSentinel) {
    Object.assign(lines, {
      appendonly: options.aof ? 'yes' : 'no',
      appendfsync: 'always',
      save: options.rdb ? '3600 1 300 100 60 10000' : '""',
      dbfilename: 'dump.rdb',
    });
  }
  if (options.password) lines.requirepass = options.password;
  return Object.entries({ ...lines, ...options.config })
    .map(([k, v]) => `${k} ${v}`)
    .join('\n')
    .concat('\n');
}

/** A certificate and its key, PEM. */
export interface TestCertificate {
  cert: string;
  key: string;
}

/** A self-signed certificate for 127.0.0.1, to share between TLS test servers. */
export async function makeTestCertificate(): Promise<TestCertificate> {
  const dir = mkdtempSync(join(tmpdir(), 'deskchat-cert-'));
  try {
    await makeCertificate(dir);
    return { cert: readFileSync(join(dir, 'tls.crt'), 'utf8'), key: readFileSync(join(dir, 'tls.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A self-signed certificate for 127.0.0.1 (openssl), for a TLS test server. */
function makeCertificate(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-sha256', '-days', '2', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      (err, _stdout, stderr) => (err ? reject(new Error(`openssl failed: ${stderr || err.message}`)) : resolve()),
    );
  });
}

function cli(port: number, password: string | undefined, args: string[], timeoutMs = 5000, caFile?: string): Promise<string> {
  const auth = password ? ['--no-auth-warning', '-a', password] : [];
  const tls = caFile ? ['--tls', '--cacert', caFile] : [];
  return new Promise((resolve, reject) => {
    execFile(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...tls, ...auth, ...args], { timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`redis-cli ${args.join(' ')} on port ${port}: ${stderr || err.message}`)) : resolve(stdout.trimEnd()),
    );
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts redis-server (or a sentinel) on a free port in a new temp dir; call `stop()` when done. */
export async function startRedisServer(options: RedisTestServerOptions = {}): Promise<RedisTestServer> {
  checkInstalled();
  const dir = mkdtempSync(join(tmpdir(), options.isSentinel ? 'deskchat-sentinel-' : 'deskchat-redis-'));
  const conf = join(dir, options.isSentinel ? 'sentinel.conf' : 'redis.conf');
  let child: ChildProcess | undefined;
  let output = '';
  let port = 0;
  const caFile = options.tls ? join(dir, 'tls.crt') : undefined;

  /** Spawns on `port` and waits for PING; false when the port was taken meanwhile (freePort races). */
  const launch = async (): Promise<boolean> => {
    writeFileSync(conf, redisConf(dir, port, options));
    const args = options.isSentinel ? [conf, '--sentinel'] : [conf];
    const proc = spawn(REDIS_SERVER, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        if (/Address already in use/i.test(output)) return false;
        throw new Error(`redis-server exited (${proc.exitCode ?? proc.signalCode}): ${output.trim().slice(-2000)}`);
      }
      // LOADING (AOF being replayed) is an error reply: keep waiting until PONG.
      const pong = await cli(port, options.password, ['PING'], 1000, caFile).catch(() => '');
      if (pong === 'PONG') return true;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING on port ${port} in time: ${output.trim().slice(-2000)}`);
      }
      await sleep(20);
    }
  };

  const stopChild = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    // redis-server may wait up to its shutdown-timeout (10 s) for lagging replicas: a teardown never waits longer.
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    if (typeof options.tls === 'object') {
      writeFileSync(join(dir, 'tls.crt'), options.tls.cert);
      writeFileSync(join(dir, 'tls.key'), options.tls.key, { mode: 0o600 });
    } else if (options.tls) await makeCertificate(dir);
    for (let attempt = 0; ; attempt++) {
      port = options.port ?? (await freePort());
      if (await launch()) break;
      if (options.port !== undefined) throw new Error(`redis-server: port ${options.port} is in use`);
      if (attempt === 4) throw new Error(`redis-server: no free port after 5 attempts: ${output.trim().slice(-500)}`);
    }
  } catch (err) {
    await stopChild('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  let isPaused = false;
  return {
    host: '127.0.0.1',
    port,
    url: `${options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}),
    dir,
    get pid() {
      return child?.pid;
    },
    isRunning: () => !!child && child.exitCode === null && child.signalCode === null,
    async kill() {
      isPaused = false;
      await stopChild('SIGKILL');
    },
    pause() {
      child?.kill('SIGSTOP');
      isPaused = true;
    },
    resume() {
      child?.kill('SIGCONT');
      isPaused = false;
    },
    async restart() {
      await stopChild('SIGKILL');
      isPaused = false;
      // The port was ours a moment ago; another process taking it now is rare, so retry briefly.
      for (let attempt = 0; !(await launch()); attempt++) {
        if (attempt === 20) throw new Error(`redis-server: port ${port} stayed busy after a restart`);
        await sleep(100);
      }
    },
    cli: (...args) => cli(port, options.password, args, 5000, caFile),
    ping: async (timeoutMs = 1000) => (await cli(port, options.password, ['PING'], timeoutMs, caFile).catch(() => '')) === 'PONG',
    log: () => output,
    async stop(stopOptions = {}) {
      await stopChild(isPaused ? 'SIGKILL' : 'SIGTERM');
      if (!stopOptions.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
