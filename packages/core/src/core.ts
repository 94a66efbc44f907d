// The core of one node: domain, options, hook bus, router, IQ dispatcher, local sessions, stores
// and loaded modules. Transports create sessions with `createSession(transport)`. Shared state
// (session directory, presence, node bus, locks) comes in as ports (design.md §4): in memory for
// one node, or for several Cores in one process; Redis in a cluster.
import { JID, StreamError } from '@deskchat/protocol';
import { HookBus } from './hooks.js';
import { IqDispatcher } from './iq-dispatcher.js';
import { SessionLoadLimit } from './load-limit.js';
import { noopMetrics, type Metrics } from './metrics.js';
import { silentLogger, type Logger } from './log.js';
import { loadModule, type LoadedModule, type Module } from './module-api.js';
import { DEFAULT_CORE_OPTIONS, type CoreOptions } from './options.js';
import { Router } from './router.js';
import { defaultMechanisms } from './sasl/index.js';
import type { SaslMechanism } from './sasl/types.js';
import { Session } from './session.js';
import { AuthThrottle } from './stream/auth-throttle.js';
import { SessionRegistry } from './session-registry.js';
import { memoryStores, type Stores } from './stores.js';
import type { Transport } from './transport.js';
import type { HostedService } from './hook-events.js';
import { parseDocument } from './xml/index.js';
import { memorySharedState, type BusMessage, type ChatLockStore, type LockService, type MucOccupantStore, type NodeBus, type PresenceStore, type SessionDirectory, type SharedState } from './volatile/index.js';

export interface CoreInit {
  options?: CoreOptions;
  stores?: Stores;
  /** Shared volatile state; several Cores given the same one form a cluster in one process. */
  shared?: SharedState;
  /** This node's name in the cluster (unique); 'local' for a single node. */
  node?: string;
  log?: Logger;
  mechanisms?: SaslMechanism[];
  metrics?: Metrics;
}

export class Core {
  readonly options: CoreOptions;
  readonly domain: string;
  readonly node: string;
  readonly log: Logger;
  readonly stores: Stores;
  readonly directory: SessionDirectory;
  readonly presence: PresenceStore;
  readonly bus: NodeBus;
  readonly locks: LockService;
  readonly chatLocks: ChatLockStore;
  readonly mucOccupants: MucOccupantStore;
  readonly hooks: HookBus;
  readonly router: Router;
  readonly iq: IqDispatcher;
  /** This node's bound sessions. Other nodes' sessions are known only through the directory. */
  readonly sessions = new SessionRegistry();
  readonly mechanisms: SaslMechanism[];
  readonly authThrottle: AuthThrottle;
  readonly metrics: Metrics;
  /** Refuses sign-ins at limits.maxSessionsPerNode until back under the restore threshold. */
  readonly loadLimit: SessionLoadLimit;
  readonly services = new Map<string, unknown>();
  /** Services on subdomains of the server's domain (e.g. conference.<domain>), by domain: see docs/routing.md. */
  readonly hostedServices = new Map<string, HostedService>();
  /** Resources the server publishes presence from itself (composed presence); clients cannot bind them. */
  readonly reservedResources = new Set<string>();
  /** Every stream, bound or still negotiating (for limits and shutdown). */
  readonly streams = new Set<Session>();
  private readonly modules: LoadedModule[] = [];
  /** Sessions whose unbinding (directory, 'session/unbound' handlers) is still running. */
  private readonly unbinding = new Set<Promise<void>>();
  private unsubscribe?: () => Promise<void>;
  private isClosing = false;

  constructor(init: CoreInit = {}) {
    this.options = init.options ?? DEFAULT_CORE_OPTIONS;
    this.domain = this.options.domain;
    this.node = init.node ?? 'local';
    this.log = init.log ?? silentLogger;
    this.stores = init.stores ?? memoryStores();
    const shared = init.shared ?? memorySharedState(this.stores.presenceState);
    this.directory = shared.directory;
    this.presence = shared.presence;
    this.bus = shared.bus;
    this.locks = shared.locks;
    this.chatLocks = shared.chatLocks;
    this.mucOccupants = shared.mucOccupants;
    this.mechanisms = init.mechanisms ?? defaultMechanisms();
    this.metrics = init.metrics ?? noopMetrics;
    this.loadLimit = new SessionLoadLimit(this.options.limits);
    this.authThrottle = new AuthThrottle(this.options.limits.authFailuresPerAddress, this.options.limits.authLockoutSeconds * 1000);
    this.hooks = new HookBus(this.log);
    this.router = new Router(this);
    this.iq = new IqDispatcher(this);
  }

  /** Joins the node bus (stanzas and orders for this node's sessions). Call once, before serving. */
  async start(): Promise<void> {
    this.unsubscribe ??= await this.bus.subscribe(this.node, (message) => this.onBusMessage(message));
  }

  async load<O>(module: Module<O>, options?: Partial<O>): Promise<void> {
    this.modules.push(await loadModule(this, module, options));
  }

  jid(username: string, resource?: string): JID {
    return new JID(username, this.domain, resource);
  }

  /** A new stream on a transport; refused with `resource-constraint` past the node's session limit. */
  createSession(transport: Transport): Session {
    const session = new Session(this, transport);
    if (this.isClosing || this.streams.size >= this.options.limits.maxSessions) {
      session.close(new StreamError(this.isClosing ? 'system-shutdown' : 'resource-constraint', 'this node is not accepting sessions'));
      return session;
    }
    this.streams.add(session);
    return session;
  }

  /** A bound session ended: it leaves the registry and the directory, then modules are told ('session/unbound'). */
  unbind(session: Session, error?: StreamError): void {
    this.sessions.remove(session);
    this.iq.abandon(session.jid!.toString());
    const done = (async () => {
      const { local, resource } = session.jid!;
      try {
        await this.directory.unregister(local, resource, session.id);
      } catch (err) {
        this.log.error({ err }, 'could not remove a session from the directory');
      }
      await this.hooks.notify('session/unbound', { session, error });
    })();
    this.unbinding.add(done);
    void done.finally(() => this.unbinding.delete(done));
  }

  /** Closes a session wherever it is: here directly, on another node by an order over the bus. */
  async closeSession(target: { node: string; username: string; resource: string; sessionId: string }, error: StreamError): Promise<void> {
    if (target.node !== this.node) {
      await this.bus.publish(target.node, { type: 'close', username: target.username, resource: target.resource, sessionId: target.sessionId, condition: error.condition, ...(error.text ? { text: error.text } : {}), ...(error.seeOtherHost ? { seeOther: error.seeOtherHost } : {}) });
      return;
    }
    const session = this.sessions.get(target.username, target.resource);
    if (session?.id === target.sessionId) session.close(error);
  }

  /** Closes every stream with `system-shutdown` (RFC 6120 §4.9.3.22), lets unbinding finish, then unloads modules. */
  async shutdown(text = 'the server is shutting down'): Promise<void> {
    this.isClosing = true;
    for (const session of [...this.streams]) session.close(new StreamError('system-shutdown', text));
    while (this.unbinding.size > 0) await Promise.all([...this.unbinding]);
    for (const module of this.modules.splice(0).reverse()) module.unload();
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async onBusMessage(message: BusMessage): Promise<void> {
    try {
      if (message.type === 'stanza') {
        const stanza = parseDocument(message.stanza, this.forwardedLimits);
        const [local, resource] = splitFullJid(message.to);
        const session = this.sessions.get(local, resource);
        // The directory sent it here but the session is gone: back to the router (conventions §7).
        if (session && session.state !== 'closed') await session.deliver(stanza);
        else await this.router.redeliver([stanza]);
      } else if (message.type === 'close') {
        const session = this.sessions.get(message.username, message.resource);
        if (session?.id === message.sessionId) session.close(new StreamError(message.condition as StreamError['condition'], message.text, message.seeOther));
      } else if (message.type === 'iq-reply') {
        await this.iq.onReply(parseDocument(message.stanza, this.forwardedLimits));
      }
    } catch (err) {
      this.log.error({ err, type: message.type }, 'could not handle a message from the node bus');
    }
  }

  /** Stanzas between nodes passed the stream limits once; a forwarded copy may carry a little more (delay, addressing). */
  private get forwardedLimits() {
    return { ...this.options.xml, maxStanzaBytes: this.options.xml.maxStanzaBytes + 4096 };
  }
}

function splitFullJid(full: string): [string, string] {
  const at = full.indexOf('@');
  const slash = full.indexOf('/', at);
  return [full.slice(0, at), full.slice(slash + 1)];
}
