// The module API (Prosody/ejabberd style): a feature module is a value `{ name, defaults, setup(api) }`
// and everything it registers goes through `api`, which records it so that unloading removes all of it.
import type { Element } from '@xmpp/xml';
import type { JID } from '@deskchat/protocol';
import type { Core } from './core.js';
import type { DiscoInfo } from './hook-events.js';
import type { HookHandler, HookName } from './hooks.js';
import type { IqHandlers, IqScope } from './iq-dispatcher.js';
import type { Logger } from './log.js';
import type { Session } from './session.js';
import type { Stores } from './stores.js';

export interface Module<O = Record<string, never>> {
  readonly name: string;
  /** Option defaults; the server merges user options over them. */
  readonly defaults?: O;
  setup(api: ModuleApi<O>): void | Promise<void>;
}

export interface ModuleApi<O> {
  readonly name: string;
  readonly options: O;
  readonly log: Logger;
  readonly domain: string;
  readonly stores: Stores;
  readonly core: Core;
  hook<E extends HookName>(event: E, handler: HookHandler<E>, priority?: number): void;
  iq(ns: string, name: string, handlers: IqHandlers, scope?: IqScope): void;
  /** Adds a stream feature element at a negotiation stage. */
  streamFeature(stage: 'pre-auth' | 'post-auth', build: (session: Session) => Element | undefined): void;
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
  const api: ModuleApi<O> = {
    name: module.name,
    options: { ...(module.defaults ?? ({} as O)), ...(options ?? {}) } as O,
    log,
    domain: core.domain,
    stores: core.stores,
    core,
    hook: (event, handler, priority) => cleanups.push(core.hooks.on(event, handler, priority)),
    iq: (ns, name, handlers, scope = 'host') => cleanups.push(core.iq.register(scope, ns, name, handlers)),
    streamFeature: (stage, build) => cleanups.push(core.hooks.on(`stream-features/${stage}`, ({ session }) => build(session))),
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
    route: (stanza) => core.router.route(stanza),
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
