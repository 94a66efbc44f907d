// End-to-end helpers: a real node on free loopback ports with a fresh data directory, real
// @xmpp/client connections, and raw sockets for protocol edges.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { client, type Client } from '@xmpp/client';
import type { CredentialsFactory } from '@xmpp/sasl2';
import type { Element } from '@xmpp/xml';
import { deriveCredentials, silentLogger } from '@deskchat/core';
import { parseConfig, type ServerConfig } from '../config.js';
import { startNode, type RunningNode } from '../node.js';

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');

export function tempDir(prefix = 'deskchat-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A self-signed certificate for localhost made by the same script users run. */
export function devCertificate(): { certFile: string; keyFile: string } {
  const dir = tempDir('deskchat-certs-');
  execFileSync('bash', [path.join(repoRoot, 'scripts/make-dev-certs.sh'), 'localhost', dir], { stdio: 'ignore' });
  return { certFile: path.join(dir, 'localhost.crt'), keyFile: path.join(dir, 'localhost.key') };
}

export interface TestNode {
  node: RunningNode;
  config: ServerConfig;
  port: number;
  /** The HTTP port of BOSH and WebSocket (http.port 0: a free one). */
  httpPort: number;
  addUser(username: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestNode(options: { tls?: boolean; raw?: Record<string, unknown> } = {}): Promise<TestNode> {
  const dataDir = tempDir();
  const cert = options.tls ? devCertificate() : undefined;
  const config = parseConfig(
    {
      dataDir,
      c2s: { host: '127.0.0.1', port: 0, directTlsPort: 0 },
      ...(cert ? { tls: { cert: cert.certFile, key: cert.keyFile } } : { tls: {} }),
      log: { level: 'silent' },
      ...options.raw,
      http: { host: '127.0.0.1', port: 0, ...(options.raw?.http as Record<string, unknown> | undefined) },
      admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN, createFirstAdmin: false, ...(options.raw?.admin as Record<string, unknown> | undefined) },
      // The XEP-0065 proxy on a free loopback port too (its default, 7777, may be taken).
      files: { proxyPort: 0, proxyHost: '127.0.0.1', ...(options.raw?.files as Record<string, unknown> | undefined) },
    },
    dataDir,
  );
  const node = await startNode(config, silentLogger);
  return {
    node,
    config,
    port: node.ports.c2s,
    httpPort: node.ports.http,
    addUser: async (username, password) => {
      await node.core.stores.accounts.createAccount({ username, createdAt: Date.now(), credentials: deriveCredentials(password) });
    },
    stop: () => node.close(),
  };
}

/**
 * A real xmpp.js client signed in over TCP (SCRAM-SHA-1 is its strongest mechanism). Its stream-open
 * timeout is 15 s instead of xmpp.js's 2 s, which a loaded 2-core build machine misses after STARTTLS.
 * xmpp.js enables XEP-0198 stream management by itself; see `fixInboundCount` for its counter.
 */
export async function signIn(port: number, username: string, password: string, resource?: string): Promise<Client> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain: 'localhost', username, password, resource, timeout: 15000 });
  xmpp.on('error', () => {});
  fixInboundCount(xmpp);
  xmpp.reconnect.stop();
  await xmpp.start();
  return xmpp;
}

/**
 * xmpp.js 0.14 counts the stanzas it receives (XEP-0198 'h') from the moment it parses them, but
 * sets the count to zero only once its promise for <enabled/> has resolved, a few microtasks after
 * <enabled/> was parsed. Stanzas that arrived in the same read as <enabled/> (the server writes
 * <enabled/> and, right after it, the answers to the initial presence, in one flush) are counted
 * and then forgotten: its next <a h/> is lower than the previous one, which the server must
 * refuse (handled-count-too-high, XEP-0198 §4: 'h' never goes back), and the stream ends. Here
 * the count restarts when <enabled/> is parsed, as XEP-0198 §4 says, and the late reset is
 * ignored.
 */
export function fixInboundCount(xmpp: Client): void {
  const sm = (xmpp as unknown as { streamManagement?: { inbound: number } }).streamManagement;
  if (!sm) return;
  let inbound = sm.inbound;
  let isLateResetDue = false;
  Object.defineProperty(sm, 'inbound', {
    configurable: true,
    enumerable: true,
    get: () => inbound,
    set: (value: number) => {
      if (isLateResetDue && value === 0) {
        isLateResetDue = false;
        return;
      }
      inbound = value;
    },
  });
  // 'element' is emitted for each element as it is parsed, before the stanzas after it are counted.
  xmpp.on('element', (el) => {
    if (el.is('enabled', 'urn:xmpp:sm:3')) {
      inbound = 0;
      isLateResetDue = true;
    }
  });
  xmpp.on('offline', () => (isLateResetDue = false));
}

/**
 * xmpp.js options that sign in with PLAIN (over loopback) rather than SCRAM. xmpp.js computes
 * SCRAM's PBKDF2 as 8,192 WebCrypto calls in the test process: 0.45 s alone, but tens of seconds
 * when many clients sign in again at once on a loaded machine (a failover test once met the
 * server's 20 s authentication limit that way). That is the test client's cost, not the server's,
 * which checks both mechanisms alike; use it where a test measures or needs many sign-ins under load.
 */
export function plainCredentials(username: string, password: string): { credentials: CredentialsFactory<Client> } {
  return { credentials: (authenticate) => authenticate({ username, password }, 'PLAIN', undefined as unknown as Element) };
}

export async function stopClient(xmpp: Client): Promise<void> {
  await xmpp.stop().catch(() => undefined);
}

/** A raw TCP connection that collects everything the server writes. */
export class RawConnection {
  received = '';
  isClosed = false;
  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (this.received += d));
    socket.on('close', () => (this.isClosed = true));
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until the received text matches, or fails with what was received. */
  async waitFor(pattern: RegExp, timeoutMs = 3000): Promise<string> {
    const start = Date.now();
    while (!pattern.test(this.received)) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${pattern}; received: ${this.received.slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.received;
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    const start = Date.now();
    while (!this.isClosed) {
      if (Date.now() - start > timeoutMs) throw new Error('connection was not closed');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The admin API token of test nodes. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export const STREAM_HEADER = "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

/**
 * xmpp.js verifies TLS against the system CAs only: hand the development certificate to
 * tls.connect as the CA so that verification still happens. Returns the function that undoes it.
 */
export async function trustCertificate(certFile: string): Promise<() => void> {
  const tls = await import('node:tls');
  const ca = fs.readFileSync(certFile);
  const connect = tls.default.connect;
  (tls.default as { connect: unknown }).connect = (options: import('node:tls').ConnectionOptions, ...rest: unknown[]) =>
    (connect as (...a: unknown[]) => import('node:tls').TLSSocket)({ ca, ...options }, ...rest);
  return () => {
    (tls.default as { connect: unknown }).connect = connect;
  };
}

/** `deskchat start` (the built CLI) as its own process, resolved once it logs that it started; `children` keeps it for the test's teardown. */
export async function startDeskchatProcess(env: NodeJS.ProcessEnv, cwd: string, children: ChildProcess[], timeoutMs = 10_000): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'packages/server/dist/cli.js'), 'start'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const start = Date.now();
  while (!output.includes('DeskChat node started')) {
    if (child.exitCode !== null || Date.now() - start > timeoutMs) throw new Error(`server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, output: () => output };
}
