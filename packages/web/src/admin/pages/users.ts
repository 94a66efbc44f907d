// Chat users: search and paging, add (with a generated password when none is given, shown once),
// reset a password, remove, and bulk import of the CLI's CSV with a progress bar. In a cluster each
// user's home node, changed with a select (the user's signed-in sessions are sent there), and a node
// to add a user on (empty: the least loaded); on a single node a note instead.
import { ApiError, api } from '../api.js';
import { nodeOptions, type Cluster } from '../cluster-view.js';
import { formatTime, h } from '../dom.js';
import { loadCluster } from './cluster.js';

interface User {
  username: string;
  name?: string;
  email?: string;
  createdAt: number;
  node?: string;
}

function nodeSelect(cluster: Cluster, current: string | undefined, props: Record<string, string>): HTMLSelectElement {
  const select = h('select', props);
  for (const option of nodeOptions(cluster, current)) select.append(h('option', { value: option.value, selected: option.value === (current ?? '') }, option.label));
  return select;
}

const PAGE = 25;

export async function usersPage(root: HTMLElement): Promise<void> {
  const cluster = await loadCluster();
  let offset = 0;
  let search = '';
  const status = h('p', { className: 'status', role: 'status', 'aria-live': 'polite', id: 'users-status' });
  const tbody = h('tbody');
  const pager = h('p', { className: 'meta', id: 'users-pager' });
  const prev = h('button', { type: 'button' }, 'Previous');
  const next = h('button', { type: 'button' }, 'Next');

  async function load(): Promise<void> {
    const query = new URLSearchParams({ offset: String(offset), limit: String(PAGE), ...(search ? { search } : {}) });
    const { total, users } = await api<{ total: number; users: User[] }>('GET', `/api/v1/users?${query}`);
    tbody.replaceChildren(
      ...users.map((u) => {
        const reset = h('button', { type: 'button', 'aria-label': `Reset the password of ${u.username}` }, 'Reset password');
        const remove = h('button', { type: 'button', className: 'danger', 'aria-label': `Remove ${u.username}` }, 'Remove');
        reset.addEventListener('click', async () => {
          const result = await api<{ generatedPassword?: string }>('PUT', `/api/v1/users/${encodeURIComponent(u.username)}/password`, {});
          status.textContent = `New password for ${u.username} (shown once): ${result.generatedPassword}`;
        });
        remove.addEventListener('click', async () => {
          if (!confirm(`Remove ${u.username} and all their data?`)) return;
          await api('DELETE', `/api/v1/users/${encodeURIComponent(u.username)}`);
          status.textContent = `Removed ${u.username}.`;
          await load();
        });
        return h('tr', {}, h('td', {}, u.username), h('td', {}, u.name ?? ''), h('td', {}, u.email ?? ''), h('td', {}, formatTime(u.createdAt)), cluster ? h('td', {}, userNode(cluster, u)) : null, h('td', { className: 'row-actions' }, reset, remove));
      }),
    );
    pager.textContent = total === 0 ? 'No users.' : `${offset + 1}–${offset + users.length} of ${total}`;
    prev.disabled = offset === 0;
    next.disabled = offset + users.length >= total;
  }
  /** The user's node as a select: choosing another moves the user (PUT …/node), or says why not. */
  function userNode(c: Cluster, u: User): HTMLSelectElement {
    const select = nodeSelect(c, u.node, { 'aria-label': `Node of ${u.username}`, 'data-user': u.username });
    select.addEventListener('change', async () => {
      if (!select.value) return;
      try {
        const result = await api<{ username: string; node: string; redirected: number }>('PUT', `/api/v1/users/${encodeURIComponent(u.username)}/node`, { node: select.value });
        u.node = result.node;
        select.querySelector('option[value=""]')?.remove();
        const sent = result.redirected ? ` (${result.redirected} signed-in session${result.redirected === 1 ? '' : 's'} sent there)` : '';
        status.textContent = `${result.username} moved to ${result.node}${sent}.`;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        select.value = u.node ?? '';
        status.textContent = `Not moved: ${err.reason}`;
      }
    });
    return select;
  }

  prev.addEventListener('click', () => void ((offset = Math.max(0, offset - PAGE)), load()));
  next.addEventListener('click', () => void ((offset += PAGE), load()));

  const searchInput = h('input', { id: 'user-search', type: 'search', placeholder: 'username, name or e-mail' });
  const searchForm = h('form', { role: 'search', className: 'inline' }, h('label', { for: 'user-search' }, 'Search'), searchInput, h('button', { type: 'submit' }, 'Search'));
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    search = searchInput.value.trim();
    offset = 0;
    void load();
  });

  // Add a user.
  const fields = { username: 'Username', password: 'Password (empty: generate one)', name: 'Display name', email: 'E-mail' } as const;
  const inputs = {} as Record<keyof typeof fields, HTMLInputElement>;
  const errors = {} as Record<string, HTMLElement>;
  const addForm = h('form', { novalidate: true, className: 'grid', id: 'add-user' });
  for (const [key, label] of Object.entries(fields) as [keyof typeof fields, string][]) {
    inputs[key] = h('input', { id: `new-${key}`, name: key, type: key === 'password' ? 'password' : key === 'email' ? 'email' : 'text', autocomplete: key === 'password' ? 'new-password' : 'off', 'aria-describedby': `new-${key}-error` });
    errors[key] = h('p', { className: 'field-error', id: `new-${key}-error` });
    addForm.append(h('div', { className: 'field' }, h('label', { for: `new-${key}` }, label), inputs[key], errors[key]));
  }
  let newNode: HTMLSelectElement | undefined;
  if (cluster) {
    newNode = nodeSelect(cluster, undefined, { id: 'new-node', name: 'node', 'aria-describedby': 'new-node-error' });
    newNode.options[0]!.textContent = '— the least loaded node';
    errors.node = h('p', { className: 'field-error', id: 'new-node-error' });
    addForm.append(h('div', { className: 'field' }, h('label', { for: 'new-node' }, 'Node'), newNode, errors.node));
  }
  addForm.append(h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'primary' }, 'Add user')));
  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of Object.values(errors)) el.textContent = '';
    const body = { ...Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value.trim() || undefined])), ...(newNode?.value ? { node: newNode.value } : {}) };
    try {
      const result = await api<{ username: string; generatedPassword?: string; node?: string }>('POST', '/api/v1/users', body);
      const on = result.node ? ` on ${result.node}` : '';
      status.textContent = result.generatedPassword ? `Added ${result.username}${on}. Password (shown once): ${result.generatedPassword}` : `Added ${result.username}${on}.`;
      addForm.reset();
      await load();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      for (const [field, reason] of Object.entries(err.fields)) if (errors[field]) errors[field].textContent = reason;
      status.textContent = `Not added: ${err.reason}`;
    }
  });

  // Bulk import of the CLI's CSV (username,password[,name,email]).
  const file = h('input', { id: 'import-file', type: 'file', accept: '.csv,text/csv' });
  const progress = h('progress', { id: 'import-progress', max: 1, value: 0, hidden: true });
  const report = h('pre', { id: 'import-report', className: 'report' });
  const importForm = h('form', { className: 'inline' }, h('label', { for: 'import-file' }, 'CSV file'), file, h('button', { type: 'submit' }, 'Import'), progress);
  importForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return void (report.textContent = 'Choose a CSV file first.');
    try {
      const job = await api<{ id: string; total: number }>('POST', '/api/v1/users/import', await chosen.text(), { contentType: 'text/csv' });
      progress.hidden = false;
      progress.max = Math.max(1, job.total);
      for (;;) {
        const state = await api<{ processed: number; total: number; done: boolean; failure?: string; summary?: { imported: number; skipped: number; errors: { line: number; message: string }[] } }>('GET', `/api/v1/users/import/${job.id}`);
        progress.value = state.processed;
        report.textContent = `processed ${state.processed}/${state.total}`;
        if (state.done) {
          const s = state.summary;
          report.textContent = s ? [`imported ${s.imported}, skipped ${s.skipped} (already exist), errors ${s.errors.length}`, ...s.errors.map((r) => `line ${r.line}: ${r.message}`)].join('\n') : `failed: ${state.failure}`;
          break;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      await load();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      report.textContent = `Not imported: ${err.reason}`;
    }
  });

  root.append(
    h('h1', { id: 'page-title' }, 'Users'),
    status,
    searchForm,
    ...(cluster ? [] : [h('p', { className: 'note', id: 'users-node-note' }, 'This node runs alone, not in a cluster: users have no node to assign.')]),
    h('div', { className: 'table-wrap' }, h('table', { 'aria-labelledby': 'page-title', id: 'users-table' }, h('thead', {}, h('tr', {}, ...['Username', 'Name', 'E-mail', 'Created', ...(cluster ? ['Node'] : []), ''].map((t) => h('th', { scope: 'col' }, t)))), tbody)),
    h('div', { className: 'actions' }, prev, next, pager),
    h('h2', {}, 'Add a user'),
    addForm,
    h('h2', {}, 'Import users from CSV'),
    h('p', { className: 'hint' }, 'A header row naming username and password, and optionally name and email, as for deskchat user import.'),
    importForm,
    report,
  );
  await load();
}
