// File policy (issue #11; docs/files.md): the one policy every transfer path applies — enabled,
// maximum size, allowed and refused types, files a day, quota per user — as IM&P's File Transfer
// Manager and Mitel's attachment settings show it. Save stores the whole policy (PUT
// /api/v1/settings/files), Revert discards unsaved edits; the server's validation reasons are shown
// next to their field (`allowedTypes[1]` belongs to the Allowed types field); "last saved by … at …".
import { ApiError, api } from '../api.js';
import { formatTime, h } from '../dom.js';
import { SettingsForm } from '../settings-form.js';
import { FILE_POLICY_FIELDS as FIELDS, describeDefault, problemsByField, toValues, type FilePolicyKey as Key, type FilePolicyReport as Report, type FilePolicyValues as Values } from '../file-policy-view.js';

const PATH = '/api/v1/settings/files';

export async function filePolicyPage(root: HTMLElement): Promise<void> {
  const report = await api<Report>('GET', PATH);
  const form = new SettingsForm<Values>(toValues(report.policy));
  const lastSaved = h('p', { className: 'meta', id: 'files-last-saved' });
  const status = h('p', { className: 'status', role: 'status', 'aria-live': 'polite', id: 'files-status' });
  const showSaved = (r: Report) =>
    (lastSaved.textContent =
      r.source === 'admin' ? `Last saved by ${r.updatedBy ?? 'unknown'} at ${formatTime(r.updatedAt)}` : 'Not saved yet: the config file’s policy (files.*) applies.');
  showSaved(report);

  const inputs = new Map<Key, HTMLInputElement>();
  const errors = new Map<Key, HTMLElement>();
  const save = h('button', { type: 'submit', className: 'primary', id: 'files-save' }, 'Save');
  const revert = h('button', { type: 'button', id: 'files-revert' }, 'Revert');
  const show = (values: Values) => {
    for (const { key, kind } of FIELDS) {
      const input = inputs.get(key)!;
      if (kind === 'check') input.checked = values[key] === 'true';
      else input.value = values[key];
    }
  };
  const refresh = () => {
    for (const { key } of FIELDS) {
      const problem = form.problems[key];
      errors.get(key)!.textContent = problem ?? '';
      inputs.get(key)!.setAttribute('aria-invalid', problem ? 'true' : 'false');
    }
    save.disabled = !form.isDirty;
    revert.disabled = !form.isDirty && Object.keys(form.problems).length === 0;
  };

  const rows = FIELDS.map(({ key, label, hint, kind }) => {
    const id = `files-${key}`;
    const common = { id, name: key, 'aria-describedby': `${id}-hint ${id}-error` };
    const input =
      kind === 'check'
        ? h('input', { ...common, type: 'checkbox', className: 'check' })
        : kind === 'number'
          ? h('input', { ...common, type: 'number', min: 0, step: 1, inputmode: 'numeric', autocomplete: 'off' })
          : h('input', { ...common, type: 'text', autocomplete: 'off', spellcheck: 'false' });
    input.addEventListener(kind === 'check' ? 'change' : 'input', () => {
      form.edit(key, kind === 'check' ? String(input.checked) : input.value);
      status.textContent = '';
      refresh();
    });
    inputs.set(key, input);
    const error = h('p', { className: 'field-error', id: `${id}-error` });
    errors.set(key, error);
    const hintText = `${hint}. Config file: ${describeDefault(key, report.defaults)}.`;
    const labelled = kind === 'check' ? h('div', { className: 'check-row' }, input, h('label', { for: id }, label)) : h('label', { for: id }, label);
    return h('div', { className: 'field' }, ...(kind === 'check' ? [labelled] : [labelled, input]), h('p', { className: 'hint', id: `${id}-hint` }, hintText), error);
  });
  show(form.edited);

  revert.addEventListener('click', () => {
    show(form.revert());
    status.textContent = 'Reverted to the last saved values.';
    refresh();
  });

  const formEl = h('form', { novalidate: true, 'aria-labelledby': 'page-title', id: 'files-form' }, ...rows, h('div', { className: 'actions' }, save, revert), status);
  formEl.addEventListener('submit', async (event) => {
    event.preventDefault();
    save.disabled = true;
    const e = form.edited;
    // Numbers and lists go as typed: the server's parser (the config file's) reads them and names what is wrong.
    const body = {
      enabled: e.enabled === 'true',
      maxBytes: e.maxBytes,
      allowedTypes: e.allowedTypes,
      refusedTypes: e.refusedTypes,
      maxFilesPerDay: e.maxFilesPerDay,
      quotaBytesPerUser: e.quotaBytesPerUser,
    };
    try {
      const result = await api<Report>('PUT', PATH, body);
      form.markSaved(toValues(result.policy));
      show(form.edited);
      showSaved(result);
      status.textContent = 'Saved.';
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      form.refused(problemsByField(err.fields));
      status.textContent = `Not saved: ${err.reason}`;
      const first = FIELDS.find(({ key }) => form.problems[key]);
      if (first) inputs.get(first.key)!.focus();
    }
    refresh();
  });

  refresh();
  root.append(h('h1', { id: 'page-title' }, 'File policy'), lastSaved, formEl);
}
