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
