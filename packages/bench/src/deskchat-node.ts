// Starts a DeskChat node for a bench run as a separate process (`deskchat start` from the built
// server package; the bench is a client and imports no server code), on free loopback ports, with
// a fresh data directory holding the bench users. Creating accounts costs a key derivation each
// (~1–2 ms), so they are imported once with `deskchat user import` into a template directory kept
// between runs, and each run starts from a copy of it.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Account } from './clients.js';
import type { TargetServer } from './coordinator.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVER_CLI = path.join(REPO_ROOT, 'packages/server/dist/cli.js');

/**
 * The config file of every bench node. Every generated client comes from 127.0.0.1, which here
 * stands for thousands of client addresses: the node's per-address caps (issue #7 §2) are lifted so
 * that they are not what is measured. The file-transfer scenario sends files of any --file-mb, as
 * often as it is run.
 */
export const BENCH_NODE_CONFIG =
  'limits: { streamsPerAddress: 1000000, unauthenticatedPerAddress: 1000000, connectionsPerAddress: 1000000 }\n' +
  'files: { maxBytes: 1073741824, quotaBytesPerUser: 0, maxFilesPerDay: 0 }\n';

export interface LaunchedServer extends TargetServer {
  stop(): Promise<void>;
}

export interface DeskChatLaunch {
  users: number;
  account: Account;
  domain: string;
  boshPath: string;
  wsPath: string;
  needsHttp: boolean;
  /** Directory for node --cpu-prof output, to profile the server. */
  cpuProfDir?: string;
  accountsDir?: string;
  log(line: string): void;
}

export async function startDeskChat(launch: DeskChatLaunch): Promise<LaunchedServer> {
  if (!fs.existsSync(SERVER_CLI)) throw new Error(`${SERVER_CLI} is missing: build first (npm run build)`);
  const template = await ensureAccounts(launch);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskchat-bench-run-'));
  const dataDir = path.join(runDir, 'data');
  fs.cpSync(template, dataDir, { recursive: true });
  const [c2sPort, tlsPort, httpPort, adminPort] = await freePorts(4);
  const env = {
    ...withoutDeskChatVariables(process.env),
    DESKCHAT_DOMAIN: launch.domain,
    DESKCHAT_DATA_DIR: dataDir,
    DESKCHAT_C2S_HOST: '127.0.0.1',
    DESKCHAT_C2S_PORT: String(c2sPort),
    DESKCHAT_C2S_TLS_PORT: String(tlsPort),
    DESKCHAT_HTTP_HOST: '127.0.0.1',
    DESKCHAT_HTTP_PORT: String(httpPort),
    DESKCHAT_ADMIN_HOST: '127.0.0.1',
    DESKCHAT_ADMIN_PORT: String(adminPort),
    DESKCHAT_FILES_PROXY_PORT: '0', // the SOCKS5 proxy is not measured here; 7777 may be taken
    // Quiet by default; DESKCHAT_BENCH_LOG_LEVEL=debug keeps the server's story of a failed run.
    DESKCHAT_LOG_LEVEL: process.env.DESKCHAT_BENCH_LOG_LEVEL ?? 'warn',
  };
  fs.writeFileSync(path.join(runDir, 'deskchat.yaml'), BENCH_NODE_CONFIG);
  const logFile = path.join(runDir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const profile = launch.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(launch.cpuProfDir)] : [];
  // cwd is the run directory: only the deskchat.yaml above, and no development certificates, are picked up.
  const child = spawn(process.execPath, [...profile, SERVER_CLI, 'start'], { cwd: runDir, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let isStopping = false;
  let hasCrashed = false;
  child.once('exit', (code, signal) => {
    if (isStopping) return;
    hasCrashed = true;
    process.stderr.write(`bench: the DeskChat node exited during the run (${signal ?? code}); its log is kept: ${logFile}\n${tail(logFile)}\n`);
  });
  const stop = () => {
    isStopping = true;
    return stopProcess(child, runDir, hasCrashed);
  };
  try {
    await waitForPort(c2sPort, child, logFile, 30_000);
    if (launch.needsHttp) await waitForPort(httpPort, child, logFile, 5000, 'nothing listens on the HTTP port: this DeskChat build has no BOSH/WebSocket yet');
  } catch (err) {
    await stop();
    throw err;
  }
  launch.log(`DeskChat node pid ${child.pid} on 127.0.0.1 c2s ${c2sPort}, http ${httpPort}; log ${logFile}`);
  return {
    name: 'deskchat',
    endpoint: { host: '127.0.0.1', c2sPort, httpPort, domain: launch.domain, boshPath: launch.boshPath, wsPath: launch.wsPath },
    account: launch.account,
    pid: child.pid,
    stop,
  };
}

/** The template data directory holding at least `users` bench accounts (imported once, then reused). */
async function ensureAccounts(launch: DeskChatLaunch): Promise<string> {
  const root = launch.accountsDir ?? path.join(os.tmpdir(), 'deskchat-bench-accounts');
  // Keyed by prefix, password and the storage schema, so a schema change starts a new template.
  const migrations = path.join(REPO_ROOT, 'packages/storage-sqlite/dist/migrations.js');
  const schema = fs.existsSync(migrations) ? fs.readFileSync(migrations) : '';
  const key = crypto.createHash('sha256').update(`${launch.account.prefix}\0${launch.account.password}\0`).update(schema).digest('hex').slice(0, 12);
  const dir = path.join(root, `${launch.account.prefix}-${key}`);
  const dataDir = path.join(dir, 'data');
  const countFile = path.join(dir, 'count');
  fs.mkdirSync(dir, { recursive: true });
  const release = await lock(`${dir}.lock`);
  try {
    const have = fs.existsSync(countFile) ? Number(fs.readFileSync(countFile, 'utf8')) || 0 : 0;
    if (have >= launch.users) return dataDir;
    launch.log(`creating bench users ${have + 1}..${launch.users} with deskchat user import (once; kept in ${dir})`);
    const rows = ['username,password'];
    for (let i = have; i < launch.users; i++) rows.push(`${launch.account.prefix}${i + 1},${launch.account.password}`);
    const csv = path.join(dir, 'import.csv');
    fs.writeFileSync(csv, `${rows.join('\n')}\n`);
    const env = { ...withoutDeskChatVariables(process.env), DESKCHAT_DATA_DIR: dataDir, DESKCHAT_LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [SERVER_CLI, 'user', 'import', csv], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    fs.rmSync(csv, { force: true });
    if (code !== 0) throw new Error(`deskchat user import failed (${code}): ${output.slice(-2000)}`);
    fs.writeFileSync(countFile, String(launch.users));
    return dataDir;
  } finally {
    release();
  }
}

async function lock(lockDir: string): Promise<() => void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })!.mtimeMs;
      if (age > 600_000) fs.rmSync(lockDir, { recursive: true, force: true }); // left by a killed run
      if (Date.now() > deadline) throw new Error(`${lockDir} is held by another bench run`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function withoutDeskChatVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('DESKCHAT_')));
}

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function waitForPort(port: number, child: ChildProcess | undefined, logFile: string | undefined, timeoutMs: number, failure = `nothing listens on port ${port}`): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${tail(logFile)}`);
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`${failure} (after ${timeoutMs / 1000} s)${logFile ? `: ${tail(logFile)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function tail(file: string | undefined): string {
  if (!file || !fs.existsSync(file)) return '';
  return fs.readFileSync(file, 'utf8').slice(-1500);
}

async function stopProcess(child: ChildProcess, runDir: string, keep: boolean): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    // SIGTERM lets the node close its streams and write a --cpu-prof profile.
    child.kill('SIGTERM');
    const exited = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!exited) child.kill('SIGKILL');
  }
  if (!keep && !process.env.DESKCHAT_BENCH_KEEP) fs.rmSync(runDir, { recursive: true, force: true });
}
