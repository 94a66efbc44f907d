// The Search field: as the agent types a name or ID it suggests matching users from the directory
// (XEP-0055 on the server). Each suggestion has an Add button (shown on hover and on focus) that
// opens Add Contact prefilled, and opening a chat is one click on the name. ArrowDown moves from
// the field into the suggestions; Escape clears them. Older answers never replace newer ones.
import type { Session } from '../session.js';
import { TEXT } from '../text.js';
import type { SearchResult } from '../xmpp/stanzas.js';
import { focusables, h, moveFocus, uid } from './dom.js';

const DEBOUNCE_MS = 250;
const MIN_CHARS = 2;

export interface SearchActions {
  add(result: SearchResult): void;
  chat(result: SearchResult): void;
}

export function searchBox(session: Session, actions: SearchActions): { el: HTMLElement; clear(): void } {
  const id = uid('search');
  const resultsId = `${id}-results`;
  const input = h('input', { id, type: 'search', class: 'search-input', placeholder: TEXT.searchPlaceholder, autocomplete: 'off', spellcheck: 'false', 'aria-controls': resultsId, 'aria-describedby': `${id}-status` });
  const status = h('p', { id: `${id}-status`, class: 'search-status', 'aria-live': 'polite' });
  const list = h('ul', { id: resultsId, class: 'search-results', 'aria-label': TEXT.searchResults, hidden: true });
  const el = h('div', { class: 'search', role: 'search' }, h('label', { for: id, class: 'sr-only' }, TEXT.search), input, status, list);

  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  const clear = () => {
    generation++;
    clearTimeout(timer);
    input.value = '';
    list.replaceChildren();
    list.hidden = true;
    status.textContent = '';
  };

  const show = (results: SearchResult[]) => {
    list.replaceChildren(
      ...results.map((r) => {
        const name = r.name ?? r.jid;
        return h(
          'li',
          { class: 'result' },
          h('button', { type: 'button', class: 'result-name', title: TEXT.chat, onclick: () => actions.chat(r) }, h('span', { class: 'name' }, name), h('span', { class: 'jid' }, r.jid)),
          session.roster.has(r.jid) ? null : h('button', { type: 'button', class: 'add', 'aria-label': TEXT.addFromSearch(name), title: TEXT.addFromSearch(name), onclick: () => actions.add(r) }, '+'),
        );
      }),
    );
    list.hidden = results.length === 0;
    status.textContent = results.length === 0 ? TEXT.searchNone : '';
  };

  const run = async (text: string) => {
    const mine = ++generation;
    status.textContent = TEXT.searching;
    try {
      const results = await session.client.search(text);
      for (const r of results) session.rememberName(r.jid, r.name);
      if (mine === generation) show(results);
    } catch {
      if (mine === generation) status.textContent = TEXT.searchFailed;
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < MIN_CHARS) {
      generation++;
      list.replaceChildren();
      list.hidden = true;
      status.textContent = '';
      return;
    }
    timer = setTimeout(() => void run(text), DEBOUNCE_MS);
  });
  el.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && (input.value || !list.hidden)) {
      event.preventDefault();
      clear();
      input.focus();
      return;
    }
    if (event.target === input && event.key === 'ArrowDown') {
      const first = list.querySelector<HTMLElement>('button');
      if (first) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    if (list.contains(event.target as Node) && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      const items = focusables(list, 'button');
      if (event.key === 'ArrowUp' && items.indexOf(event.target as HTMLElement) === 0) {
        event.preventDefault();
        input.focus();
        return;
      }
      if (moveFocus(items, event.key)) event.preventDefault();
    }
  });
  return { el, clear };
}
