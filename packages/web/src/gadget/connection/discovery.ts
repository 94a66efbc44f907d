// Home-node discovery (design.md §5, docs/cluster.md "Discovery", issue #12). Every session the
// gadget opens announces the user (`from` on the BOSH session creation body, the WebSocket
// <open/>); a DeskChat cluster answers in the stream features, before authentication, with
// <home/> and <backup/> in urn:deskchat:cluster:0 (node, bosh, websocket, host, port). The gadget:
//   1. reads them (`readClusterNodes` in link.ts) and, when the home is another node, ends that session and
//      opens one on the home before authenticating (link.ts);
//   2. caches {home, backup} per user in localStorage, so that the next sign-in starts at the home;
//   3. orders the servers it tries: home → backup → Primary → Secondary (`failoverOrder`);
//   4. clears the cache when the server it signed in on names no nodes (not a cluster any more).
// DOM-free (unit-tested in Node): the storage is injected.
import { failoverOrder, type ChatServers, type TransportKind } from './servers.js';
import type { KeyValueStorage } from '../model/tab-session.js';

export const CLUSTER_NS = 'urn:deskchat:cluster:0';
const CACHE_PREFIX = 'deskchat.nodes.';

export interface NodeUrls {
  node?: string;
  bosh?: string;
  websocket?: string;
}

export interface ClusterNodes {
  home: NodeUrls;
  backup?: NodeUrls;
}

/** The URL of a node for the transport in use. */
export function nodeUrl(node: NodeUrls | undefined, transport: TransportKind): string | undefined {
  return transport === 'bosh' ? node?.bosh : node?.websocket;
}

export interface Discovery {
  /** The server URLs to try for this user, best first (cached home, backup, Primary, Secondary). */
  candidates(jid: string, servers: ChatServers): Promise<string[]>;
  /** The nodes the server the user signed in on named (undefined: none, which clears the cache). */
  signedIn?(jid: string, nodes: ClusterNodes | undefined): void;
  /** The cached nodes of a user (after a reload: where to move when the node is lost). */
  cached?(jid: string): ClusterNodes | undefined;
}

/** No cache: Primary, then Secondary only when the Primary cannot be reached. */
export const configuredOrder: Discovery = {
  candidates: async (_jid, servers) => failoverOrder(servers),
};

/** Discovery with the per-user cache in `storage` (localStorage in the page). */
export function cachedDiscovery(storage: KeyValueStorage): Discovery {
  const cached = (jid: string): ClusterNodes | undefined => {
    try {
      const value = JSON.parse(storage.getItem(CACHE_PREFIX + jid) ?? 'null') as ClusterNodes | null;
      return value?.home ? value : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    cached,
    candidates: async (jid, servers) => {
      const nodes = cached(jid);
      const home = nodeUrl(nodes?.home, servers.transport);
      const backup = nodeUrl(nodes?.backup, servers.transport);
      return failoverOrder({ ...(home ? { home } : {}), ...(backup ? { backup } : {}), primary: servers.primary, ...(servers.secondary ? { secondary: servers.secondary } : {}) });
    },
    signedIn: (jid, nodes) => {
      try {
        if (nodes) storage.setItem(CACHE_PREFIX + jid, JSON.stringify(nodes));
        else storage.removeItem(CACHE_PREFIX + jid);
      } catch {
        // Storage refused (private mode, quota): discovery still works, without the shortcut.
      }
    },
  };
}
