// The core of one node: domain, options, hook bus, router, IQ dispatcher, local sessions, stores
// and loaded modules. Transports create sessions with `createSession(transport)`. Shared state
// (session directory, presence, node bus, locks) comes in as ports (design.md §4): in memory for
// one node, or for several Cores in one process; Redis in a cluster.
import type { Element } from '@xmpp/xml';
import { JID, StreamError } from '@deskchat/protocol';
import { Admission } from './admission.js';
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
import { Session, type SessionPresence } from './session.js';
import { RateLimitedSignIns, memorySignInCounters, type SignInCounters, type SignInLimiter } from './stream/sign-in-limiter.js';
import { SessionRegistry } from './session-registry.js';
import { memoryStores, type Stores } from './stores.js';
import type { Transport } from './transport.js';
import type { HostedService } from './hook-events.js';
import type { XmlLimits } from './xml/types.js';
import { parseDocument } from './xml/index.js';
import { SmService } from './stream/sm/sm-service.js';
import { systemClock, type Clock } from './stream/sm/sm-options.js';
import type { NodeAddress } from './cluster/cluster-registry.js';
import { MemoryStreamResumptionStore, memorySharedState, type BoshStateStore, type BusMessage, type ChatLockStore, type LockService, type MucOccupantStore, type NodeBus, type PresenceStore, type SessionDirectory, type SharedState } from './volatile/index.js';

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
  /** Failed-sign-in counters (rate-limiter-flexible); in memory by default, Redis-backed in a cluster. */
  signInCounters?: SignInCounters;
  /** Timers of stream management (hibernation, ack requests); tests inject a manual clock. */
  clock?: Clock;
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
  /** BOSH state another node can adopt; undefined on a single node. */
  readonly boshState?: BoshStateStore;
  readonly hooks: HookBus;
  readonly router: Router;
  readonly iq: IqDispatcher;
  /** This node's bound sessions. Other nodes' sessions are known only through the directory. */
  readonly sessions = new SessionRegistry();
  readonly mechanisms: SaslMechanism[];
  /** Failed sign-ins per (address, username) with a per-address ceiling (sign-in-limiter.ts). */
  readonly signIns: SignInLimiter;
  readonly metrics: Metrics;
  /** Refuses sign-ins at limits.maxSessionsPerNode until back under the restore threshold. */
  readonly loadLimit: SessionLoadLimit;
  readonly services = new Map<string, unknown>();
  /** Services on subdomains of the server's domain (e.g. conference.<domain>), by domain: see docs/routing.md. */
  readonly hostedServices = new Map<string, HostedService>();
  /** Resources the server publishes presence from itself (composed presence); clients cannot bind them. */
  readonly reservedResources = new Set<string>();
  /** Every stream, bound or still negotiating (for shutdown). */
  readonly streams = new Set<Session>();
  /** Node-wide and per-address stream limits (admission.ts). */
  readonly admission: Admission;
  /** XEP-0198 stream management: the feature, enable, acks, hibernation and resumption (stream/sm/). */
  readonly sm: SmService;
  private readonly preAuthXml: XmlLimits;
  /** Work that must finish before modules are unloaded: unbind hooks, redelivery of what a dead stream held. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly modules: LoadedModule[] = [];
  private unsubscribe?: () => Promise<void>;
  private leaseCheck?: () => boolean;

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
    this.boshState = shared.boshState;
    this.mechanisms = init.mechanisms ?? defaultMechanisms();
    this.metrics = init.metrics ?? noopMetrics;
    this.loadLimit = new SessionLoadLimit(this.options.limits);
    this.admission = new Admission(this.options.limits);
    const xml = this.options.xml;
    this.preAuthXml = { ...xml, maxStanzaBytes: Math.min(xml.maxStanzaBytes, xml.maxStanzaBytesBeforeAuth ?? xml.maxStanzaBytes) };
    this.signIns = new RateLimitedSignIns(init.signInCounters ?? memorySignInCounters(this.options.limits));
    this.hooks = new HookBus(this.log);
    this.router = new Router(this);
    this.iq = new IqDispatcher(this);
    this.sm = new SmService(this, shared.resumption ?? new MemoryStreamResumptionStore(), init.clock ?? systemClock);
  }

  /** Joins the node bus (stanzas and orders for this node's sessions). Call once, before serving. */
  async start(): Promise<void> {
    this.unsubscribe ??= await this.bus.subscribe(this.node, (message) => this.onBusMessage(message));
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
   * Re-routes what a closed stream could not deliver (Router.redeliver): messages as if sent to the
   * user's bare JID (RFC 6121 §8.5.2: other resources, else offline storage), IQs answered with an
   * error, the rest dropped. Call it after the session is closed (no longer in the registry).
   */
  redeliver(session: Session, stanzas: Element[]): void {
    if (stanzas.length === 0) return;
    this.track(
      this.router.redeliver(stanzas).then((messages) => {
        if (messages > 0) session.log.info({ messages }, 'undelivered messages routed again (other resources or offline storage)');
      }),
    );
  }

  /**
   * A bound session ended: it leaves the registry and the directory, then modules are told
   * ('session/unbound'). With stream management, its unacknowledged stanzas are routed again
   * afterwards (XEP-0198 §4). A session that continues elsewhere — resumed by another stream
   * (XEP-0198 §5: its resumption record was claimed), or adopted by another node (BOSH: its
   * directory entry, same session id, now names that node) — ends nothing here.
   */
  unbind(session: Session, error?: StreamError): void {
    this.sessions.remove(session);
    const jid = session.jid!;
    if (!session.sm) this.iq.abandon(jid.toString());
    // Tracked, so that shutdown unloads modules only after their unbind handlers ran.
    this.track(
      (async () => {
        const sm = session.sm ? await this.sm.ended(session) : undefined;
        if (sm?.isTakenOver) return;
        if (sm) this.iq.abandon(jid.toString());
        try {
          const entry = await this.directory.get(jid.local, jid.resource);
          if (entry?.sessionId === session.id && entry.node !== this.node) return; // adopted elsewhere
          await this.directory.unregister(jid.local, jid.resource, session.id, this.node);
        } catch (err) {
          this.log.error({ err }, 'could not remove a session from the directory');
        }
        await this.hooks.notify('session/unbound', { session, error });
        if (sm && sm.unacked.length > 0) this.sm.redeliver(session, sm.unacked);
      })(),
    );
  }

  /**
   * A session continued from another node (a BOSH session whose node died, design.md §5): bound at
   * once under its old id and full JID, with no negotiation and nothing broadcast — for its
   * contacts it never went away. The caller has moved its directory entry here.
   */
  adoptSession(transport: Transport, state: { sessionId: string; username: string; resource: string; streamId: string; presence: SessionPresence }): Session {
    const session = new Session(this, transport, state.sessionId);
    session.restore(state.username, this.jid(state.username, state.resource), state.streamId, state.presence);
    if (!this.admission.admit(transport.remoteAddress)) {
      session.isAdmitted = true;
      this.admission.authenticated(transport.remoteAddress);
    }
    this.streams.add(session);
    this.sessions.add(session);
    return session;
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

  /**
   * Stops serving without stopping the process (design.md §5 fencing: this node was declared dead,
   * or lost the shared store for longer than that takes): every stream (and hibernated XEP-0198
   * session) ends with `system-shutdown` and new ones are refused until `resumeServing()`.
   */
  fence(text: string): void {
    this.admission.isClosing = true;
    for (const session of [...this.streams]) session.close(new StreamError('system-shutdown', text));
    this.sm.closeHibernated(new StreamError('system-shutdown', text));
  }

  /** In a cluster, Membership's lease (membership.ts); alone, a node always holds it. */
  setLeaseCheck(check: () => boolean): void {
    this.leaseCheck = check;
  }

  /** Whether this node may serve now; a cluster node whose lease lapsed fences itself here (closing every stream). */
  holdsLease(): boolean {
    return this.leaseCheck?.() ?? true;
  }

  resumeServing(): void {
    this.admission.isClosing = false;
  }

  get isServing(): boolean {
    return !this.admission.isClosing;
  }

  /**
   * Closes every stream with `system-shutdown` (RFC 6120 §4.9.3.22) — or, with `handOver`, sends
   * each to that node (see-other-host / see-other-uri: a graceful stop in a cluster) — lets their
   * unbind hooks and redeliveries finish (they need the modules), then unloads modules and leaves the bus.
   */
  async shutdown(text = 'the server is shutting down', handOver?: NodeAddress): Promise<void> {
    this.admission.isClosing = true;
    for (const session of [...this.streams]) {
      if (handOver && session.state !== 'closed') session.redirect(handOver, text);
      else session.close(new StreamError('system-shutdown', text));
    }
    // Hibernated sessions end too (their unacknowledged messages go to offline storage): nothing
    // would be left to end them once this node is gone.
    this.sm.closeHibernated(new StreamError('system-shutdown', text));
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    for (const module of this.modules.splice(0).reverse()) module.unload();
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async onBusMessage(message: BusMessage): Promise<void> {
    try {
      // A node frozen past its lease must not hand a stanza to a session its peer took over:
      // fencing closes them all first, so the stanza goes back to the router below.
      this.holdsLease();
      if (message.type === 'stanza') {
        const stanza = parseDocument(message.stanza, this.forwardedLimits);
        const [local, resource] = splitFullJid(message.to);
        const session = this.sessions.get(local, resource);
        // The directory sent it here but the session is gone: back to the router (conventions §7).
        if (session && session.state !== 'closed') await session.deliver(stanza);
        else await this.router.redeliver([stanza]);
      } else if (message.type === 'close') {
        const session = this.sessions.get(message.username, message.resource);
        if (session?.id !== message.sessionId) return;
        if (message.redirect) session.redirect(message.redirect, message.text ?? `continue on ${message.redirect.host}`);
        else session.close(new StreamError(message.condition as StreamError['condition'], message.text, message.seeOther));
      } else if (message.type === 'iq-reply') {
        await this.iq.onReply(parseDocument(message.stanza, this.forwardedLimits));
      } else if (message.type === 'poke') {
        await this.hooks.notify('bus/poke', { id: message.id });
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
