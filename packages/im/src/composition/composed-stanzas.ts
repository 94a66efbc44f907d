// The wire model of composed presence (design.md §3): outside sources appear as server-owned
// resources with negative priority; the composed presence comes from a server-owned resource
// with the top priority, so that a priority-following RFC 6121 client displays it.
import xml, { type Element } from '@xmpp/xml';
import type { JID } from '@deskchat/protocol';
import type { ComposedPresence, Show } from './compose.js';

export const COMPOSITION_NS = 'urn:deskchat:presence:0';
/** RFC 6121 §4.7.2.3: the highest priority a resource can have. */
const TOP_PRIORITY = '127';
const SOURCE_PRIORITY = '-1';

function available(from: JID, show: Show, status: string | undefined, priority: string, extra?: Element): Element {
  const el = xml('presence', { from: from.toString() });
  if (show !== 'available') el.cnode(xml('show', {}, show));
  if (status) el.cnode(xml('status', {}, status));
  el.cnode(xml('priority', {}, priority));
  if (extra) el.cnode(extra);
  return el;
}

export function unavailableFrom(from: JID): Element {
  return xml('presence', { from: from.toString(), type: 'unavailable' });
}

/** The composed presence, with a `<composed/>` extension saying which rule produced it (for the gadget). */
export function composedStanza(from: JID, composed: ComposedPresence): Element {
  if (!composed.isAvailable) return unavailableFrom(from);
  const reason = xml('composed', { xmlns: COMPOSITION_NS, reason: composed.reason });
  return available(from, composed.show, composed.status, TOP_PRIORITY, reason);
}

/** An outside source (phone, calendar) as a resource of its own: away, with its text, priority −1. */
export function sourceStanza(from: JID, status: string): Element {
  return available(from, 'away', status, SOURCE_PRIORITY);
}

/** RFC 6121 §4.7.2.1: the show of an available presence ('available' when it has none). */
export function showOf(presence: Element): Show {
  const show = presence.getChildText('show');
  return show === 'chat' || show === 'away' || show === 'xa' || show === 'dnd' ? show : 'available';
}

/** The user's manual state as kept for any client to read back (XEP-0049, design.md §3). */
export function manualStateElement(show: Show, status: string | undefined): Element {
  return xml('manual-presence', { xmlns: COMPOSITION_NS, show }, ...(status ? [xml('status', {}, status)] : []));
}
