// Readers for the stanzas the gadget interprets, from Strophe's DOM elements to the DOM-free model
// values: roster items (RFC 6121 §2.1), presence (§4.7 plus DeskChat's <composed/>), chat messages
// (§5) with XEP-0085 chat states and XEP-0203 delays, and XEP-0055 search results (XEP-0004 forms).
import type { ResourcePresence, Show } from '../model/presence.js';
import type { RosterItem, Subscription } from '../model/roster.js';

export const NS = {
  ROSTER: 'jabber:iq:roster',
  CHATSTATES: 'http://jabber.org/protocol/chatstates',
  DELAY: 'urn:xmpp:delay',
  SEARCH: 'jabber:iq:search',
  DATA: 'jabber:x:data',
  VCARD: 'vcard-temp',
  COMPOSED: 'urn:deskchat:presence:0',
  STANZAS: 'urn:ietf:params:xml:ns:xmpp-stanzas',
} as const;

export const CHAT_STATES = ['active', 'composing', 'paused', 'inactive', 'gone'] as const;
export type ChatState = (typeof CHAT_STATES)[number];

/** Direct children with a local name (and namespace, when given). */
export function children(el: Element, name: string, ns?: string): Element[] {
  return Array.from(el.children).filter((c) => c.localName === name && (ns === undefined || c.namespaceURI === ns));
}

export function child(el: Element, name: string, ns?: string): Element | undefined {
  return children(el, name, ns)[0];
}

export function childText(el: Element, name: string, ns?: string): string | undefined {
  const c = child(el, name, ns);
  return c ? (c.textContent ?? '') : undefined;
}

export function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return (slash < 0 ? jid : jid.slice(0, slash)).toLowerCase();
}

export function resourceOf(jid: string): string | undefined {
  const slash = jid.indexOf('/');
  return slash < 0 ? undefined : jid.slice(slash + 1);
}

const SUBSCRIPTIONS = new Set(['none', 'to', 'from', 'both']);

/** An <item/> of a roster result or push; `isRemoved` for subscription='remove' (§2.5). */
export function readRosterItem(item: Element): RosterItem | { jid: string; isRemoved: true } | undefined {
  const jid = item.getAttribute('jid');
  if (!jid) return undefined;
  const bare = bareOf(jid);
  const subscription = item.getAttribute('subscription') ?? 'none';
  if (subscription === 'remove') return { jid: bare, isRemoved: true };
  const name = item.getAttribute('name') || undefined;
  const groups = [...new Set(children(item, 'group').map((g) => g.textContent ?? '').filter((g) => g !== ''))];
  return {
    jid: bare,
    ...(name ? { name } : {}),
    groups,
    subscription: (SUBSCRIPTIONS.has(subscription) ? subscription : 'none') as Subscription,
    ...(item.getAttribute('ask') === 'subscribe' ? { isPending: true } : {}),
  };
}

const SHOWS = new Set(['chat', 'away', 'xa', 'dnd']);

/** An available presence as the model keeps it (RFC 6121 §4.7.2). */
export function readPresence(presence: Element): ResourcePresence {
  const show = childText(presence, 'show')?.trim() ?? '';
  const priority = Number.parseInt(childText(presence, 'priority') ?? '0', 10);
  const status = childText(presence, 'status')?.trim();
  const composed = child(presence, 'composed', NS.COMPOSED);
  return {
    resource: resourceOf(presence.getAttribute('from') ?? '') ?? '',
    show: (SHOWS.has(show) ? show : 'available') as Show,
    ...(status ? { status } : {}),
    priority: Number.isFinite(priority) ? priority : 0,
    ...(composed ? { composedReason: composed.getAttribute('reason') ?? 'resources' } : {}),
  };
}

/** The XEP-0085 state a message carries, if any. */
export function chatStateOf(message: Element): ChatState | undefined {
  for (const c of Array.from(message.children)) {
    if (c.namespaceURI === NS.CHATSTATES && (CHAT_STATES as readonly string[]).includes(c.localName)) return c.localName as ChatState;
  }
  return undefined;
}

/** XEP-0203: when a stored (offline) message was first sent; now otherwise. */
export function sentAt(message: Element): number {
  const stamp = child(message, 'delay', NS.DELAY)?.getAttribute('stamp');
  const at = stamp ? Date.parse(stamp) : NaN;
  return Number.isFinite(at) ? at : Date.now();
}

export interface SearchResult {
  jid: string;
  name?: string;
  email?: string;
}

/** XEP-0055 §3 results as a XEP-0004 form (<reported/> then <item/>s), or legacy <item/>s (§2.1). */
export function readSearchResults(query: Element): SearchResult[] {
  const form = child(query, 'x', NS.DATA);
  const rows: SearchResult[] = [];
  if (form) {
    for (const item of children(form, 'item')) {
      const values = new Map(children(item, 'field').map((f) => [f.getAttribute('var') ?? '', childText(f, 'value') ?? '']));
      const jid = values.get('jid');
      if (!jid) continue;
      const name = values.get('name') || [values.get('first'), values.get('last')].filter(Boolean).join(' ') || values.get('nick') || undefined;
      rows.push({ jid: bareOf(jid), ...(name ? { name } : {}), ...(values.get('email') ? { email: values.get('email') } : {}) });
    }
    return rows;
  }
  for (const item of children(query, 'item')) {
    const jid = item.getAttribute('jid');
    if (!jid) continue;
    const name = [childText(item, 'first'), childText(item, 'last')].filter(Boolean).join(' ') || childText(item, 'nick') || undefined;
    const email = childText(item, 'email') || undefined;
    rows.push({ jid: bareOf(jid), ...(name ? { name } : {}), ...(email ? { email } : {}) });
  }
  return rows;
}

/** The text (or condition) of a stanza error, for messages shown to the user. */
export function errorText(stanza: Element | null | undefined): { condition?: string; text?: string } {
  const error = stanza ? child(stanza, 'error') : undefined;
  if (!error) return {};
  const condition = Array.from(error.children).find((c) => c.namespaceURI === NS.STANZAS && c.localName !== 'text')?.localName;
  const text = childText(error, 'text', NS.STANZAS);
  return { ...(condition ? { condition } : {}), ...(text ? { text } : {}) };
}
