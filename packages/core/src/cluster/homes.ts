// Who serves a user (design.md §5), as pure functions of the registry's answers:
//   - home: the node the user is assigned to; backup: the other node of the home's pair;
//   - a user with no assignment (or no account at all: discovery must not tell them apart) gets a
//     stable pair chosen by a hash of the username, home being the pair's first node by name;
//   - the home serves its users; the backup serves them only while the home is dead;
//   - the order a client tries: home → backup.
import { createHash } from 'node:crypto';
import type { NodeStatus } from './cluster-registry.js';

export interface Homes {
  home: NodeStatus;
  backup?: NodeStatus;
}

/** The pairs of the cluster, each sorted by node name, pairs sorted by pair name. */
export function pairsOf(nodes: NodeStatus[]): NodeStatus[][] {
  const byPair = new Map<string, NodeStatus[]>();
  for (const node of nodes) byPair.set(node.pair, [...(byPair.get(node.pair) ?? []), node]);
  return [...byPair.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, members]) => members.sort((a, b) => a.name.localeCompare(b.name)));
}

/** A stable choice among `count` by the username (SHA-256: spreads evenly, same on every node). */
export function hashIndex(username: string, count: number): number {
  return createHash('sha256').update(username).digest().readUInt32BE(0) % count;
}

/** The user's home and backup; undefined only when the cluster has no node at all. */
export function homesOf(username: string, assignment: string | undefined, nodes: NodeStatus[]): Homes | undefined {
  const pairs = pairsOf(nodes);
  if (pairs.length === 0) return undefined;
  const assigned = assignment === undefined ? undefined : nodes.find((n) => n.name === assignment);
  const home = assigned ?? pairs[hashIndex(username, pairs.length)][0];
  const backup = nodes.find((n) => n.pair === home.pair && n.name !== home.name);
  return backup ? { home, backup } : { home };
}

/** Whether `node` may serve the user now: its home, or its backup while the home is dead. */
export function isServing(node: string, homes: Homes): boolean {
  if (homes.home.name === node) return true;
  return homes.backup?.name === node && !homes.home.isAlive;
}

/** Where a client that reached the wrong node should go: the home if alive, else the backup if alive. */
export function redirectTarget(homes: Homes): NodeStatus | undefined {
  if (homes.home.isAlive) return homes.home;
  return homes.backup?.isAlive ? homes.backup : undefined;
}

/** The node with the fewest assigned users (ties by name): where a new user goes by default. */
export function balancedNode(nodes: NodeStatus[], counts: Record<string, number>): NodeStatus | undefined {
  return [...nodes].sort((a, b) => (counts[a.name] ?? 0) - (counts[b.name] ?? 0) || a.name.localeCompare(b.name))[0];
}
