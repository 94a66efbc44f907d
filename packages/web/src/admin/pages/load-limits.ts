// Load limits of each node (Genesys Chat Server's limit and restore threshold): at the maximum a
// node refuses new sign-ins until it is back at the restore threshold; nobody is disconnected.
import { ApiError, api } from '../api.js';
import { formatTime, h } from '../dom.js';

interface Limits {
  maxSessionsPerNode: number;
  restoreSessionsPerNode: number;
  sessions: number;
  isRefusing: boolean;
  refusals: number;
  updatedBy: string | null;
  updatedAt: number | null;
}

export async function loadLimitsPage(root: HTMLElement): Promise<void> {
  const current = await api<Limits>('GET', '/api/v1/settings/load-limits');
  const state = h('p', { className: 'meta', id: 'limit-state' });
  const status = h('p', { className: 'status', role: 'status', 'aria-live': 'polite', id: 'limits-status' });
  const show = (l: Limits) =>
    (state.textContent = `This node: ${l.sessions} sessions, ${l.isRefusing ? 'refusing sign-ins' : 'accepting sign-ins'}, ${l.refusals} refused since start. Last saved by ${l.updatedBy ?? '—'} at ${formatTime(l.updatedAt)}.`);
  show(current);
  const fields = [
    ['maxSessionsPerNode', 'Maximum sessions per node (0: no limit)'],
    ['restoreSessionsPerNode', 'Accept sign-ins again at (sessions)'],
  ] as const;
  const inputs = {} as Record<string, HTMLInputElement>;
  const errors = {} as Record<string, HTMLElement>;
  const form = h('form', { novalidate: true });
  for (const [key, label] of fields) {
    inputs[key] = h('input', { id: `limit-${key}`, type: 'number', min: 0, step: 1, value: current[key], 'aria-describedby': `limit-${key}-error` });
    errors[key] = h('p', { className: 'field-error', id: `limit-${key}-error` });
    form.append(h('div', { className: 'field' }, h('label', { for: `limit-${key}` }, label), inputs[key], errors[key]));
  }
  form.append(h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'primary' }, 'Save')), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of Object.values(errors)) el.textContent = '';
    const body = Object.fromEntries(fields.map(([k]) => [k, inputs[k]!.value === '' ? undefined : Number(inputs[k]!.value)]));
    try {
      const saved = await api<Limits>('PUT', '/api/v1/settings/load-limits', body);
      for (const [k] of fields) inputs[k]!.value = String(saved[k]);
      show(saved);
      status.textContent = 'Saved.';
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      for (const [field, reason] of Object.entries(err.fields)) if (errors[field]) errors[field].textContent = reason;
      status.textContent = `Not saved: ${err.reason}`;
    }
  });
  root.append(h('h1', { id: 'page-title' }, 'Load limits'), state, form);
}
