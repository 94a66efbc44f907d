// Small readers and builders for the stanzas the server itself interprets (RFC 6120 §8).
import xml, { Element } from '@xmpp/xml';
import { NS } from './ns.js';

export type StanzaKind = 'message' | 'presence' | 'iq';

export function isStanza(el: Element): boolean {
  return el.name === 'message' || el.name === 'presence' || el.name === 'iq';
}

/** RFC 6120 §8.2.3: the `type='result'` answer to an IQ get/set, with an optional payload. */
export function iqResult(iq: Element, payload?: Element): Element {
  const attrs: Record<string, string> = { type: 'result', id: iq.attrs.id };
  if (iq.attrs.to) attrs.from = iq.attrs.to;
  if (iq.attrs.from) attrs.to = iq.attrs.from;
  return payload ? xml('iq', attrs, payload) : xml('iq', attrs);
}

/** The single payload child of an IQ get/set (RFC 6120 §8.2.3 says exactly one). */
export function iqPayload(iq: Element): Element | undefined {
  const children = childElements(iq);
  return children.length === 1 ? children[0] : undefined;
}

/** Whether `stanza` carries a XEP-0203 delay stamped by `from` (the server's own: a message from offline storage). */
export function isDelayedBy(stanza: Element, from: string): boolean {
  return stanza.getChildren('delay', NS.DELAY).some((d) => d.attrs.from === from);
}

/** The element children of `el` (its text left out). */
export function childElements(el: Element): Element[] {
  return el.children.filter((c): c is Element => typeof c !== 'string');
}

/** Shallow copy with new attributes; children are shared, which is safe because stanzas are not mutated after routing. */
export function withAttrs(stanza: Element, attrs: Record<string, string | undefined>): Element {
  const copy = new Element(stanza.name, { ...stanza.attrs });
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) delete copy.attrs[k];
    else copy.attrs[k] = v;
  }
  copy.children = stanza.children;
  return copy;
}
