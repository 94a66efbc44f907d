// What the admin page says about a cluster (DOM-free, so jest checks it): the answer of
// GET /api/v1/cluster, a pair's health in words, the question asked before rebalancing a pair, and
// the options of a user's node select.

export interface ClusterNode {
  name: string;
  pair: string;
  isAlive: boolean;
  lastSeen: number;
  startedAt: number;
  sessions: number;
  assignedUsers: number;
  address: { host: string; port: number; bosh: string; websocket: string };
}

export interface ClusterPair {
  name: string;
  nodes: string[];
  aliveNodes: number;
  sessions: number;
  assignedUsers: number;
}

export interface Cluster {
  self: string;
  nodes: ClusterNode[];
  pairs: ClusterPair[];
}

export type PairHealth = 'healthy' | 'degraded' | 'down';

/** A pair is healthy with every node alive, degraded when one serves for both, down with none. */
export function pairHealth(pair: ClusterPair): { health: PairHealth; text: string } {
  const total = pair.nodes.length;
  if (pair.aliveNodes === 0) return { health: 'down', text: `down: none of ${total} node${total === 1 ? '' : 's'} alive` };
  if (pair.aliveNodes < total) return { health: 'degraded', text: `degraded: ${pair.aliveNodes} of ${total} nodes alive (the live one serves the pair's users)` };
  return { health: 'healthy', text: total === 1 ? 'healthy: its one node is alive (no backup yet)' : `healthy: ${total} of ${total} nodes alive` };
}

/** How long ago a heartbeat was, in words. */
export function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** The confirmation asked before rebalancing: what moves and what does not. */
export function rebalanceQuestion(pair: ClusterPair): string {
  return `Spread the ${pair.assignedUsers} user${pair.assignedUsers === 1 ? '' : 's'} of ${pair.name} evenly over ${pair.nodes.join(' and ')}? Only assignments change: signed-in users are not disconnected, they move at their next sign-in.`;
}

/** The result of a rebalance, in one line. */
export function rebalanceSummary(result: { pair: string; moved: { username: string; from: string; to: string }[]; counts: Record<string, number> }): string {
  const counts = Object.entries(result.counts)
    .map(([node, n]) => `${node} ${n}`)
    .join(', ');
  if (result.moved.length === 0) return `${result.pair} was already balanced (${counts}).`;
  return `Moved ${result.moved.length} user${result.moved.length === 1 ? '' : 's'} of ${result.pair} (now ${counts}): ${result.moved.map((m) => `${m.username} ${m.from} → ${m.to}`).join(', ')}.`;
}

/** The options of a node select: every node by pair and name, a dead one marked; '' first when the user has none yet. */
export function nodeOptions(cluster: Pick<Cluster, 'nodes'>, current: string | undefined): { value: string; label: string }[] {
  const nodes = [...cluster.nodes].sort((a, b) => a.pair.localeCompare(b.pair) || a.name.localeCompare(b.name));
  return [...(current === undefined ? [{ value: '', label: '— not assigned' }] : []), ...nodes.map((n) => ({ value: n.name, label: `${n.name} (${n.pair}${n.isAlive ? '' : ', dead'})` }))];
}
