// Helpers for the cluster end-to-end tests (issue 8 §5–8): nodes of a cluster started in this
// process on a real redis-server, each on free loopback ports that its public URL names (so that
// discovery answers and redirects point at ports that really answer), a logger that keeps what a
// node logged, the admin API of a node, raw discovery over TCP, and polling with a deadline.
import net from 'node:net';
import { deriveCredentials, type Logger } from '@deskchat/core';
import { freePort, startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { client, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { parseConfig, type ServerConfig } from '../config.js';
import { startNode, type RunningNode } from '../node.js';
import { ADMIN_TOKEN, RawConnection, STREAM_HEADER, tempDir } from './e2e-helpers.js';

/** One line a node logged, as pino would have written it. */
export interface LogLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  msg?: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every line (from `info` up) for assertions. */
export class RecordingLogger implements Logger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  child(bindings: Record<string, unknown>): Logger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }
  trace(): void {}
  debug(): void {}
  info(obj: unknown, msg?: string): void {
    this.push('info', obj, msg);
  }
  warn(obj: unknown, msg?: string): void {
    this.push('warn', obj, msg);
  }
  error(obj: unknown, msg?: string): void {
    this.push('error', obj, msg);
  }
  private push(level: LogLine['level'], obj: unknown, msg?: string): void {
    this.lines.push({ level, msg, fields: { ...this.bindings, ...(typeof obj === 'object' && obj !== null ? obj : { value: obj }) } });
  }
}

export interface ClusterNodePorts {
  c2s: number;
  http: number;
  admin: number;
}

/** A cluster node in this process, restartable on the same ports, name and data directory. */
export class ClusterNode {
  node?: RunningNode;
  readonly log = new RecordingLogger();

  private constructor(
    readonly name: string,
    readonly pair: string,
    /** The loopback address it listens on (each node may have its own: 127.0.0.0/8 is all loopback). */
    readonly host: string,
    readonly ports: ClusterNodePorts,
    readonly config: ServerConfig,
  ) {}

  /**
   * Picks free ports on `options.host` (default 127.0.0.1), names them in the public URL, and starts
   * the node; `cluster` adds to the cluster section, `raw` to the rest of the configuration.
   */
  static async start(redisUrl: string, name: string, pair: string, options: { host?: string; cluster?: Record<string, unknown>; raw?: Record<string, unknown> } = {}): Promise<ClusterNode> {
    const { host = '127.0.0.1', cluster = {}, raw = {} } = options;
    const ports = { c2s: await freePort(host), http: await freePort(host), admin: await freePort(host) };
    const dataDir = tempDir(`deskchat-${name}-`);
    const config = parseConfig(
      {
        dataDir,
        log: { level: 'silent' },
        tls: {},
        ...raw,
        c2s: { host, port: ports.c2s, directTlsPort: 0, ...(raw.c2s as object | undefined) },
        // The XEP-0065 proxy on a free port too (its default, 7777, may be taken, e.g. by another test run).
        files: { proxyPort: 0, proxyHost: host, ...(raw.files as object | undefined) },
        http: { host, port: ports.http },
        // The SOCKS5 proxy's fixed default port (7777) would clash between nodes (and other servers) of one machine.
        admin: { host, port: ports.admin, token: ADMIN_TOKEN, createFirstAdmin: false },
        cluster: { redisUrl, node: name, pair, publicUrl: `http://${host}:${ports.http}`, heartbeatSeconds: 1, deadAfterSeconds: 3, ...cluster },
      },
      dataDir,
    );
    const node = new ClusterNode(name, pair, host, ports, config);
    await node.restart();
    return node;
  }

  get running(): RunningNode {
    if (!this.node) throw new Error(`${this.name} is not running`);
    return this.node;
  }

  get boshUrl(): string {
    return `http://${this.host}:${this.ports.http}/http-bind`;
  }

  get websocketUrl(): string {
    return `ws://${this.host}:${this.ports.http}/xmpp-websocket`;
  }

  /** Starts the node (again) with the same configuration. */
  async restart(): Promise<void> {
    if (this.node) throw new Error(`${this.name} is already running`);
    this.node = await startNode(this.config, this.log);
  }

  /** A graceful stop (SIGTERM's path): out of the registry, clients sent to the pair peer. */
  async stop(): Promise<void> {
    const node = this.node;
    this.node = undefined;
    await node?.close();
  }

  async addUser(username: string, password = `pw-${username}`): Promise<void> {
    await this.running.core.stores.accounts.createAccount({ username, createdAt: Date.now(), credentials: deriveCredentials(password) });
  }

  /** A real xmpp.js client signed in over TCP on this node (reconnection off; see-other-host is followed by xmpp.js itself). */
  async signIn(username: string, resource: string, password = `pw-${username}`): Promise<Client> {
    return signInAt(this.host, this.ports.c2s, username, resource, password);
  }

  /** The user's home (durably assigned in the cluster registry). */
  async assign(username: string, node: string): Promise<void> {
    await this.running.cluster!.registry.assign(username, node);
  }

  /** The admin API of this node with the test token. */
  admin(path: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`http://${this.host}:${this.ports.admin}${path}`, { method: init.method ?? 'GET', headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
  }

  /** Usernames of the sessions bound on this node. */
  sessionUsers(): string[] {
    return this.node ? [...this.node.core.sessions.all()].map((s) => s.jid?.toString() ?? `${s.username}`) : [];
  }

  warnings(): LogLine[] {
    return this.log.lines.filter((l) => l.level === 'warn' || l.level === 'error');
  }
}

/** xmpp.js over TCP at host:port (SCRAM-SHA-1, its strongest mechanism). */
export async function signInAt(host: string, port: number, username: string, resource: string, password = `pw-${username}`): Promise<Client> {
  const xmpp = client({ timeout: 15000, service: `xmpp://${host}:${port}`, domain: 'localhost', username, password, resource });
  xmpp.on('error', () => {});
  xmpp.reconnect.stop();
  await xmpp.start();
  return xmpp;
}

/** The features a TCP client gets for a stream whose header announces `from`, before authentication. */
export async function discoverOverTcp(port: number, from: string, host = '127.0.0.1'): Promise<string> {
  const raw = await RawConnection.connect(port, host);
  try {
    raw.write(STREAM_HEADER.replace("to='localhost'", `to='localhost' from='${from}'`));
    const received = await raw.waitFor(/<\/stream:features>/, 5000);
    return received.slice(received.indexOf('<stream:features'), received.indexOf('</stream:features>') + '</stream:features>'.length);
  } finally {
    raw.destroy();
  }
}

/** What a discovery answer names: the <hostname/>s in order, and the <home/>/<backup/> attributes. */
export interface Discovered {
  hostnames: string[];
  home?: Record<string, string>;
  backup?: Record<string, string>;
}

export function readDiscovery(features: Element): Discovered {
  const mechanisms = features.getChild('mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl');
  const hostnames = (mechanisms?.getChildren('hostname', 'urn:xmpp:domain-based-name:1') ?? []).map((h) => h.text());
  const home = features.getChild('home', 'urn:deskchat:cluster:0')?.attrs as Record<string, string> | undefined;
  const backup = features.getChild('backup', 'urn:deskchat:cluster:0')?.attrs as Record<string, string> | undefined;
  return { hostnames, ...(home ? { home } : {}), ...(backup ? { backup } : {}) };
}

/** What discovery should say for a node: its name and the addresses it listens on. */
export function addressOf(node: ClusterNode): Record<string, string> {
  return { xmlns: 'urn:deskchat:cluster:0', node: node.name, bosh: node.boshUrl, websocket: node.websocketUrl, host: node.host, port: String(node.ports.c2s) };
}

/** Polls `check` until it returns something truthy; fails with `describe()` after the deadline. */
/** A signed-in client that keeps every stanza it receives; `iq` sends a request and waits for its reply among them. */
export interface RecordingClient {
  xmpp: Client;
  stanzas: Element[];
  iq(el: Element): Promise<Element>;
}

let recordedIqs = 0;
export function recording(xmpp: Client): RecordingClient {
  const stanzas: Element[] = [];
  xmpp.on('stanza', (el: Element) => void stanzas.push(el));
  return {
    xmpp,
    stanzas,
    async iq(el) {
      const id = `e2e-${++recordedIqs}`;
      el.attrs.id = id;
      await xmpp.send(el);
      return eventually(() => stanzas.find((s) => s.is('iq') && s.attrs.id === id), `the reply to ${id}`);
    },
  };
}

export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 8000, describe: () => string = () => ''): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe() ? `; ${describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Whether something accepts connections on the port (a node that is down refuses them). */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * One node pair (imp1a and imp1b, pair1) on a fresh redis-server with AOF, each user created once
 * and placed on its home node: the set-up of the cluster suites of issue #13's features.
 */
export class NodePair {
  private constructor(
    readonly redis: RedisTestServer,
    readonly imp1a: ClusterNode,
    readonly imp1b: ClusterNode,
  ) {}

  static async start(homes: Record<string, 'imp1a' | 'imp1b'>, raw?: Record<string, unknown>): Promise<NodePair> {
    const redis = await startRedisServer({ aof: true });
    const options = raw ? { raw } : {};
    const nodes = await Promise.allSettled([ClusterNode.start(redis.url, 'imp1a', 'pair1', options), ClusterNode.start(redis.url, 'imp1b', 'pair1', options)]);
    const [imp1a, imp1b] = nodes.map((n) => (n.status === 'fulfilled' ? n.value : undefined));
    if (!imp1a || !imp1b) {
      for (const node of [imp1a, imp1b]) await node?.stop().catch(() => undefined);
      await redis.stop();
      throw (nodes.find((n) => n.status === 'rejected') as PromiseRejectedResult).reason;
    }
    const pair = new NodePair(redis, imp1a, imp1b);
    for (const [user, home] of Object.entries(homes)) {
      await imp1a.addUser(user);
      await imp1a.assign(user, home);
    }
    return pair;
  }

  /** The clients first (their streams close cleanly), then both nodes, then Redis. */
  async stop(clients: Client[]): Promise<void> {
    await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
    for (const node of [this.imp1a, this.imp1b]) await node.stop().catch(() => undefined);
    await this.redis.stop();
  }
}

