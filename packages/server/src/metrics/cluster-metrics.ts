// The cluster on /metrics (issue 11 "Health and metrics"), read at scrape time: nodes alive and
// dead (the registry), users assigned per node, and this node's sessions labelled with its name and
// pair, so that one dashboard over every node can sum or compare them. Redis's own latency and
// errors are counted where every call passes (RedisConnection.run). A scrape while Redis is away
// still answers: the registry's gauges are then left out rather than failing the whole scrape.
import type { ClusterRegistry, Core, Metrics, NodeInfo } from '@deskchat/core';

export function instrumentCluster(metrics: Metrics, sources: { core: Core; registry: ClusterRegistry; self: NodeInfo }): void {
  const { core, registry, self } = sources;
  metrics.gaugeFrom({ name: 'deskchat_cluster_nodes', help: 'Nodes registered in the cluster, by state (alive: heartbeating; dead: lapsed or stopped)', labelNames: ['state'] }, async () => {
    const nodes = await registry.nodes().catch(() => undefined);
    if (!nodes) return [];
    const alive = nodes.filter((n) => n.isAlive).length;
    return [
      { labels: { state: 'alive' }, value: alive },
      { labels: { state: 'dead' }, value: nodes.length - alive },
    ];
  });
  metrics.gaugeFrom({ name: 'deskchat_cluster_assigned_users', help: 'Users whose home is each node', labelNames: ['node'] }, async () => {
    const counts = await registry.assignedCounts().catch(() => undefined);
    return counts ? Object.entries(counts).map(([node, value]) => ({ labels: { node }, value })) : [];
  });
  metrics.gaugeFrom({ name: 'deskchat_cluster_node_sessions', help: "This node's signed-in sessions, labelled with its name and pair", labelNames: ['node', 'pair'] }, () => [{ labels: { node: self.name, pair: self.pair }, value: core.sessions.size }]);
}
