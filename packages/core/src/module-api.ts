// The module API (Prosody/ejabberd style): a feature module is a value `{ name, defaults, setup(api) }`
// and everything it registers goes through `api`, which records it so that unloading removes all of it.
// Modules never see the concrete Core: they reach sessions only through the router (which works
// across nodes) and shared state only through the ports below.
import type { Element } from '@xmpp/xml';
import type { JID } from '@deskchat/protocol';
import type { Core } from './core.js';
import type { DiscoInfo, HookEvents } from './hook-events.js';
import type { CollectItem, HookHandler, HookName } from './hooks.js';
import type { IqHandlers, IqScope } from './iq-dispatcher.js';
import type { Logger } from './log.js';
import type { CoreOptions } from './options.js';
import type { Resource } from './router.js';
import type { Session } from './session.js';
import type { Stores } from './stores.js';
import type { ChatLockStore, DirectoryReadOptions, LockService, MucOccupantStore, PresenceStore } from './volatile/index.js';
import type { HostedService } from './hook-events.js';

export interface Module<O = Record<string, never>> {
  readonly name: string;
  /** Option defaults; the server merges user options over them. */
  readonly defaults?: O;
  setup(api: ModuleApi<O>): void | Promise<void>;
}

/** What modules may do with stanzas: route them, deliver them to a resource anywhere, look resources up. */
export interface ModuleRouter {
  /** Routes a stanza as if it came from the server (its `from` must be set); `origin` only when a local session sent it. */
  route(stanza: Element, origin?: Session): Promise<void>;
  /** Delivers to the session of a full JID on any node; false when none holds it. */
  deliver(to: JID, stanza: Element): Promise<boolean>;
  /** Every bound resource of the user, on any node (`mayBeCached`: see DirectoryReadOptions). */
  resourcesOf(username: string, options?: DirectoryReadOptions): Promise<Resource[]>;
  /** RFC 6121 §8.5.2: the user's available resources with a non-negative priority. */
  availableResourcesOf(username: string): Promise<Resource[]>;
  /**
   * The user's bound sessions on this node (no store read): where a module keeps per-user state in
   * `session.data` that the user's own changes refresh, e.g. the blocking module's copy of a list.
   */
  localSessionsOf(username: string): Session[];
  /** Returns an error to the sender of a stanza (RFC 6120 §8.3.1). */
  bounce(stanza: Element, error: import('@deskchat/protocol').StanzaError): void;
  /** Sends an IQ get/set from the server to a full JID and waits for the reply (undefined: nobody, or no reply in time). */
  request(iq: Element, timeoutMs?: number): Promise<Element | undefined>;
}

export interface ModuleApi<O> {
  readonly name: string;
  readonly options: O;
  readonly log: Logger;
  readonly domain: string;
  /** This node's name in the cluster ('local' on a single node). */
  readonly node: string;
  /** The server's core options (XML limits, version, limits), read-only. */
  readonly coreOptions: Readonly<CoreOptions>;
  /** Durable stores. */
  readonly stores: Stores;
  /** Presence of every user (available, directed, last seen, outside sources), shared by all nodes. */
  readonly presence: PresenceStore;
  /** Named critical sections across all nodes (per-user read-modify-write). */
  readonly locks: LockService;
  /** The IM&P forking locks, shared by all nodes. */
  readonly chatLocks: ChatLockStore;
  /** XEP-0045 occupants and room history, shared by all nodes. */
  readonly mucOccupants: MucOccupantStore;
  readonly router: ModuleRouter;
  hook<E extends HookName>(event: E, handler: HookHandler<E>, priority?: number): void;
  /** Fires an event in notify mode (every handler runs; a failing one is logged). */
  notify<E extends HookName>(event: E, payload: HookEvents[E]['payload']): Promise<void>;
  /** Fires an event in dispatch mode (priority order until one returns true). */
  dispatch<E extends HookName>(event: E, payload: HookEvents[E]['payload']): Promise<boolean>;
  /** Fires an event in collect mode and returns what the handlers gave. */
  collect<E extends HookName>(event: E, payload: HookEvents[E]['payload']): Promise<CollectItem<E>[]>;
  iq(ns: string, name: string, handlers: IqHandlers, scope?: IqScope): void;
  /** Adds a stream feature element at a negotiation stage. */
  streamFeature(stage: 'pre-auth' | 'post-auth', build: (session: Session) => Element | undefined): void;
  /**
   * Serves a subdomain of the server's domain (e.g. `conference.<domain>`): every stanza to it or
   * to a JID at it goes to `service` instead of bouncing with remote-server-not-found.
   */
  hostService(domain: string, service: HostedService): void;
  /** Adds features to the server's disco#info (XEP-0030). */
  discoFeature(...features: string[]): void;
  /**
   * A service of this server addressed as `domain/resource` and listed in the domain's disco#items
   * (XEP-0030), such as the XEP-0363 upload service or the XEP-0065 proxy. A JID without a
   * localpart is the server to the router, so IQs to it reach host-scope `iq` handlers (which may
   * read `to.resource`). Its disco#info is `info(from)`, built on each request so that a form can
   * carry a value that changes at run time.
   */
  discoService(resource: string, name: string, info: (from: JID) => DiscoInfo | Promise<DiscoInfo>): void;
  /** A repeating timer, cleared on unload (unref'd: it never keeps the process alive). */
  timer(intervalMs: number, tick: () => void): void;
  /** Typed services shared between modules. */
  provide<T>(key: string, service: T): void;
  use<T>(key: string): T | undefined;
  /** Routes a stanza as if it came from the server (its `from` must be set). */
  route(stanza: Element): Promise<void>;
  jid(username: string, resource?: string): JID;
  onUnload(cleanup: () => void): void;
  /** Reserves a resource name the server itself publishes from; clients get not-allowed binding it. */
  reserveResource(resource: string): void;
}

export interface LoadedModule {
  readonly name: string;
  unload(): void;
}

export async function loadModule<O>(core: Core, module: Module<O>, options?: Partial<O>): Promise<LoadedModule> {
  const cleanups: (() => void)[] = [];
  const log = core.log.child({ module: module.name });
  const { router } = core;
  const api: ModuleApi<O> = {
    name: module.name,
    options: { ...(module.defaults ?? ({} as O)), ...(options ?? {}) } as O,
    log,
    domain: core.domain,
    node: core.node,
    coreOptions: core.options,
    stores: core.stores,
    presence: core.presence,
    locks: core.locks,
    chatLocks: core.chatLocks,
    mucOccupants: core.mucOccupants,
    router: {
      route: (stanza, origin) => router.route(stanza, origin),
      deliver: (to, stanza) => router.deliver(to, stanza),
      resourcesOf: (username, options) => router.resourcesOf(username, options),
      availableResourcesOf: (username) => router.availableResourcesOf(username),
      localSessionsOf: (username) => core.sessions.forUser(username).filter((s) => s.state === 'bound' && s.jid !== undefined),
      bounce: (stanza, error) => router.bounce(stanza, error),
      request: (iq, timeoutMs) => core.iq.request(iq, timeoutMs),
    },
    hook: (event, handler, priority) => cleanups.push(core.hooks.on(event, handler, priority)),
    notify: (event, payload) => core.hooks.notify(event, payload),
    dispatch: (event, payload) => core.hooks.dispatch(event, payload),
    collect: (event, payload) => core.hooks.collect(event, payload),
    iq: (ns, name, handlers, scope = 'host') => cleanups.push(core.iq.register(scope, ns, name, handlers)),
    streamFeature: (stage, build) => cleanups.push(core.hooks.on(`stream-features/${stage}`, ({ session }) => build(session))),
    hostService: (domain, service) => {
      const name = domain.toLowerCase();
      if (!name.endsWith(`.${core.domain}`)) throw new Error(`a hosted service must be on a subdomain of ${core.domain}, not '${domain}'`);
      if (core.hostedServices.has(name)) throw new Error(`'${name}' is already served by another module`);
      core.hostedServices.set(name, service);
      cleanups.push(() => core.hostedServices.delete(name));
    },
    discoFeature: (...features) => cleanups.push(core.hooks.on('disco/host-features', () => features)),
    discoService: (resource, name, info) => {
      cleanups.push(core.hooks.on('disco/host-items', () => ({ jid: `${core.domain}/${resource}`, name })));
      cleanups.push(core.hooks.on('disco/service-info', (event) => (event.resource === resource ? info(event.from) : undefined)));
    },
    timer: (intervalMs, tick) => {
      const handle = setInterval(tick, intervalMs);
      handle.unref?.();
      cleanups.push(() => clearInterval(handle));
    },
    provide: (key, service) => {
      core.services.set(key, service);
      cleanups.push(() => core.services.delete(key));
    },
    use: <T>(key: string) => core.services.get(key) as T | undefined,
    route: (stanza) => router.route(stanza),
    jid: (username, resource) => core.jid(username, resource),
    onUnload: (cleanup) => cleanups.push(cleanup),
    reserveResource: (resource) => {
      core.reservedResources.add(resource);
      cleanups.push(() => core.reservedResources.delete(resource));
    },
  };
  await module.setup(api);
  log.debug({}, 'module loaded');
  return {
    name: module.name,
    unload: () => {
      for (const cleanup of cleanups.reverse()) cleanup();
      log.debug({}, 'module unloaded');
    },
  };
}
