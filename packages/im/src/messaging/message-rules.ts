// Pure readers deciding how a message is treated: XEP-0085 §5.6 standalone chat states, XEP-0280 §6
// eligibility and §9 <private/>, XEP-0334 hints, XEP-0160 §3 types that are stored, XEP-0203 delay.
import xml, { Element } from '@xmpp/xml';
import { NS, childElements } from '@deskchat/protocol';
import { MESSAGING_NS as M } from './namespaces.js';


/** The message type, `normal` when absent (RFC 6121 §5.2.2). */
export function messageType(stanza: Element): string {
  return stanza.attrs.type ?? 'normal';
}

export function hasBody(stanza: Element): boolean {
  return stanza.getChild('body') !== undefined;
}

/** Children that carry no content of their own: chat states, <thread/>, hints and stanza ids. */
function isContentless(child: Element): boolean {
  const ns = child.attrs.xmlns;
  if (ns === M.CHATSTATES || ns === M.HINTS || ns === M.STANZA_ID) return true;
  return child.name === 'thread' && (ns === undefined || ns === NS.CLIENT);
}

/**
 * Whether the message carries anything beyond chat states, threads and hints. A standalone chat
 * state (XEP-0085 §5.6 rule 3: only the state, and <thread/> when threads are used) carries none.
 */
export function hasContent(stanza: Element): boolean {
  return childElements(stanza).some((child) => !isContentless(child));
}

export function hasHint(stanza: Element, hint: 'no-copy' | 'no-store' | 'no-permanent-store' | 'store'): boolean {
  return stanza.getChild(hint, M.HINTS) !== undefined;
}

/** XEP-0280 §9: the sender asked for no carbons of this message. */
export function isPrivate(stanza: Element): boolean {
  return stanza.getChild('private', M.CARBONS) !== undefined;
}

/** A message wrapping a carbon (<received/> or <sent/>), which must never be copied again. */
export function isCarbon(stanza: Element): boolean {
  return stanza.getChild('received', M.CARBONS) !== undefined || stanza.getChild('sent', M.CARBONS) !== undefined;
}

/**
 * XEP-0280 §6 suggested rules: chat messages, and normal messages with a body; never errors,
 * groupchat or headlines; never a carbon of a carbon; not when the sender opted out with
 * <private/> (§9) or the XEP-0334 <no-copy/> hint.
 */
export function isCarbonEligible(stanza: Element): boolean {
  const type = messageType(stanza);
  if (!(type === 'chat' || (type === 'normal' && hasBody(stanza)))) return false;
  return !isCarbon(stanza) && !isPrivate(stanza) && !hasHint(stanza, 'no-copy');
}

/** XEP-0280 §9: the receiving server SHOULD remove <private/> before delivering. */
export function withoutPrivate(stanza: Element): Element {
  if (!isPrivate(stanza)) return stanza;
  const copy = new Element(stanza.name, { ...stanza.attrs });
  copy.children = stanza.children.filter((c) => typeof c === 'string' || !(c.name === 'private' && c.attrs.xmlns === M.CARBONS));
  return copy;
}

/** What XEP-0160 §3 (with XEP-0085 §5.8 and XEP-0334 §4) says to do with a message for an offline user. */
export type OfflineDecision = 'store' | 'discard' | 'refuse';

export function offlineDecision(stanza: Element): OfflineDecision {
  const type = messageType(stanza);
  // §3: groupchat, headline and error are not stored (core's fallback already keeps them away).
  if (type !== 'chat' && type !== 'normal') return 'refuse';
  // XEP-0334 §4.3: <no-store/> asks for no storage, even temporary; the sender learns it was not delivered.
  if (hasHint(stanza, 'no-store')) return 'refuse';
  if (hasHint(stanza, 'store')) return 'store';
  // §3 / XEP-0085 §5.8: a standalone chat state (or an empty message) is not stored; it is dropped
  // silently, since an error for every typing notification would alarm the sender for nothing.
  return hasContent(stanza) ? 'store' : 'discard';
}

/** A copy of the message with a XEP-0203 delay naming this server and the time it was stored. */
export function withDelay(stanza: Element, domain: string, at: number): Element {
  const copy = new Element(stanza.name, { ...stanza.attrs });
  // XEP-0082 DateTime in UTC; fractional seconds are allowed and keep messages of one second in order.
  const delay = xml('delay', { xmlns: M.DELAY, from: domain, stamp: new Date(at).toISOString() }, 'Offline Storage');
  copy.children = [...stanza.children, delay];
  return copy;
}
