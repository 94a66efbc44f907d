// The cluster (design.md §5, issue 11 "Cluster"): each pair with its health, its nodes (alive or
// dead, last heartbeat, sessions held, users assigned, addresses), refreshed every few seconds, and
// a rebalance of a pair's users after a confirmation. On a single node: a note, nothing else.
import { ApiError, api } from '../api.js';
import { ago, pairHealth, rebalanceQuestion, rebalanceSummary, type Cluster, type ClusterPair } from '../cluster-view.js';
import { formatTime, h } from '../dom.js';

/** GET /api/v1/cluster, or undefined on a single node (404 "not a cluster"). */
export async function loadCluster(): Promise<Cluster | undefined> {
  try {
    return await api<Cluster>('GET', '/api/v1/cluster');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

export const SINGLE_NODE_NOTE = 'This node runs alone, not in a cluster: there are no nodes or pairs to show, and users have no node. A cluster is a set of node pairs sharing one Redis (cluster.redisUrl); see docs/cluster.md.';

export async function clusterPage(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const title = h('h1', { id: 'page-title' }, 'Cluster');
  const cluster = await loadCluster();
  if (!cluster) {
    root.append(title, h('p', { className: 'note', id: 'cluster-note' }, SINGLE_NODE_NOTE));
    return;
  }
  const meta = h('p', { className: 'meta', id: 'cluster-meta' });
  const status = h('p', { className: 'status', role: 'status', 'aria-live': 'polite', id: 'cluster-status' });
  const body = h('div', { id: 'cluster-pairs' });

  const render = (c: Cluster) => {
    const alive = c.nodes.filter((n) => n.isAlive).length;
    meta.textContent = `${c.nodes.length} node${c.nodes.length === 1 ? '' : 's'} (${alive} alive) in ${c.pairs.length} pair${c.pairs.length === 1 ? '' : 's'}. This page is served by ${c.self}. Refreshed every 5 seconds.`;
    const now = Date.now();
    body.replaceChildren(
      ...c.pairs.map((pair) => {
        const { health, text } = pairHealth(pair);
        const rows = c.nodes
          .filter((n) => n.pair === pair.name)
          .map((n) =>
            h(
              'tr',
              { 'data-node': n.name },
              h('th', { scope: 'row' }, n.name, n.name === c.self ? ' (this node)' : ''),
              h('td', { className: n.isAlive ? 'ok' : 'bad' }, n.isAlive ? 'alive' : 'dead'),
              h('td', { title: formatTime(n.lastSeen) }, n.lastSeen ? ago(n.lastSeen, now) : '—'),
              h('td', { className: 'num' }, n.sessions),
              h('td', { className: 'num' }, n.assignedUsers),
              h('td', { className: 'address' }, `${n.address.host}:${n.address.port} · ${n.address.bosh}`),
            ),
          );
        const rebalance = h('button', { type: 'button', 'aria-label': `Rebalance ${pair.name}`, disabled: pair.nodes.length < 2 }, 'Rebalance users');
        rebalance.addEventListener('click', () => void rebalancePair(pair, rebalance));
        const headingId = `pair-${pair.name}`;
        return h(
          'section',
          { className: 'pair', 'aria-labelledby': headingId, 'data-pair': pair.name },
          h('h2', { id: headingId }, `Pair ${pair.name}`),
          h('p', { className: `health ${health}` }, text, ` · ${pair.sessions} session${pair.sessions === 1 ? '' : 's'} · ${pair.assignedUsers} user${pair.assignedUsers === 1 ? '' : 's'} assigned`),
          h(
            'div',
            { className: 'table-wrap' },
            h('table', { 'aria-labelledby': headingId }, h('thead', {}, h('tr', {}, ...['Node', 'State', 'Last heartbeat', 'Sessions', 'Assigned users', 'Address (TCP · BOSH)'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, ...rows)),
          ),
          h('div', { className: 'actions' }, rebalance, h('span', { className: 'hint' }, 'Spreads the pair\u2019s users evenly over its two nodes.')),
        );
      }),
    );
  };

  async function rebalancePair(pair: ClusterPair, button: HTMLButtonElement): Promise<void> {
    if (!confirm(rebalanceQuestion(pair))) return;
    button.disabled = true;
    try {
      const result = await api<{ pair: string; moved: { username: string; from: string; to: string }[]; counts: Record<string, number> }>('POST', `/api/v1/cluster/pairs/${encodeURIComponent(pair.name)}/rebalance`);
      status.textContent = rebalanceSummary(result);
      render(await api<Cluster>('GET', '/api/v1/cluster'));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      status.textContent = `Not rebalanced: ${err.reason}`;
      button.disabled = false;
    }
  }

  root.append(title, meta, status, body);
  render(cluster);
  // Not while a control of the page has the focus: re-rendering would take it away from a keyboard user.
  const refresh = () => (body.contains(document.activeElement) ? undefined : void api<Cluster>('GET', '/api/v1/cluster').then(render, () => clearInterval(timer)));
  const timer = setInterval(refresh, 5000);
  signal.addEventListener('abort', () => clearInterval(timer));
}
