// The in-process harness (conventions §11, level 2): a real Core with its modules and memory
// stores, and clients that negotiate real streams over FakeTransport. Stanzas in, stanzas out.
//
// Cluster mode: with `nodes: 2` (or DESKCHAT_HARNESS_NODES=2 in the environment, which the jest
// project 'im-two-nodes' sets) the harness runs that many Cores sharing one set of stores and one
// in-memory session directory, presence store, node bus and locks, and places successive
// connections on successive nodes — so a test written for one node runs with its users (and even
// one user's resources) split across nodes, exactly as a cluster would route them.
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError, type JID } from '@deskchat/protocol';
import { Core, MemoryBoshStateStore, coreModules, deriveCredentials, memorySharedState, memoryStores, DEFAULT_CORE_OPTIONS, type Clock, type CoreOptions, type Module, type Session, type SharedState, type Stores } from '@deskchat/core';
import { FakeTransport } from './fake-transport.js';

export interface HarnessClient {
  readonly session: Session;
  readonly transport: FakeTransport;
  readonly jid: JID;
  /** Feeds an element as if the client had sent it, and waits until core has handled it. */
  send(el: Element): Promise<void>;
  /** The next element written to this client that matches. */
  next(match?: (el: Element) => boolean, timeoutMs?: number): Promise<Element>;
  /** Sends an IQ and resolves with the reply of the same id. */
  iq(el: Element): Promise<Element>;
}

let counter = 0;

export interface HarnessOptions {
  core?: Partial<CoreOptions>;
  modules?: Module<any>[];
  /** Cores sharing stores and volatile state (default: DESKCHAT_HARNESS_NODES, else 1). */
  nodes?: number;
  /** Stores to use instead of the in-memory ones (e.g. a deliberately slow one). */
  stores?: Partial<Stores>;
  /** Modules that differ per node (e.g. the cluster module, which knows which node it runs on), loaded first. */
  nodeModules?: (node: string, index: number) => Module<any>[];
  /** Each node's shared state (e.g. Redis, one connection per node) instead of one in-memory set for all. */
  shared?: (node: string, index: number) => SharedState;
  /** The clock of stream management's timers (a ManualClock lets a test run them without waiting). */
  clock?: Clock;
}

export class Harness {
  /** The first node (every node shares its stores). */
  readonly core: Core;
  readonly cores: Core[];
  private connections = 0;

  private constructor(cores: Core[]) {
    this.cores = cores;
    this.core = cores[0];
  }

  static async create(options: HarnessOptions = {}): Promise<Harness> {
    const count = options.nodes ?? Number(process.env.DESKCHAT_HARNESS_NODES ?? 1);
    const stores = { ...memoryStores(), ...options.stores };
    // Several nodes can continue each other's BOSH sessions (issue "Failover"); one has nobody to hand them to.
    const memoryShared = options.shared ? undefined : { ...memorySharedState(stores.presenceState), ...(count > 1 ? { boshState: new MemoryBoshStateStore() } : {}) };
    const cores: Core[] = [];
    for (let i = 0; i < count; i++) {
      const node = count === 1 ? 'local' : `node${i + 1}`;
      const core = new Core({ options: { ...DEFAULT_CORE_OPTIONS, ...options.core }, stores, shared: memoryShared ?? options.shared!(node, i), node, clock: options.clock });
      await core.start();
      for (const module of [...(options.nodeModules?.(core.node, i) ?? []), ...coreModules, ...(options.modules ?? [])]) await core.load(module);
      cores.push(core);
    }
    return new Harness(cores);
  }

  /**
   * What a crashed process looks like from outside: node `index` stops reading the bus and its
   * sessions simply stop (no stream is closed, nothing is unregistered). Its registration, directory
   * entries and presence stay in the shared state for a takeover to clean up.
   */
  async crash(index: number): Promise<void> {
    const core = this.cores[index] as unknown as { unsubscribe?: () => Promise<void>; streams: Set<unknown>; sessions: { remove(s: unknown): void } };
    await core.unsubscribe?.();
    core.unsubscribe = undefined;
    for (const session of [...this.cores[index].streams, ...this.cores[index].sm.hibernated]) {
      (session as { state: string }).state = 'closed';
      this.cores[index].streams.delete(session);
      this.cores[index].sm.hibernated.delete(session);
      this.cores[index].sessions.remove(session);
    }
  }

  async addUser(username: string, password = 'secret'): Promise<void> {
    await this.core.stores.accounts.createAccount({ username, createdAt: Date.now(), credentials: deriveCredentials(password, 4096) });
  }

  /** Opens a stream, authenticates with PLAIN (over a loopback fake) and binds `resource`. */
  async connect(username: string, options: { password?: string; resource?: string; transport?: FakeTransport; node?: number } = {}): Promise<HarnessClient> {
    const { session, transport } = await this.authenticate(username, options);
    const resource = options.resource ?? `r${++counter}`;
    await session.onElement(xml('iq', { type: 'set', id: 'bind' }, xml('bind', { xmlns: NS.BIND }, xml('resource', {}, resource))));
    const bound = await transport.next((el) => el.name === 'iq' && el.attrs.id === 'bind');
    if (bound.attrs.type !== 'result') throw new Error(`bind failed: ${StanzaError.fromStanza(bound)?.condition}`);
    transport.drain();
    return makeClient(session, transport);
  }

  /**
   * Opens a stream and authenticates with PLAIN, stopping at the restarted stream's features
   * (taken from the transport): the point where a client binds, or resumes (XEP-0198 §5).
   */
  async authenticate(username: string, options: { password?: string; transport?: FakeTransport; node?: number } = {}): Promise<{ session: Session; transport: FakeTransport; features: Element }> {
    const transport = options.transport ?? new FakeTransport();
    const core = this.cores[(options.node ?? this.connections++) % this.cores.length];
    const session = core.createSession(transport);
    await session.onStreamOpen({ to: core.domain, version: '1.0', xmlns: NS.CLIENT, 'xmlns:stream': NS.STREAM });
    const auth = Buffer.from(`\0${username}\0${options.password ?? 'secret'}`).toString('base64');
    await session.onElement(xml('auth', { xmlns: NS.SASL, mechanism: 'PLAIN' }, auth));
    const outcome = await transport.next((el) => el.attrs.xmlns === NS.SASL);
    if (outcome.name !== 'success') throw new Error(`authentication failed: ${outcome.toString()}`);
    transport.drain();
    await session.onStreamOpen({ to: core.domain, version: '1.0', xmlns: NS.CLIENT });
    const features = await transport.next((el) => el.name === 'stream:features');
    return { session, transport, features };
  }

  /** A client for a session that did not bind through `connect` (e.g. one that resumed a stream). */
  client(session: Session, transport: FakeTransport): HarnessClient {
    return makeClient(session, transport);
  }
}

function makeClient(session: Session, transport: FakeTransport): HarnessClient {
  let ids = 0;
  // Like every client library, answer the server's pings (XEP-0199 §4.2), e.g. its check after an offline batch.
  transport.autoReply ??= (el) => {
    if (el.name !== 'iq' || el.attrs.type !== 'get' || !el.getChild('ping', NS.PING)) return false;
    queueMicrotask(() => void session.onElement(xml('iq', { type: 'result', id: el.attrs.id, to: el.attrs.from })));
    return true;
  };
  const client: HarnessClient = {
    session,
    transport,
    jid: session.jid!,
    send: (el) => session.onElement(el),
    next: (match, timeoutMs) => transport.next(match, timeoutMs),
    async iq(el) {
      const id = el.attrs.id ?? (el.attrs.id = `iq${++ids}`);
      const reply = transport.next((r) => r.name === 'iq' && r.attrs.id === id && (r.attrs.type === 'result' || r.attrs.type === 'error'));
      await session.onElement(el);
      return reply;
    },
  };
  return client;
}
