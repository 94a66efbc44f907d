// A menu button (WAI-ARIA menu button pattern): the ••• of contacts and groups, the state
// drop-down, the tab overflow. Enter/Space/ArrowDown open it on the first item, arrows move,
// Escape closes and gives focus back to the button, a click outside closes. Only one menu is open
// at a time. The items are built when it opens, so they always reflect the current state.
import { h, moveFocus, uid } from './dom.js';

export interface MenuItem {
  label: string;
  action: () => void;
  /** Extra class (e.g. a presence dot before the label). */
  className?: string;
  isSeparatorBefore?: boolean;
}

let openMenu: { close: (refocus: boolean) => void } | undefined;

document.addEventListener('pointerdown', (event) => {
  if (openMenu && !(event.target as Element).closest('.menu, [aria-haspopup="menu"]')) openMenu.close(false);
});

export function closeMenus(): void {
  openMenu?.close(false);
}

export function menuButton(options: { label: string; content: Node | string; className?: string; items: () => MenuItem[] }): HTMLButtonElement {
  const id = uid('menu');
  const button = h('button', { type: 'button', class: options.className ?? 'more', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': id, 'aria-label': options.label, title: options.label }, options.content);
  let popup: HTMLElement | undefined;

  const close = (refocus: boolean) => {
    popup?.remove();
    popup = undefined;
    button.setAttribute('aria-expanded', 'false');
    if (openMenu?.close === close) openMenu = undefined;
    if (refocus) button.focus();
  };

  const open = (focusLast = false) => {
    openMenu?.close(false);
    const items = options.items();
    if (items.length === 0) return;
    popup = h('div', { class: 'menu', role: 'menu', id, 'aria-label': options.label });
    for (const item of items) {
      if (item.isSeparatorBefore) popup.append(h('div', { role: 'separator', class: 'separator' }));
      popup.append(
        h(
          'button',
          {
            type: 'button',
            role: 'menuitem',
            tabindex: '-1',
            class: item.className,
            onclick: () => {
              close(true);
              item.action();
            },
          },
          item.label,
        ),
      );
    }
    popup.addEventListener('keydown', (event) => {
      const entries = Array.from(popup!.querySelectorAll<HTMLElement>('[role=menuitem]'));
      if (moveFocus(entries, event.key)) event.preventDefault();
      else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        close(true);
      } else if (event.key === 'Tab') close(false);
    });
    // Positioned against the viewport so that a scrolling list never clips it.
    document.body.append(popup);
    placePopup(button, popup);
    button.setAttribute('aria-expanded', 'true');
    openMenu = { close };
    const entries = popup.querySelectorAll<HTMLElement>('[role=menuitem]');
    entries[focusLast ? entries.length - 1 : 0]?.focus();
  };

  button.addEventListener('click', (event) => {
    event.stopPropagation();
    if (popup) close(false);
    else open();
  });
  button.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      event.stopPropagation();
      open(event.key === 'ArrowUp');
    }
  });
  return button;
}

function placePopup(anchor: HTMLElement, popup: HTMLElement): void {
  const rect = anchor.getBoundingClientRect();
  const width = popup.offsetWidth;
  const height = popup.offsetHeight;
  const left = Math.max(4, Math.min(rect.right - width, window.innerWidth - width - 4));
  const below = rect.bottom + 2;
  const top = below + height > window.innerHeight && rect.top - height - 2 > 0 ? rect.top - height - 2 : below;
  popup.style.left = `${left}px`;
  popup.style.top = `${top}px`;
}
