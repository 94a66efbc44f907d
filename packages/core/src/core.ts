// The core of one node: domain, options, hook bus, router, IQ dispatcher, local sessions, stores
// and loaded modules. Transports create sessions with `createSession(transport)`.
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

export interface CoreInit {
  options?: CoreOptions;
  stores?: Stores;
  log?: Logger;
  mechanisms?: SaslMechanism[];
  metrics?: Metrics;
}

export class Core {
  readonly options: CoreOptions;
  readonly domain: string;
  readonly log: Logger;
  readonly stores: Stores;
  readonly hooks: HookBus;
  readonly router: Router;
  readonly iq: IqDispatcher;
  readonly sessions = new SessionRegistry();
  readonly mechanisms: SaslMechanism[];
  readonly authThrottle: AuthThrottle;
  readonly metrics: Metrics;
  /** Refuses sign-ins at limits.maxSessionsPerNode until back under the restore threshold. */
  readonly loadLimit: SessionLoadLimit;
  readonly services = new Map<string, unknown>();
  /** Resources the server publishes presence from itself (composed presence); clients cannot bind them. */
  readonly reservedResources = new Set<string>();
  /** Every stream, bound or still negotiating (for limits and shutdown). */
  readonly streams = new Set<Session>();
  private readonly modules: LoadedModule[] = [];
  private isClosing = false;

  constructor(init: CoreInit = {}) {
    this.options = init.options ?? DEFAULT_CORE_OPTIONS;
    this.domain = this.options.domain;
    this.log = init.log ?? silentLogger;
    this.stores = init.stores ?? memoryStores();
    this.mechanisms = init.mechanisms ?? defaultMechanisms();
    this.metrics = init.metrics ?? noopMetrics;
    this.loadLimit = new SessionLoadLimit(this.options.limits);
    this.authThrottle = new AuthThrottle(this.options.limits.authFailuresPerAddress, this.options.limits.authLockoutSeconds * 1000);
    this.hooks = new HookBus(this.log);
    this.router = new Router(this);
    this.iq = new IqDispatcher(this);
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

  /** Closes every stream with `system-shutdown` (RFC 6120 §4.9.3.22) and unloads modules. */
  async shutdown(text = 'the server is shutting down'): Promise<void> {
    this.isClosing = true;
    for (const session of [...this.streams]) session.close(new StreamError('system-shutdown', text));
    for (const module of this.modules.splice(0).reverse()) module.unload();
  }
}
