// Modal dialogs on the native <dialog> element (showModal): the browser traps focus, Escape
// cancels, and focus returns to where it was. One helper for every form and confirmation of the
// contact list and the chat window. A failed submit keeps the dialog open with the reason.
import { TEXT } from '../text.js';
import { h, uid } from './dom.js';

export interface DialogOptions {
  title: string;
  /** Form content (labelled fields, or the confirmation text). */
  body: Node[];
  submitLabel: string;
  /** Does the work; a returned string is shown as the error and the dialog stays open. */
  onSubmit: () => Promise<string | undefined> | string | undefined;
  /** A destructive confirmation (styles the button). */
  isDanger?: boolean;
}

export function openDialog(options: DialogOptions): Promise<boolean> {
  const titleId = uid('dialog-title');
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: options.isDanger ? 'primary danger' : 'primary' }, options.submitLabel);
  const cancel = h('button', { type: 'button', value: 'cancel' }, TEXT.cancel);
  const form = h('form', { method: 'dialog' }, h('h2', { id: titleId }, options.title), ...options.body, error, h('div', { class: 'buttons' }, submit, cancel));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form);
  const previous = document.activeElement as HTMLElement | null;
  document.body.append(dialog);
  return new Promise((resolve) => {
    let isDone = false;
    const finish = (ok: boolean) => {
      if (isDone) return;
      isDone = true;
      dialog.close();
      dialog.remove();
      if (previous?.isConnected) previous.focus();
      resolve(ok);
    };
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      submit.disabled = true;
      error.textContent = '';
      try {
        const problem = await options.onSubmit();
        if (problem) {
          error.textContent = problem;
          return;
        }
        finish(true);
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
      } finally {
        submit.disabled = false;
      }
    });
    dialog.showModal();
    const first = form.querySelector<HTMLElement>('input, select, textarea') ?? submit;
    first.focus();
  });
}

/** A labelled text input. */
export function textField(label: string, value = '', attrs: Record<string, string> = {}): { row: HTMLElement; input: HTMLInputElement } {
  const id = uid('field');
  const input = h('input', { id, type: 'text', value, autocomplete: 'off', ...attrs });
  input.value = value;
  return { row: h('div', { class: 'field' }, h('label', { for: id }, label), input), input };
}

/**
 * "Choose an existing group or create a new one": a select of the groups plus "New group…", which
 * reveals a name field. `value()` is the chosen or typed name ('' when none).
 */
export function groupChooser(label: string, groups: string[], preselect?: string): { row: HTMLElement; value: () => string } {
  const id = uid('group');
  const NEW = '\u0000new';
  const select = h('select', { id });
  for (const g of groups) select.append(h('option', { value: g }, g));
  select.append(h('option', { value: NEW }, TEXT.newGroup));
  select.value = preselect && groups.includes(preselect) ? preselect : groups.length ? groups[0] : NEW;
  const name = textField(TEXT.newGroupName);
  const sync = () => {
    name.row.hidden = select.value !== NEW;
  };
  select.addEventListener('change', () => {
    sync();
    if (select.value === NEW) name.input.focus();
  });
  sync();
  return {
    row: h('div', { class: 'group-chooser' }, h('div', { class: 'field' }, h('label', { for: id }, label), select), name.row),
    value: () => (select.value === NEW ? name.input.value.trim() : select.value),
  };
}

/** Checkboxes of the groups plus a new-group field (Edit Contact: a contact may be in several groups). */
export function groupChecklist(groups: string[], checked: string[]): { row: HTMLElement; value: () => string[] } {
  const boxes = groups.map((g) => {
    const id = uid('g');
    const box = h('input', { type: 'checkbox', id, value: g });
    box.checked = checked.includes(g);
    return { box, row: h('div', { class: 'check' }, box, h('label', { for: id }, g)) };
  });
  const extra = textField(TEXT.newGroupName);
  return {
    row: h('fieldset', { class: 'groups' }, h('legend', {}, TEXT.groups), ...boxes.map((b) => b.row), extra.row),
    value: () => {
      const chosen = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      const added = extra.input.value.trim();
      return added && !chosen.includes(added) ? [...chosen, added] : chosen;
    },
  };
}

/** A yes/no confirmation. */
export function confirmDialog(title: string, question: string, submitLabel: string, onConfirm: () => Promise<string | undefined> | string | undefined): Promise<boolean> {
  return openDialog({ title, body: [h('p', {}, question)], submitLabel, onSubmit: onConfirm, isDanger: true });
}
