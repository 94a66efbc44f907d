// A DeskChat node as a real process (`deskchat start`, built dist/), for the tests that kill,
// pause or stop nodes (issue "Failover"). Ports are chosen free before the start, so that the
// node's public URL names them; readiness is its admin port's /healthz.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@deskchat/testing';
import { repoRoot, tempDir } from './e2e-helpers.js';

export interface NodeProcess {
  readonly name: string;
  readonly c2s: number;
  readonly http: number;
  readonly admin: number;
  readonly bosh: string;
  readonly websocket: string;
  readonly log: () => string;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

export const ADMIN_TOKEN = 'failover-test-admin-token-0123456789';

type NodeOptions = { name: string; pair: string; redisUrl: string; env?: Record<string, string> };

/**
 * `redisUrl` '' leaves DESKCHAT_REDIS_URL out (e.g. Redis behind Sentinel, given in `env`). A port
 * found free may be taken before the node binds it (another test's outgoing connection gets it as
 * its ephemeral port; CI met this): the node then refuses to start, and it is started again on new
 * ports, up to three times.
 */
export async function startNodeProcess(options: NodeOptions): Promise<NodeProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(options);
    } catch (err) {
      if (attempt >= 3 || !/is already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnFreePorts(options: NodeOptions): Promise<NodeProcess> {
  const [c2s, tls, http, admin, filesProxy] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = tempDir(`deskchat-${options.name}-`);
  const env: Record<string, string> = {
    ...process.env,
    DESKCHAT_DATA_DIR: dataDir,
    ...(options.redisUrl ? { DESKCHAT_REDIS_URL: options.redisUrl } : {}),
    DESKCHAT_NODE: options.name,
    DESKCHAT_PAIR: options.pair,
    DESKCHAT_PUBLIC_URL: `http://127.0.0.1:${http}`,
    DESKCHAT_C2S_HOST: '127.0.0.1',
    DESKCHAT_C2S_PORT: String(c2s),
    DESKCHAT_C2S_TLS_PORT: String(tls),
    DESKCHAT_HTTP_HOST: '127.0.0.1',
    DESKCHAT_HTTP_PORT: String(http),
    DESKCHAT_ADMIN_PORT: String(admin),
    DESKCHAT_ADMIN_TOKEN: ADMIN_TOKEN,
    // The SOCKS5 proxy's fixed default port (7777) would make nodes on one machine collide.
    DESKCHAT_FILES_PROXY_PORT: String(filesProxy),
    DESKCHAT_LOG_LEVEL: 'warn',
    ...options.env,
  };
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, 'packages/server/dist/cli.js'), 'start'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${options.name} exited at start: ${output.slice(-3000)}`);
    const ok = await fetch(`http://127.0.0.1:${admin}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not start: ${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: options.name,
    c2s,
    http,
    admin,
    bosh: `http://127.0.0.1:${http}/http-bind`,
    websocket: `ws://127.0.0.1:${http}/xmpp-websocket`,
    log: () => output,
    kill: (signal = 'SIGKILL') => void child.kill(signal),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // The node exits by itself within its 20 s shutdown deadline; a test's teardown never waits longer.
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      await exited;
      clearTimeout(timer);
    },
    exited,
  };
}
