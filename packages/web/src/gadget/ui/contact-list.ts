// The contact list: Recent Chats, then each group with its contacts and their composed presence,
// then contacts in no group. Each contact and each group has a ••• menu; Ctrl+click (or
// Ctrl+Space) selects several contacts for Move / Delete from the header bar. Rows are kept by key
// and only updated, so that presence changes across 200 contacts neither rebuild the list nor
// take the keyboard focus away; arrow keys move between rows.
import type { ContactRow } from '../model/roster.js';
import type { Session } from '../session.js';
import { TEXT } from '../text.js';
import { attr, focusables, h, moveFocus, setText, uid } from './dom.js';
import { menuButton, type MenuItem } from './menu.js';

export interface ContactActions {
  openChat(jid: string): void;
  addContact(prefill: { jid?: string; name?: string; group?: string }): void;
  editContact(jid: string): void;
  moveRows(rows: ContactRow[]): void;
  deleteRows(rows: ContactRow[]): void;
  editGroup(group: string): void;
  deleteGroup(group: string): void;
}

interface RowView {
  el: HTMLLIElement;
  button: HTMLButtonElement;
  dot: HTMLSpanElement;
  name: HTMLSpanElement;
  status: HTMLSpanElement;
  row: ContactRow;
}

interface GroupView {
  el: HTMLElement;
  toggle: HTMLButtonElement;
  label: HTMLSpanElement;
  count: HTMLSpanElement;
  list: HTMLUListElement;
}

const RECENT = 'r';
const UNGROUPED = 'u';
const groupKey = (group: string) => `g:${group}`;
const rowKey = (section: string, jid: string) => `${section}\u0001${jid}`;

export function contactListView(session: Session, actions: ContactActions): { el: HTMLElement; render(): void; clearSelection(): void } {
  const rows = new Map<string, RowView>();
  const groups = new Map<string, GroupView>();
  const collapsed = new Set<string>();
  const selected = new Map<string, ContactRow>();

  const selectionCount = h('span', { class: 'count', 'aria-live': 'polite' });
  const selectionBar = h(
    'div',
    { class: 'selection-bar', hidden: true, role: 'toolbar', 'aria-label': TEXT.contactList },
    selectionCount,
    h('button', { type: 'button', onclick: () => actions.moveRows([...selected.values()]) }, TEXT.move),
    h('button', { type: 'button', onclick: () => actions.deleteRows([...selected.values()]) }, TEXT.delete),
    h('button', { type: 'button', onclick: () => clearSelection() }, TEXT.clearSelection),
  );
  const sections = h('div', { class: 'contact-list' });
  const empty = h('p', { class: 'empty' }, TEXT.noContacts);
  const el = h('nav', { class: 'contacts', 'aria-label': TEXT.contactList }, selectionBar, sections, empty);

  el.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    if ((event.key === ' ' || event.key === 'Enter') && (event.ctrlKey || event.metaKey) && target.classList.contains('contact')) {
      event.preventDefault();
      toggleSelected(target.dataset.key!);
      return;
    }
    if (event.key === 'Escape' && selected.size > 0) {
      clearSelection();
      return;
    }
    if (!target.matches('.contact, .group-toggle')) return;
    if (moveFocus(focusables(sections, '.contact, .group-toggle'), event.key)) event.preventDefault();
  });

  function toggleSelected(key: string): void {
    const view = rows.get(key);
    if (!view) return;
    if (selected.has(key)) selected.delete(key);
    else selected.set(key, view.row);
    render();
  }

  function clearSelection(): void {
    selected.clear();
    render();
  }

  function groupView(key: string, title: string, menu: (() => MenuItem[]) | undefined): GroupView {
    let view = groups.get(key);
    if (view) return view;
    const headerId = uid('grp');
    const label = h('span', { class: 'label' }, title);
    const count = h('span', { class: 'count' });
    const toggle = h('button', { type: 'button', class: 'group-toggle', id: headerId, 'aria-expanded': 'true' }, h('span', { class: 'chevron', 'aria-hidden': 'true' }), label, count);
    const list = h('ul', { class: 'members', role: 'list' });
    toggle.addEventListener('click', () => {
      if (collapsed.has(key)) collapsed.delete(key);
      else collapsed.add(key);
      render();
    });
    const header = h('div', { class: 'group-header' }, toggle, menu && menuButton({ label: TEXT.groupActions(title), content: '•••', items: menu }));
    view = { el: h('section', { class: 'group', 'aria-labelledby': headerId, 'data-group': key }, header, list), toggle, label, count, list };
    groups.set(key, view);
    return view;
  }

  function rowView(section: string, row: ContactRow, menu: () => MenuItem[]): RowView {
    const key = rowKey(section, row.jid);
    let view = rows.get(key);
    if (view) {
      view.row = row;
      return view;
    }
    const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
    const name = h('span', { class: 'name' });
    const status = h('span', { class: 'status' });
    const button = h('button', { type: 'button', class: 'contact', 'data-key': key, 'data-jid': row.jid }, dot, name, status);
    button.addEventListener('click', (event) => {
      if (event.ctrlKey || event.metaKey) {
        if (section !== RECENT) toggleSelected(key);
        return;
      }
      if (selected.size > 0) clearSelection();
      actions.openChat(row.jid);
    });
    const more = menuButton({ label: TEXT.contactActions(session.displayName(row.jid)), content: '•••', items: menu });
    view = { el: h('li', { class: 'row', 'data-jid': row.jid }, button, more), button, dot, name, status, row };
    rows.set(key, view);
    return view;
  }

  function updateRow(view: RowView, key: string): void {
    const { jid } = view.row;
    const presence = session.presenceOf(jid);
    const item = session.roster.get(jid);
    const name = session.displayName(jid);
    const stateName = TEXT.stateNames[presence.state];
    const statusText = item?.isPending && presence.state === 'offline' ? TEXT.pending : presence.state === 'offline' ? '' : (presence.status ?? stateName);
    view.dot.className = `dot s-${presence.state}`;
    setText(view.name, name);
    setText(view.status, statusText);
    const isSelected = selected.has(key);
    view.el.classList.toggle('selected', isSelected);
    attr(view.button, 'aria-label', TEXT.contactLabel(name, stateName, statusText || undefined) + (isSelected ? `, ${TEXT.selected(1)}` : ''));
    const more = view.el.querySelector('.more');
    if (more) attr(more, 'aria-label', TEXT.contactActions(name));
  }

  /** Puts `children` into `parent` in order, moving only what is out of place (focus survives). */
  function place(parent: Element, children: Element[]): void {
    children.forEach((child, i) => {
      if (parent.children[i] !== child) parent.insertBefore(child, parent.children[i] ?? null);
    });
    while (parent.children.length > children.length) parent.lastElementChild!.remove();
  }

  function render(): void {
    const seenRows = new Set<string>();
    const sectionEls: HTMLElement[] = [];
    const fill = (key: string, title: string, members: ContactRow[], menu: (() => MenuItem[]) | undefined, rowMenu: (row: ContactRow) => () => MenuItem[]) => {
      const view = groupView(key, title, menu);
      const isCollapsed = collapsed.has(key);
      view.toggle.setAttribute('aria-expanded', String(!isCollapsed));
      setText(view.count, `(${members.length})`);
      view.list.hidden = isCollapsed;
      const items = members.map((row) => {
        const rkey = rowKey(key, row.jid);
        const rv = rowView(key, row, rowMenu(row));
        updateRow(rv, rkey);
        seenRows.add(rkey);
        return rv.el;
      });
      place(view.list, items);
      sectionEls.push(view.el);
    };

    const recent = session.chats.recent();
    if (recent.length > 0) {
      fill(RECENT, TEXT.recentChats, recent.map((c) => ({ jid: c.jid })), undefined, (row) => () => recentMenu(row.jid));
    }
    for (const group of session.roster.groups()) {
      const members = session.roster.members(group).map((i) => ({ jid: i.jid, group }));
      if (members.length === 0) continue;
      fill(groupKey(group), group, members, () => groupMenu(group), (row) => () => contactMenu(row));
    }
    const loose = session.roster.members(undefined).map((i) => ({ jid: i.jid }));
    if (loose.length > 0) fill(UNGROUPED, TEXT.ungrouped, loose, () => [{ label: TEXT.add, action: () => actions.addContact({}) }], (row) => () => contactMenu(row));

    place(sections, sectionEls);
    for (const [key, view] of groups) if (!sectionEls.includes(view.el)) groups.delete(key);
    for (const key of rows.keys()) {
      if (!seenRows.has(key)) {
        rows.delete(key);
        selected.delete(key);
      }
    }
    empty.hidden = sectionEls.length > 0;
    selectionBar.hidden = selected.size === 0;
    setText(selectionCount, TEXT.selected(selected.size));
  }

  function contactMenu(row: ContactRow): MenuItem[] {
    return [
      { label: TEXT.chat, action: () => actions.openChat(row.jid) },
      { label: TEXT.edit, action: () => actions.editContact(row.jid) },
      { label: TEXT.move, action: () => actions.moveRows([row]) },
      { label: TEXT.delete, action: () => actions.deleteRows([row]) },
    ];
  }

  function groupMenu(group: string): MenuItem[] {
    return [
      { label: TEXT.add, action: () => actions.addContact({ group }) },
      { label: TEXT.edit, action: () => actions.editGroup(group) },
      { label: TEXT.delete, action: () => actions.deleteGroup(group) },
    ];
  }

  function recentMenu(jid: string): MenuItem[] {
    const items: MenuItem[] = [{ label: TEXT.chat, action: () => actions.openChat(jid) }];
    if (!session.roster.has(jid)) items.push({ label: TEXT.add, action: () => actions.addContact({ jid, name: session.displayName(jid) }) });
    return items;
  }

  // A selection whose contacts left the list (moved, deleted) is dropped with them by render().
  return { el, render, clearSelection };
}
