// The gadget's XMPP conversation over one Link: the roster (RFC 6121 §2) with its pushes,
// presence (§4) of contacts and of the user, subscriptions (§3), chat messages (§5) with XEP-0085
// chat states, XEP-0055 search and XEP-0054 vCards. Carbons (XEP-0280) are deliberately never
// enabled: messages the user sends or answers from another client must not show here (the IM&P
// forking rule, issue #12). Messages go to the contact's bare JID, so the server's forking and
// conversation locks decide which of the contact's clients gets them.
import { $iq, $msg, $pres, type Builder } from 'strophe.js';
import type { RosterChange, RosterItem } from '../model/roster.js';
import type { ResourcePresence } from '../model/presence.js';
import type { Link } from '../connection/link.js';
import { readDecline, readFileOffer, type FileOffer } from './files.js';
import { bareOf, chatStateOf, child, childText, children, errorText, NS, readPresence, readRosterItem, readSearchResults, resourceOf, sentAt, type ChatState, type SearchResult } from './stanzas.js';

export interface IncomingMessage {
  from: string;
  id: string;
  body: string;
  at: number;
  /** A file offer (docs/files.md): who offered it (full JID) and the offer's own id, if any. */
  file?: FileOffer & { sender: string; offerId?: string };
}

export interface ClientEvents {
  roster: (items: RosterItem[]) => void;
  rosterPush: (item: RosterItem | { jid: string; isRemoved: true }) => void;
  /** A contact's resource: available (a presence) or gone (undefined). */
  presence: (bare: string, resource: string | undefined, presence: ResourcePresence | undefined) => void;
  /** The user's own resources and the composed presence the server publishes for them. */
  ownPresence: (resource: string | undefined, presence: ResourcePresence | undefined) => void;
  message: (message: IncomingMessage) => void;
  chatState: (from: string, state: ChatState) => void;
  /** The contact declined a file the user offered (docs/files.md "Decline"); `body` is its fallback text. */
  fileDeclined: (from: string, decline: { url: string; id?: string }, body: string | undefined, at: number) => void;
  /** A message the user sent could not be delivered (e.g. the contact signed out meanwhile). */
  messageError: (to: string, id: string, text: string | undefined) => void;
  lost: (condition: string | undefined) => void;
}

export class XmppError extends Error {
  constructor(
    readonly condition: string | undefined,
    readonly text: string | undefined,
  ) {
    super(text ?? condition ?? 'request failed');
  }
}

type Listeners = { [K in keyof ClientEvents]: Set<ClientEvents[K]> };

/** Random ids from getRandomValues (crypto.randomUUID needs a secure context; the gadget may not have one). */
export function newId(prefix = 'dc'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ChatClient {
  readonly jid: string;
  readonly bare: string;
  private readonly listeners: Listeners = { roster: new Set(), rosterPush: new Set(), presence: new Set(), ownPresence: new Set(), message: new Set(), chatState: new Set(), fileDeclined: new Set(), messageError: new Set(), lost: new Set() };

  private readonly iqHandlers = new Map<string, (iq: Element) => boolean>();

  constructor(readonly link: Link) {
    this.jid = link.jid;
    this.bare = bareOf(link.jid);
    // XEP-0199: a ping is answered with an empty result.
    this.handleIq('urn:xmpp:ping', (iq) => {
      const from = iq.getAttribute('from');
      this.link.conn.send($iq({ type: 'result', id: iq.getAttribute('id') ?? '', ...(from ? { to: from } : {}) }));
      return true;
    });
    link.conn.addHandler((el) => this.dispatch(el), null, null, null, null, null);
    link.onLost((condition) => this.emit('lost', condition));
  }

  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): void {
    (this.listeners[event] as Set<ClientEvents[K]>).add(listener);
  }

  private emit<K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>): void {
    for (const listener of this.listeners[event]) (listener as (...a: Parameters<ClientEvents[K]>) => void)(...args);
  }

  /** Every stanza Strophe receives (those recovered after a reload too, see Link.deliver) comes through here. Returns true to stay installed. */
  dispatch(el: Element): boolean {
    try {
      if (el.localName === 'message') this.onMessage(el);
      else if (el.localName === 'presence') this.onPresence(el);
      else if (el.localName === 'iq') this.onIq(el);
    } catch (err) {
      console.error('deskchat: a stanza could not be handled', err);
    }
    return true;
  }

  // ---- requests -------------------------------------------------------------------------------

  request(iq: Builder, timeoutMs = 15_000): Promise<Element> {
    return new Promise((resolve, reject) => {
      this.link.conn.sendIQ(
        iq,
        (result) => resolve(result),
        (error) => {
          const { condition, text } = errorText(error);
          reject(new XmppError(condition ?? (error ? undefined : 'remote-server-timeout'), text));
        },
        timeoutMs,
      );
    });
  }

  /** RFC 6121 §2.2: the whole roster. */
  async fetchRoster(): Promise<RosterItem[]> {
    const result = await this.request($iq({ type: 'get' }).c('query', { xmlns: NS.ROSTER }));
    const query = child(result, 'query', NS.ROSTER);
    const items = (query ? children(query, 'item') : []).map(readRosterItem).filter((i): i is RosterItem => !!i && !('isRemoved' in i));
    this.emit('roster', items);
    return items;
  }

  /** RFC 6121 §2.4 / §2.5: one roster set per change, in order; stops at the first refusal. */
  async applyRoster(changes: RosterChange[]): Promise<void> {
    for (const change of changes) {
      const iq = $iq({ type: 'set' }).c('query', { xmlns: NS.ROSTER });
      if (change.kind === 'remove') iq.c('item', { jid: change.jid, subscription: 'remove' });
      else {
        iq.c('item', change.name ? { jid: change.jid, name: change.name } : { jid: change.jid });
        for (const group of change.groups) iq.c('group').t(group).up();
      }
      await this.request(iq);
    }
  }

  /** RFC 6121 §3.1.1: ask for the contact's presence. */
  subscribe(bare: string): void {
    this.link.conn.send($pres({ to: bare, type: 'subscribe' }));
  }

  /** RFC 6121 §4.2 / §4.4: the user's own presence (no show: available). */
  setPresence(show: 'available' | 'away' | 'dnd', status?: string): void {
    const pres = $pres();
    if (show !== 'available') pres.c('show').t(show).up();
    if (status) pres.c('status').t(status).up();
    pres.c('priority').t('0');
    this.link.conn.send(pres);
  }

  /** A chat message to the contact's bare JID (RFC 6121 §5.1), with the XEP-0085 'active' state. */
  sendMessage(to: string, body: string): string {
    const id = newId();
    this.link.conn.send($msg({ to, type: 'chat', id }).c('body').t(body).up().c('active', { xmlns: NS.CHATSTATES }));
    return id;
  }

  /** XEP-0085 §5: a standalone chat state (composing, paused). */
  sendChatState(to: string, state: ChatState): void {
    this.link.conn.send($msg({ to, type: 'chat' }).c(state, { xmlns: NS.CHATSTATES }));
  }

  /** XEP-0055 §3: the free-text field DeskChat offers (name, username or e-mail); the user is left out. */
  async search(text: string): Promise<SearchResult[]> {
    return (await this.searchAll(text)).filter((r) => r.jid !== this.bare);
  }

  private async searchAll(text: string): Promise<SearchResult[]> {
    const domain = this.bare.slice(this.bare.indexOf('@') + 1);
    const iq = $iq({ type: 'set', to: domain })
      .c('query', { xmlns: NS.SEARCH })
      .c('x', { xmlns: NS.DATA, type: 'submit' })
      .c('field', { var: 'FORM_TYPE', type: 'hidden' })
      .c('value')
      .t(NS.SEARCH)
      .up()
      .up()
      .c('field', { var: 'search' })
      .c('value')
      .t(text);
    const result = await this.request(iq);
    const query = child(result, 'query', NS.SEARCH);
    return query ? readSearchResults(query) : [];
  }

  /**
   * A person's name for display: the XEP-0054 vCard's FN (or NICKNAME), else the directory's name
   * for that exact address (XEP-0055; accounts often have a name and no vCard).
   */
  async fullName(bare: string): Promise<string | undefined> {
    try {
      const result = await this.request($iq({ type: 'get', to: bare }).c('vCard', { xmlns: NS.VCARD }), 5000);
      const vcard = child(result, 'vCard', NS.VCARD);
      const name = vcard && (childText(vcard, 'FN')?.trim() || childText(vcard, 'NICKNAME')?.trim());
      if (name) return name;
    } catch {
      // No vCard: ask the directory.
    }
    try {
      const at = bare.indexOf('@');
      const matches = await this.searchAll(at > 0 ? bare.slice(0, at) : bare);
      return matches.find((r) => r.jid === bare)?.name;
    } catch {
      return undefined;
    }
  }

  /** Signs out: unavailable (RFC 6121 §4.5), then the session ends. */
  close(): void {
    try {
      this.link.conn.send($pres({ type: 'unavailable' }));
      this.link.conn.flush();
    } finally {
      this.link.close();
    }
  }

  // ---- incoming -------------------------------------------------------------------------------

  private onIq(iq: Element): void {
    const type = iq.getAttribute('type');
    const query = child(iq, 'query', NS.ROSTER);
    const from = iq.getAttribute('from');
    // §2.1.6: a push comes from the user's bare JID (or no 'from'); anything else is refused.
    if (type === 'set' && query && (!from || bareOf(from) === this.bare)) {
      const item = child(query, 'item');
      const parsed = item ? readRosterItem(item) : undefined;
      if (parsed) this.emit('rosterPush', parsed);
      this.link.conn.send($iq({ type: 'result', id: iq.getAttribute('id') ?? '', ...(from ? { to: from } : {}) }));
      return;
    }
    if (type !== 'get' && type !== 'set') return;
    const payload = iq.firstElementChild;
    const handler = payload ? this.iqHandlers.get(payload.namespaceURI ?? '') : undefined;
    if (handler?.(iq)) return;
    // RFC 6120 §8.2.3: a get or set nobody handles is answered, never left hanging.
    this.link.conn.send(
      $iq({ type: 'error', id: iq.getAttribute('id') ?? '', ...(from ? { to: from } : {}) })
        .c('error', { type: 'cancel' })
        .c('service-unavailable', { xmlns: NS.STANZAS }),
    );
  }

  /**
   * Handles IQ gets and sets whose payload is in `ns` (returns true when it answered). The seam for
   * features that receive requests, such as file-transfer offers (the files issue).
   */
  handleIq(ns: string, handler: (iq: Element) => boolean): void {
    this.iqHandlers.set(ns, handler);
  }

  private onPresence(presence: Element): void {
    const from = presence.getAttribute('from');
    if (!from) return;
    const bare = bareOf(from);
    const resource = resourceOf(from);
    const type = presence.getAttribute('type');
    if (bare === this.bare) {
      if (type === undefined || type === null) this.emit('ownPresence', resource, readPresence(presence));
      else if (type === 'unavailable') this.emit('ownPresence', resource, undefined);
      return;
    }
    switch (type) {
      case null:
        this.emit('presence', bare, resource, readPresence(presence));
        break;
      case 'unavailable':
        this.emit('presence', bare, resource, undefined);
        break;
      case 'subscribe':
        // Within one enterprise the contact list is not a privacy boundary: like IM&P's default
        // ("view the availability of other users without being prompted"), requests are approved.
        this.link.conn.send($pres({ to: bare, type: 'subscribed' }));
        break;
      default:
        break;
    }
  }

  private onMessage(message: Element): void {
    const from = message.getAttribute('from');
    if (!from) return;
    const type = message.getAttribute('type');
    const bare = bareOf(from);
    if (type === 'error') {
      const { text, condition } = errorText(message);
      this.emit('messageError', bare, message.getAttribute('id') ?? '', text ?? condition);
      return;
    }
    // Carbons are never enabled; a forwarded copy (XEP-0280, XEP-0297) is ignored, whatever sent it.
    if (Array.from(message.children).some((c) => c.namespaceURI === 'urn:xmpp:carbons:2')) return;
    if (bare === this.bare || (type !== 'chat' && type !== 'normal' && type !== null)) return;
    const body = childText(message, 'body');
    const state = chatStateOf(message);
    const decline = readDecline(message);
    if (decline) return this.emit('fileDeclined', bare, decline, body, sentAt(message));
    const offer = readFileOffer(message);
    if (offer) {
      const offerId = message.getAttribute('id') ?? undefined;
      const file = { ...offer, sender: from, ...(offerId ? { offerId } : {}) };
      this.emit('message', { from: bare, id: offerId ?? newId('in'), body: body ?? offer.url, at: sentAt(message), file });
      return;
    }
    if (body !== undefined && body.trim() !== '') {
      this.emit('message', { from: bare, id: message.getAttribute('id') ?? newId('in'), body, at: sentAt(message) });
    } else if (state) this.emit('chatState', bare, state);
  }
}
