// The composition root of one node: backend (SQLite, or Redis in a cluster), core, modules,
// listeners, cluster membership. Holds no protocol logic.
import fs from 'node:fs';
import type { Server } from 'node:net';
import type { BoshService, BoshWire } from '@deskchat/bosh';
import { Core, Membership, clusterModule, coreModules, defaultMechanisms, type Logger, type NodeAddress } from '@deskchat/core';
import { createC2sServers } from '@deskchat/c2s';
import { StreamError } from '@deskchat/protocol';
import { adhocModule, adminCommands, createLdapPasswordVerifier, imModules, registerModule } from '@deskchat/im';
import { openBackend, type ClusterBackend } from './backend.js';
import { mucModule } from '@deskchat/muc';
import { filesModules, PROXY_SERVICE, type Socks5Proxy } from '@deskchat/files';
import { downloadPasswordVerifier } from './download-auth.js';
import type { ServerConfig } from './config.js';
import { ConnectionGuard } from './connection-guard.js';
import { createHttpSurface } from './http.js';
import { adminToken, applySavedLoadLimits, createAdminServer, createFirstAdmin } from './admin-http.js';
import { instrumentNode } from './metrics/node-metrics.js';
import { PromMetrics } from './metrics/prom-metrics.js';
import { createUserAdminService } from './users/user-admin-service.js';
import { createAccountAdministration } from './users/account-administration.js';
import { accountRemovalOptions, endUserSessions } from './users/account-removal.js';
import { createInvitationRedeemer } from './users/invitations.js';
import { ClusterAdmin } from './cluster/cluster-admin.js';
import { createClusterAdminService } from './cluster/cluster-admin-service.js';
import { instrumentCluster } from './metrics/cluster-metrics.js';

export interface RunningNode {
  readonly core: Core;
  readonly metrics: PromMetrics;
  /** Bound ports (useful when the config asked for port 0). */
  readonly ports: { c2s: number; directTls?: number; http: number; admin: number; proxy: number };
  /** The BOSH connection manager (tests and metrics look at its sessions). */
  readonly bosh: BoshService;
  /** The BOSH wire in front of the HTTP server (tests look at the connections it reads). */
  readonly boshWire: BoshWire;
  /** In a cluster: this node's membership (heartbeats, fencing, takeovers) and the cluster's registry. */
  readonly membership?: Membership;
  readonly cluster?: ClusterBackend;
  close(): Promise<void>;
}

export class ListenError extends Error {}

export async function startNode(config: ServerConfig, log: Logger): Promise<RunningNode> {
  // Upload and download URLs name the HTTP port as clients reach it: files.publicUrl, else this
  // node's public URL in a cluster (each node serves the files uploaded to it), else this node's
  // address once the port is bound (http.port may be 0).
  let boundHttpUrl: string | undefined;
  const publicUrl = () => config.files.publicUrl ?? config.cluster?.publicUrl ?? boundHttpUrl ?? httpUrl(config, !!tls, config.http.port);
  const metrics = new PromMetrics();
  const backend = await openBackend(config, log, metrics);
  const { stores, cluster } = backend;
  const tls = config.tls && { cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) };
  // Requiring TLS only makes sense where there is a certificate to offer.
  // With LDAP sign-in, passwords are checked by a bind and only PLAIN can be offered.
  const ldapVerifier = config.im.ldapAuth ? createLdapPasswordVerifier(config.im.ldapAuth) : undefined;
  const mechanisms = defaultMechanisms(ldapVerifier);
  const core = new Core({
    options: { ...config.core, requireTls: config.core.requireTls && !!tls },
    stores,
    log,
    mechanisms,
    metrics,
    ...(backend.shared ? { shared: backend.shared } : {}),
    ...(backend.signInCounters ? { signInCounters: backend.signInCounters } : {}),
    ...(cluster ? { node: cluster.config.node } : {}),
  });
  // Users on nodes, for the admin API and the XEP-0133 commands: the rules `deskchat user|cluster …` run (cluster/cluster-admin.ts).
  const clusterAdmin = cluster && new ClusterAdmin({ registry: cluster.registry, directory: core.directory, bus: core.bus }, stores.accounts);
  // Account removal on a running node: contacts told through the router, others' data swept (users/account-removal.ts).
  const removal = accountRemovalOptions(config, core);
  let membership: Membership | undefined;
  try {
    await applySavedLoadLimits(core, log);
    if (cluster) {
      // Before serving anything: a unique name in a pair with room (ClusterJoinError otherwise).
      membership = new Membership(core, {
        registry: cluster.registry,
        self: cluster.self,
        heartbeatMs: cluster.config.heartbeatSeconds * 1000,
        deadAfterMs: cluster.config.deadAfterSeconds * 1000,
      });
      await membership.join();
      membership.startHeartbeats();
    }
    await core.start();
    if (cluster) await core.load(clusterModule({ registry: cluster.registry, self: cluster.self, redirect: cluster.config.redirect }));
    for (const module of coreModules) await core.load(module);
    for (const module of imModules) await core.load(module, config.im.modules[module.name]);
    // XEP-0050 with the XEP-0133 commands, on the CLI's account code (users/account-administration.ts).
    const accountAdmin = createAccountAdministration(core, stores, removal, clusterAdmin && cluster && { admin: clusterAdmin, registry: cluster.registry });
    await core.load(adhocModule(adminCommands(accountAdmin, core.domain)), { ...config.adhoc, admins: config.admins });
    // XEP-0077: registration when register.enabled; a user's own password change always.
    await core.load(registerModule(accountAdmin, createInvitationRedeemer(backend.adminStores.invitations), backend.registrationLimiter ? { limiter: backend.registrationLimiter } : {}), config.register);
    if (config.muc.enabled) await core.load(mucModule, config.muc);
    for (const module of filesModules(config.files, publicUrl)) await core.load(module);
  } catch (err) {
    await membership?.leave();
    await core.shutdown().catch(() => undefined);
    await backend.close();
    throw err;
  }
  const c2s = createC2sServers(core, tls, config.c2s);
  const httpSurface = createHttpSurface(core, config, tls, { verifyPassword: downloadPasswordVerifier(core, ldapVerifier) });
  // Descriptors for the client ports are capped so that the admin port and storage always get theirs.
  const guard = new ConnectionGuard(config.core.limits, log);
  const proxy = core.services.get(PROXY_SERVICE) as Socks5Proxy;
  for (const server of [c2s.starttls, c2s.directTls, httpSurface.server, proxy.server]) if (server) guard.guard(server);
  // The admin API (design §6): its own port, bound to loopback by default.
  const nodeMetrics = instrumentNode({ core, metrics, bosh: httpSurface.bosh, boshWire: httpSurface.boshWire, ...(backend.offlineCount ? { offlineQueue: backend.offlineCount } : {}) });
  if (cluster) instrumentCluster(metrics, { core, registry: cluster.registry, self: cluster.self });
  await createFirstAdmin(config, backend.adminStores, log);
  const admin = createAdminServer({
    core,
    config,
    token: adminToken(config, log),
    adminStores: backend.adminStores,
    users: createUserAdminService(stores, removal, clusterAdmin, (username) => endUserSessions(core, username, undefined, new StreamError('not-authorized', 'this account was removed by an administrator'))),
    ...(clusterAdmin && cluster ? { cluster: createClusterAdminService(clusterAdmin, cluster.self.name) } : {}),
    isStoreAvailable: () => backend.isStoreAvailable(),
    ...(backend.busHealth ? { busHealth: backend.busHealth } : {}),
    metrics,
    nodeMetrics,
    log,
    ...(backend.adminRateLimiter ? { rateLimiter: backend.adminRateLimiter } : {}),
  });
  const listening: Server[] = [];
  const closeAll = async () => {
    // A graceful stop in a cluster hands over at once: out of the registry (the peer serves this
    // node's users without waiting), and every client sent to the peer.
    let handOver: NodeAddress | undefined;
    if (membership && cluster) {
      await membership.leave();
      const nodes = await cluster.registry.nodes().catch(() => []);
      handOver = nodes.find((n) => n.pair === cluster.self.pair && n.name !== cluster.self.name && n.isAlive);
    }
    await core.shutdown(handOver ? `this node is stopping: continue on ${handOver.host}` : undefined, handOver);
    await Promise.all([httpSurface.close(), ...listening.map((s) => new Promise((resolve) => s.close(resolve)))]);
    await backend.close();
  };
  try {
    const ports = { c2s: await listen(c2s.starttls, config.c2s.host, config.c2s.port, 'c2s.port') } as RunningNode['ports'];
    listening.push(c2s.starttls);
    if (c2s.directTls) {
      ports.directTls = await listen(c2s.directTls, config.c2s.host, config.c2s.directTlsPort, 'c2s.directTlsPort');
      listening.push(c2s.directTls);
    }
    // BOSH and WebSocket (design §6): HTTPS when a certificate is configured.
    ports.http = await listen(httpSurface.server, config.http.host, config.http.port, 'http.port');
    boundHttpUrl = httpUrl(config, !!tls, ports.http);
    // The XEP-0065 proxy (design §2) on its own port; module unload (core.shutdown) closes it.
    ports.proxy = await listen(proxy.server, config.files.proxy.host, config.files.proxy.port, 'files.proxyPort');
    ports.admin = await listen(admin, config.admin.host, config.admin.port, 'admin.port');
    listening.push(admin);
    // After listening, an accept error (EMFILE, ENFILE) is logged and the server goes on accepting.
    for (const server of [...listening, httpSurface.server, proxy.server]) server.on('error', (err) => log.error({ err }, 'a listening socket failed'));
    membership?.start();
    log.info({ domain: core.domain, ...ports, tls: !!tls, dataDir: config.dataDir, maxConnections: guard.maxConnections, ...(cluster ? { node: cluster.self.name, pair: cluster.self.pair } : {}) }, 'DeskChat node started');
    return { core, metrics, ports, bosh: httpSurface.bosh, boshWire: httpSurface.boshWire, ...(membership ? { membership } : {}), ...(cluster ? { cluster } : {}), close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** http(s)://host:port of the HTTP port: http.host when it is a specific address, else the domain. */
function httpUrl(config: ServerConfig, isTls: boolean, port: number): string {
  const host = ['::', '0.0.0.0'].includes(config.http.host) ? config.core.domain : config.http.host;
  return `${isTls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function listen(server: Server, host: string, port: number, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'EADDRINUSE' ? 'is already in use (is another server running?)' : err.code === 'EACCES' ? 'needs more privileges' : err.message;
      reject(new ListenError(`cannot listen on ${host} port ${port} (${key}): ${reason}`));
    });
    // A deep accept queue: a burst of sign-ins must not overflow the default 511 and wait for SYN retries.
    server.listen({ host, port, ipv6Only: false, backlog: 4096 }, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
