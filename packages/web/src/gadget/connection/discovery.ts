// The seam for home-node discovery (design.md §5; the cluster issue builds it). The gadget asks a
// Discovery which servers to try for a user, in order, and tells it what the server it signed in
// on said. Until the cluster issue lands, `configuredOrder` is used: Primary, then Secondary only
// when the Primary cannot be reached; nothing is cached.
//
// What the cluster issue's implementation is expected to do here (issue #12):
//   candidates(): open a stream with from='user@domain' on the Primary (the Secondary if the
//     Primary is unreachable), read the home and backup nodes from the stream features (IM&P's
//     <hostname/> children of <mechanisms/>, or <home/>/<backup/> in urn:deskchat:cluster:0),
//     cache them per user in localStorage, and return failoverOrder({home, backup, primary,
//     secondary}); later sign-ins start from the cached home.
//   signedIn(): a server that names no nodes clears the cache.
//   Redirects: a node that is not serving the user ends the BOSH session with condition
//     'see-other-uri' (a <uri/> in the terminate body) or closes the WebSocket with
//     see-other-uri; today connectLink reports that as a refusal ('refused', condition
//     'see-other-uri'). Following it means reading the URI from the terminate body
//     (link.ts: conn.xmlInput sees it) and connecting there instead.
import { failoverOrder, type ChatServers } from './servers.js';

export interface Discovery {
  /** The BOSH (or WebSocket) URLs to try for this user, best first. */
  candidates(jid: string, servers: ChatServers): Promise<string[]>;
  /** The user signed in on `service`; `features` are the stream features it offered after authentication. */
  signedIn?(jid: string, service: string, features: Element | undefined): void;
}

export const configuredOrder: Discovery = {
  candidates: async (_jid, servers) => failoverOrder(servers),
};
