// The cluster module (design.md §5), loaded by the server in cluster mode:
//   1. Discovery. A stream opened with from='user@domain' (TCP header, BOSH session creation,
//      WebSocket <open/>) is told, before authentication, which nodes serve that user: XEP-0233
//      <hostname/> children of <mechanisms/> (home first, then backup: what Cisco's web client
//      library reads), and <home/>/<backup/> in urn:deskchat:cluster:0 with the BOSH, WebSocket
//      and TCP addresses a browser needs. An unknown user gets an answer of the same shape from a
//      pair chosen by a hash of the name, found with the same lookups: nothing tells them apart.
//   2. Serving. After authentication a node that is not serving the user (not its home, nor its
//      backup while the home is dead) sends the client to the one that is: see-other-host (TCP),
//      see-other-uri (BOSH terminate, WebSocket <close/>). `redirect: false` serves anyone anywhere.
// Liveness, fencing and takeovers are the server's Membership (membership.ts), not this module.
import xml, { type Element } from '@xmpp/xml';
import type { Module } from '../module-api.js';
import type { Session } from '../session.js';
import type { ClusterRegistry, NodeInfo, NodeStatus } from './cluster-registry.js';
import { homesOf, isServing, redirectTarget, type Homes } from './homes.js';

/** XEP-0233 §4: the namespace of <hostname/> inside <mechanisms/>. */
export const DOMAIN_BASED_NAME_NS = 'urn:xmpp:domain-based-name:1';
/** Our discovery elements (docs/cluster.md). */
export const CLUSTER_NS = 'urn:deskchat:cluster:0';

export interface ClusterOptions {
  registry: ClusterRegistry;
  self: NodeInfo;
  /** false: every node serves every user (no redirects after authentication). */
  redirect: boolean;
}

function addressElement(name: 'home' | 'backup', node: NodeStatus): Element {
  return xml(name, { xmlns: CLUSTER_NS, node: node.name, bosh: node.bosh, websocket: node.websocket, host: node.host, port: String(node.port) });
}

export function clusterModule(options: ClusterOptions): Module {
  const { registry, self } = options;
  const homes = async (username: string): Promise<Homes | undefined> => {
    const [assignment, nodes] = await Promise.all([registry.assignmentOf(username), registry.nodes()]);
    return homesOf(username, assignment, nodes);
  };
  /** Discovery answers per stream header, so that <mechanisms/> and the features agree (and cost one lookup). */
  const discovered = new WeakMap<Session, Promise<Homes | undefined>>();
  const discover = (session: Session): Promise<Homes | undefined> | undefined => {
    const from = session.streamFrom;
    if (!from?.local || session.isAuthenticated) return undefined;
    let answer = discovered.get(session);
    if (!answer) discovered.set(session, (answer = homes(from.local).catch(() => undefined)));
    return answer;
  };

  return {
    name: 'cluster',
    async setup(api) {
      api.hook('stream-features/mechanisms', async ({ session }) => {
        const found = await discover(session);
        if (!found) return undefined;
        return [found.home, ...(found.backup ? [found.backup] : [])].map((n) => xml('hostname', { xmlns: DOMAIN_BASED_NAME_NS }, n.host));
      });
      api.hook('stream-features/pre-auth', async ({ session }) => {
        const found = await discover(session);
        discovered.delete(session);
        if (!found) return undefined;
        return [addressElement('home', found.home), ...(found.backup ? [addressElement('backup', found.backup)] : [])];
      });

      // A BOSH session whose node went away may continue here only where the user is served, and
      // only if that node is really gone (two nodes must never serve one session).
      api.hook('session/adoption', async ({ username, fromNode }) => {
        const [assignment, nodes] = await Promise.all([registry.assignmentOf(username), registry.nodes()]);
        const from = nodes.find((n) => n.name === fromNode);
        if (from?.isAlive) return { redirect: from };
        if (!options.redirect) return undefined;
        const found = homesOf(username, assignment, nodes);
        if (!found || isServing(self.name, found)) return undefined;
        const target = redirectTarget(found);
        return target ? { redirect: target } : undefined;
      });

      // Runs first: a node that does not serve the user sends the client on before anything is bound here.
      api.hook(
        'session/authenticated',
        async ({ session }) => {
          if (!options.redirect || !session.username) return false;
          const found = await homes(session.username);
          if (!found || isServing(self.name, found)) {
            // An existing account nobody assigned yet stays where discovery sent it.
            if (found && (await registry.assignmentOf(session.username)) === undefined) await registry.assign(session.username, found.home.name);
            return false;
          }
          const target = redirectTarget(found);
          if (!target) return false; // neither home nor backup is alive: better served here than not at all
          session.redirect(target, `${session.username} is served by ${target.name}`);
          return true;
        },
        1000,
      );

    },
  };
}
