// The audit log: every change, newest first, with who, when, what, and the old and new values.
import { api } from '../api.js';
import { formatTime, h } from '../dom.js';

interface Entry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target?: string;
  oldValue?: unknown;
  newValue?: unknown;
}

const PAGE = 50;
const json = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

export async function auditPage(root: HTMLElement): Promise<void> {
  const tbody = h('tbody');
  const more = h('button', { type: 'button' }, 'Older entries');
  let before: number | undefined;
  async function load(): Promise<void> {
    const entries = await api<Entry[]>('GET', `/api/v1/audit?limit=${PAGE}${before ? `&before=${before}` : ''}`);
    for (const e of entries) tbody.append(h('tr', {}, h('td', {}, formatTime(e.at)), h('td', {}, e.actor), h('td', {}, e.action), h('td', {}, e.target ?? ''), h('td', { className: 'value' }, json(e.oldValue)), h('td', { className: 'value' }, json(e.newValue))));
    before = entries.at(-1)?.id;
    more.disabled = entries.length < PAGE;
  }
  more.addEventListener('click', () => void load());
  root.append(
    h('h1', { id: 'page-title' }, 'Audit log'),
    h('div', { className: 'table-wrap' }, h('table', { 'aria-labelledby': 'page-title', id: 'audit-table' }, h('thead', {}, h('tr', {}, ...['When', 'Who', 'What', 'Target', 'Before', 'After'].map((t) => h('th', { scope: 'col' }, t)))), tbody)),
    h('div', { className: 'actions' }, more),
  );
  await load();
}
