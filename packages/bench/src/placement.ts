// Which node of a cluster run each bench user signs in on. Users are numbered 0..N-1; a messages
// pair is users 2j and 2j+1, and presence-fanout contacts are ring neighbours (i ± 1, 2, …).
// `spread` puts user i on node i mod nodes: a pair's partners and every pair of ring neighbours
// land on different nodes, so each stanza crosses the node bus. `same` puts both users of a pair
// on node j mod nodes: the same-node figure, measured on the same cluster.
import type { Endpoint } from './xmpp-connection.js';

export const PLACEMENTS = ['spread', 'same'] as const;
export type Placement = (typeof PLACEMENTS)[number];

export function nodeOfUser(index: number, nodes: number, placement: Placement): number {
  return (placement === 'same' ? Math.floor(index / 2) : index) % nodes;
}

/** The endpoint user `index` signs in on: the only one, or its node's in cluster mode. */
export function endpointOfUser(init: { endpoint: Endpoint; endpoints?: Endpoint[]; placement?: Placement }, index: number): Endpoint {
  const all = init.endpoints;
  if (!all || all.length < 2) return init.endpoint;
  return all[nodeOfUser(index, all.length, init.placement ?? 'spread')];
}
