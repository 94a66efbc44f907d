// The cluster on the admin API (design.md §5–6, issue 8 §4, issue 11 "Cluster"). The rules (which
// nodes exist, balancing, sending a moved user's sessions to its new home) are the server's, the
// same as `deskchat user assign` and `deskchat cluster …`: it hands them in as a ClusterAdminService.
//   GET  /api/v1/cluster                          {"self", "nodes": [...], "pairs": [...]}
//   PUT  /api/v1/users/{username}/node            {"node"} → {"username", "node", "previous"?, "redirected"}
//   POST /api/v1/cluster/pairs/{pair}/rebalance   → {"pair", "moved": [{username, from, to}], "counts"}
// On a single node (no service) each answers 404 "not a cluster". Every change is audited.
import type Router from '@koa/router';
import type { AuditLog } from '@deskchat/core';
import { recordChange } from '../audit.js';
import { failures } from '../http-error.js';
import { readJson } from '../json-body.js';

export interface ClusterNodeView {
  name: string;
  pair: string;
  isAlive: boolean;
  /** Milliseconds since the epoch of its last heartbeat. */
  lastSeen: number;
  startedAt: number;
  /** Sessions it holds (the session directory). */
  sessions: number;
  /** Users whose home it is. */
  assignedUsers: number;
  address: { host: string; port: number; bosh: string; websocket: string };
}

export interface ClusterPairView {
  name: string;
  nodes: string[];
  aliveNodes: number;
  sessions: number;
  assignedUsers: number;
}

export interface ClusterView {
  /** The node answering. */
  self: string;
  nodes: ClusterNodeView[];
  pairs: ClusterPairView[];
}

export interface NodeAssignment {
  username: string;
  node: string;
  previous?: string;
  /** Signed-in sessions sent to the node now serving the user (see-other-host / see-other-uri). */
  redirected: number;
}

export interface Rebalance {
  pair: string;
  moved: { username: string; from: string; to: string }[];
  /** Users assigned to each node of the pair afterwards. */
  counts: Record<string, number>;
}

export interface ClusterAdminService {
  status(): Promise<ClusterView>;
  /** undefined: no such user. Throws HttpError 400 naming `node` for a node the cluster does not have. */
  assign(username: string, node: string): Promise<NodeAssignment | undefined>;
  /** undefined: no node of the cluster is in that pair. */
  rebalance(pair: string): Promise<Rebalance | undefined>;
}

export function clusterRoutes(router: Router, cluster: () => ClusterAdminService | undefined, audit: AuditLog): void {
  const service = () => cluster() ?? notACluster();

  router.get('/api/v1/cluster', async (ctx) => {
    ctx.body = await service().status();
  });

  router.put('/api/v1/users/:username/node', async (ctx) => {
    const clusterService = service();
    const body = (await readJson(ctx)) as { node?: unknown } | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw failures.invalid({ body: 'must be a JSON object' });
    if (typeof body.node !== 'string' || body.node === '') throw failures.invalid({ node: 'required: the name of a node of the cluster' });
    const result = await clusterService.assign(ctx.params.username!, body.node);
    if (!result) throw failures.notFound(`no such user '${ctx.params.username}'`);
    if (result.previous !== result.node) {
      await recordChange(audit, ctx, { action: 'user.node.assign', target: result.username, oldValue: { node: result.previous ?? null }, newValue: { node: result.node } });
    }
    ctx.body = result;
  });

  router.post('/api/v1/cluster/pairs/:pair/rebalance', async (ctx) => {
    const pair = ctx.params.pair!;
    const result = await service().rebalance(pair);
    if (!result) throw failures.notFound(`no pair '${pair}' in this cluster`);
    if (result.moved.length > 0) {
      const before = { ...result.counts };
      for (const m of result.moved) {
        before[m.to] = (before[m.to] ?? 0) - 1;
        before[m.from] = (before[m.from] ?? 0) + 1;
      }
      await recordChange(audit, ctx, { action: 'cluster.rebalance', target: pair, oldValue: { counts: before }, newValue: { counts: result.counts, moved: result.moved.length } });
    }
    ctx.body = result;
  });
}

function notACluster(): never {
  throw failures.notFound('not a cluster: this node runs alone (no cluster.redisUrl), so it has no nodes or pairs to administer');
}
