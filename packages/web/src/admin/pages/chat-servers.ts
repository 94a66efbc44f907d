// Desktop Chat Server Settings: the Primary and Secondary Chat Server URLs gadgets use for
// discovery, with Save (store the edits) and Revert (discard them and show the last saved values),
// inline reasons from the server's validation, and who saved last and when.
import { ApiError, api } from '../api.js';
import { formatTime, h } from '../dom.js';
import { SettingsForm } from '../settings-form.js';

interface Stored {
  primary: string | null;
  secondary: string | null;
  updatedBy: string | null;
  updatedAt: number | null;
}

const FIELDS = [
  { key: 'primary', label: 'Primary Chat Server', hint: 'The BOSH URL gadgets try first, e.g. https://chat1.example.com:5280/http-bind' },
  { key: 'secondary', label: 'Secondary Chat Server', hint: 'Used for discovery only when the primary is unreachable (optional)' },
] as const;

export async function chatServersPage(root: HTMLElement): Promise<void> {
  const stored = await api<Stored>('GET', '/api/v1/settings/chat-servers');
  const form = new SettingsForm({ primary: stored.primary ?? '', secondary: stored.secondary ?? '' });
  const lastSaved = h('p', { className: 'meta', id: 'last-saved' });
  const status = h('p', { className: 'status', role: 'status', 'aria-live': 'polite', id: 'form-status' });
  const showSaved = (s: Stored) => (lastSaved.textContent = s.updatedAt ? `Last saved by ${s.updatedBy ?? 'unknown'} at ${formatTime(s.updatedAt)}` : 'Not saved yet: gadgets use this node’s own BOSH URL.');
  showSaved(stored);

  const inputs = new Map<string, HTMLInputElement>();
  const errors = new Map<string, HTMLElement>();
  const save = h('button', { type: 'submit', className: 'primary', id: 'save' }, 'Save');
  const revert = h('button', { type: 'button', id: 'revert' }, 'Revert');
  const refresh = () => {
    for (const { key } of FIELDS) {
      const problem = form.problems[key];
      errors.get(key)!.textContent = problem ?? '';
      inputs.get(key)!.setAttribute('aria-invalid', problem ? 'true' : 'false');
    }
    save.disabled = !form.isDirty;
    revert.disabled = !form.isDirty && Object.keys(form.problems).length === 0;
  };

  const rows = FIELDS.map(({ key, label, hint }) => {
    const input = h('input', { id: `field-${key}`, name: key, type: 'text', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `hint-${key} error-${key}`, value: form.edited[key] });
    input.addEventListener('input', () => {
      form.edit(key, input.value);
      status.textContent = '';
      refresh();
    });
    inputs.set(key, input);
    const error = h('p', { className: 'field-error', id: `error-${key}` });
    errors.set(key, error);
    return h('div', { className: 'field' }, h('label', { for: `field-${key}` }, label), input, h('p', { className: 'hint', id: `hint-${key}` }, hint), error);
  });

  revert.addEventListener('click', () => {
    const values = form.revert();
    for (const { key } of FIELDS) inputs.get(key)!.value = values[key];
    status.textContent = 'Reverted to the last saved values.';
    refresh();
  });

  const formEl = h('form', { novalidate: true, 'aria-labelledby': 'page-title' }, ...rows, h('div', { className: 'actions' }, save, revert), status);
  formEl.addEventListener('submit', async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      const result = await api<Stored>('PUT', '/api/v1/settings/chat-servers', { primary: form.edited.primary, secondary: form.edited.secondary || null });
      form.markSaved({ primary: result.primary ?? '', secondary: result.secondary ?? '' });
      for (const { key } of FIELDS) inputs.get(key)!.value = form.edited[key];
      showSaved(result);
      status.textContent = 'Saved.';
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      form.refused(err.fields);
      status.textContent = `Not saved: ${err.reason}`;
      const first = FIELDS.find(({ key }) => err.fields[key]);
      if (first) inputs.get(first.key)!.focus();
    }
    refresh();
  });

  refresh();
  root.append(h('h1', { id: 'page-title' }, 'Desktop Chat Server Settings'), lastSaved, formEl);
}
