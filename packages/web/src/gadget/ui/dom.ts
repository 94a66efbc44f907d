// A few lines instead of a UI framework (the bundle budget is 200 KB gzipped and the gadget lives
// inside agent desktops): element creation with attributes, properties and listeners.

type Child = Node | string | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;

/**
 * `h('button', { class: 'x', 'aria-label': 'Close', onclick: fn }, 'text')`. Attributes named
 * `on…` with a function become listeners; `true` sets an empty attribute, false/undefined none.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else if (value !== false && value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) if (c !== false && c !== null && c !== undefined) el.append(c);
}

/** Sets an attribute, or removes it for false/undefined. */
export function attr(el: Element, name: string, value: string | boolean | undefined): void {
  if (value === false || value === undefined) el.removeAttribute(name);
  else el.setAttribute(name, value === true ? '' : value);
}

/** Text content only when it changed (keeps screen readers and layout quiet). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

let counter = 0;
export function uid(prefix: string): string {
  return `${prefix}-${++counter}`;
}

/** Focusable descendants, for arrow-key navigation in lists and menus. */
export function focusables(root: Element, selector: string): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(selector)).filter((el) => !el.hasAttribute('disabled') && el.offsetParent !== null);
}

/** Moves focus up or down among `items` from the focused one (wrapping); true when it moved. */
export function moveFocus(items: HTMLElement[], key: string): boolean {
  if (items.length === 0) return false;
  const index = items.indexOf(document.activeElement as HTMLElement);
  let next: number;
  if (key === 'ArrowDown') next = index < 0 ? 0 : (index + 1) % items.length;
  else if (key === 'ArrowUp') next = index < 0 ? items.length - 1 : (index - 1 + items.length) % items.length;
  else if (key === 'Home') next = 0;
  else if (key === 'End') next = items.length - 1;
  else return false;
  items[next].focus();
  return true;
}

/**
 * Icons as inline SVG paths (20×20): symbols and emoji make the browser look for a font that has
 * them, which is slow on first use and missing on some desktops.
 */
export const ICONS = {
  chat: 'M3 3h14a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H8l-4 3v-3H3a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z',
  enlarge: 'M3 3h6v2H5v4H3zM17 17h-6v-2h4v-4h2z',
  shrink: 'M9 9H3V7h4V3h2zM11 11h6v2h-4v4h-2z',
} as const;

export function icon(d: string, size = 16): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 20 20');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}
