// Predicates for waiting on stanzas by shape (compare elements, never strings: conventions §12).
import type { Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';

/** Matches an element by name and a subset of its attributes. */
export function stanzaMatching(name: string, attrs: Record<string, string | undefined> = {}): (el: Element) => boolean {
  return (el) => el.name === name && Object.entries(attrs).every(([k, v]) => el.attrs[k] === v);
}

/** Whether `el` is an error stanza with the given RFC 6120 §8.3.3 condition. */
export function isStanzaError(el: Element, condition: string): boolean {
  return el.attrs.type === 'error' && StanzaError.fromStanza(el)?.condition === condition;
}

/**
 * Resolves once `condition` holds, checking after each turn of the event loop (and then every few
 * milliseconds): for effects that follow a reply asynchronously (a store emptied after a receipt).
 * Fails with `what` if it does not hold within `timeoutMs`. A wait for a positive fact, never a sleep.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  for (let turn = 0; !(await condition()); turn++) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not true within ${timeoutMs} ms`);
    await new Promise((resolve) => (turn < 20 ? setImmediate(resolve) : setTimeout(resolve, 5)));
  }
}
