// A small live view of the node's key figures (GET /api/v1/status every few seconds while shown);
// the full set is on /metrics for Prometheus.
import { api } from '../api.js';
import { h } from '../dom.js';

type Status = Record<string, unknown> & {
  sessions: Record<string, number>;
  connections: Record<string, number>;
  loadLimit: { maxSessionsPerNode: number; isRefusing: boolean; refusals: number };
};

export async function statusPage(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const grid = h('dl', { className: 'figures', id: 'figures' });
  const render = (s: Status) => {
    const figures: [string, string][] = [
      ['Signed-in sessions', Object.entries(s.sessions).map(([t, n]) => `${t} ${n}`).join(' · ')],
      ['Connections', Object.entries(s.connections).map(([t, n]) => `${t} ${n}`).join(' · ')],
      ['Sign-ins since start', String(s.signIns)],
      ['Failed sign-ins', String(s.signInFailures)],
      ['Messages routed', String(s.messagesRouted)],
      ['Offline messages stored', String(s.offlineMessages ?? '—')],
      ['BOSH requests held', String(s.boshHeldRequests)],
      ['Load limit', s.loadLimit.maxSessionsPerNode ? `${s.loadLimit.maxSessionsPerNode} (${s.loadLimit.isRefusing ? 'refusing' : 'accepting'}, ${s.loadLimit.refusals} refused)` : 'none'],
      ['Memory', `${Math.round(Number(s.memoryBytes) / 1048576)} MiB`],
      ['Up for', `${Math.round(Number(s.uptimeSeconds) / 60)} min`],
    ];
    grid.replaceChildren(...figures.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  };
  root.append(h('h1', { id: 'page-title' }, 'Live status'), grid, h('p', { className: 'hint' }, 'Refreshed every 5 seconds. Prometheus: GET /metrics on this port.'));
  render(await api<Status>('GET', '/api/v1/status'));
  const timer = setInterval(() => void api<Status>('GET', '/api/v1/status').then(render, () => clearInterval(timer)), 5000);
  signal.addEventListener('abort', () => clearInterval(timer));
}
