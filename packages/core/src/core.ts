// The core of one node: domain, options, hook bus, router, IQ dispatcher, local sessions, stores
// and loaded modules. Transports create sessions with `createSession(transport)`.
import type { Element } from '@xmpp/xml';
import { JID, StreamError } from '@deskchat/protocol';
import { Admission } from './admission.js';
import { HookBus } from './hooks.js';
import { IqDispatcher } from './iq-dispatcher.js';
import { silentLogger, type Logger } from './log.js';
import { loadModule, type LoadedModule, type Module } from './module-api.js';
import { DEFAULT_CORE_OPTIONS, type CoreOptions } from './options.js';
import { Router } from './router.js';
import { defaultMechanisms } from './sasl/index.js';
import type { SaslMechanism } from './sasl/types.js';
import { Session } from './session.js';
import { RateLimitedSignIns, memorySignInCounters, type SignInCounters, type SignInLimiter } from './stream/sign-in-limiter.js';
import { SessionRegistry } from './session-registry.js';
import { memoryStores, type Stores } from './stores.js';
import type { Transport } from './transport.js';
import type { XmlLimits } from './xml/types.js';
import { redeliverUndelivered } from './undelivered.js';

export interface CoreInit {
  options?: CoreOptions;
  stores?: Stores;
  log?: Logger;
  mechanisms?: SaslMechanism[];
  /** Failed-sign-in counters (rate-limiter-flexible); in memory by default, Redis-backed in a cluster. */
  signInCounters?: SignInCounters;
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
  /** Failed sign-ins per (address, username) with a per-address ceiling (sign-in-limiter.ts). */
  readonly signIns: SignInLimiter;
  readonly services = new Map<string, unknown>();
  /** Resources the server publishes presence from itself (composed presence); clients cannot bind them. */
  readonly reservedResources = new Set<string>();
  /** Every stream, bound or still negotiating (for shutdown). */
  readonly streams = new Set<Session>();
  /** Node-wide and per-address stream limits (admission.ts). */
  readonly admission: Admission;
  private readonly preAuthXml: XmlLimits;
  /** Work that must finish before modules are unloaded: unbind hooks, redelivery of what a dead stream held. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly modules: LoadedModule[] = [];

  constructor(init: CoreInit = {}) {
    this.options = init.options ?? DEFAULT_CORE_OPTIONS;
    this.domain = this.options.domain;
    this.log = init.log ?? silentLogger;
    this.stores = init.stores ?? memoryStores();
    this.mechanisms = init.mechanisms ?? defaultMechanisms();
    this.admission = new Admission(this.options.limits);
    const xml = this.options.xml;
    this.preAuthXml = { ...xml, maxStanzaBytes: Math.min(xml.maxStanzaBytes, xml.maxStanzaBytesBeforeAuth ?? xml.maxStanzaBytes) };
    this.signIns = new RateLimitedSignIns(init.signInCounters ?? memorySignInCounters(this.options.limits));
    this.hooks = new HookBus(this.log);
    this.router = new Router(this);
    this.iq = new IqDispatcher(this);
  }

  async load<O>(module: Module<O>, options?: Partial<O>): Promise<void> {
    this.modules.push(await loadModule(this, module, options));
  }

  /**
   * XML limits for a stream: before SASL success a stanza may be only `xml.maxStanzaBytesBeforeAuth`
   * (issue #7 §2: unfinished pre-auth stanzas must not cost a quarter of a megabyte each).
   */
  xmlLimits(isAuthenticated: boolean): XmlLimits {
    return isAuthenticated ? this.options.xml : this.preAuthXml;
  }

  jid(username: string, resource?: string): JID {
    return new JID(username, this.domain, resource);
  }

  /**
   * A new stream on a transport. A refused stream (shutdown, `limits.maxSessions`, the per-address
   * limits) is closed with its stream error on the next microtask, not here: transports call this
   * from their constructor, before they hold the session that their `close()` reports to.
   */
  createSession(transport: Transport): Session {
    const session = new Session(this, transport);
    const refusal = this.admission.admit(transport.remoteAddress);
    if (refusal) {
      queueMicrotask(() => session.close(refusal));
      return session;
    }
    session.isAdmitted = true;
    this.streams.add(session);
    return session;
  }

  /** Keeps `work` (an unbind notification, a redelivery) from being cut short by shutdown. */
  track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => this.log.error({ err }, 'background work failed')).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /**
   * Re-routes what a closed stream could not deliver (undelivered.ts): messages as if sent to the
   * user's bare JID (RFC 6121 §8.5.2: other resources, else offline storage), IQs answered with an
   * error, the rest dropped. Call it after the session is closed (no longer in the registry).
   */
  redeliver(session: Session, stanzas: Element[]): void {
    if (stanzas.length > 0) this.track(redeliverUndelivered(this, session, stanzas));
  }

  /**
   * Closes every stream with `system-shutdown` (RFC 6120 §4.9.3.22), lets their unbind hooks and
   * redeliveries finish (they need the modules), then unloads modules.
   */
  async shutdown(text = 'the server is shutting down'): Promise<void> {
    this.admission.isClosing = true;
    for (const session of [...this.streams]) session.close(new StreamError('system-shutdown', text));
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    for (const module of this.modules.splice(0).reverse()) module.unload();
  }
}
