// The chat window's state: conversations with their history, the open tabs, the active tab, the
// window (closed, minimized, open, enlarged) and unread counts, following "Use Desktop Chat":
// an incoming chat opens the window; under Do Not Disturb it only shows when the window is already
// open, otherwise the minimized header counts the chats with unread messages and the chat icon
// asks for attention. History lasts for the page session; `snapshot()` lets the page keep it in
// sessionStorage across a reload of the same tab. Files sent and offered (docs/files.md) are
// messages too, with their transfer's state. DOM-free.

export type Direction = 'in' | 'out';

/**
 * Where a file stands. Sent: uploading → offered → declined (by the contact), or not-sent (refused
 * before or by the server), or interrupted (the page reloaded during the upload). Received:
 * incoming → accepted (downloaded) or declined (by the user).
 */
export type FileState = 'uploading' | 'offered' | 'not-sent' | 'interrupted' | 'incoming' | 'accepted' | 'declined';

export interface FileTransfer {
  name: string;
  size?: number;
  /** The media type, as sent in the slot request and the offer. */
  type?: string;
  /** The download URL (once uploaded, or as offered). */
  url?: string;
  state: FileState;
  /** Why it was not sent (the gadget's explanation or the server's text). */
  reason?: string;
  /** The full JID that offered it (the decline goes there). */
  from?: string;
  /** The offer message's id, when it had one (the decline names it). */
  offerId?: string;
}

export interface ChatMessage {
  /** The stanza id (used to drop a message received twice, e.g. after resuming a session). */
  id: string;
  dir: Direction;
  body: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** Why an outgoing message was not delivered (the server bounced it). */
  error?: string;
  /** A file sent or offered; `body` is then its URL (or its name before the upload). */
  file?: FileTransfer;
}

export interface Conversation {
  /** The contact's bare JID. */
  jid: string;
  messages: ChatMessage[];
  unread: number;
  /** Last activity, for the Recent Chats group. */
  lastAt: number;
}

export type WindowState = 'closed' | 'minimized' | 'open';

export interface ChatSnapshot {
  v: 1;
  conversations: Conversation[];
  tabs: string[];
  active?: string;
  window: WindowState;
  isEnlarged: boolean;
}

/** How many tabs the tab area shows; the rest go behind the overflow button. */
export const VISIBLE_TABS = 3;
/** History kept per conversation (sessionStorage holds a few MB per origin). */
export const MAX_MESSAGES = 500;

export interface ReceiveOptions {
  /** The user's own state is Do Not Disturb. */
  isDnd: boolean;
}

export class ChatStore {
  private readonly conversations = new Map<string, Conversation>();
  private readonly typing = new Set<string>();
  tabs: string[] = [];
  active: string | undefined;
  window: WindowState = 'closed';
  isEnlarged = false;
  /** The chat icon should blink: something arrived that the user has not seen (DND). */
  needsAttention = false;
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  conversation(jid: string): Conversation | undefined {
    return this.conversations.get(jid);
  }

  /** Conversations of this session, most recent first (the Recent Chats group). */
  recent(): Conversation[] {
    return [...this.conversations.values()].filter((c) => c.messages.length > 0).sort((a, b) => b.lastAt - a.lastAt);
  }

  /** Opens (or focuses) a chat on the user's request: the window opens on it. */
  open(jid: string): void {
    this.ensure(jid);
    if (!this.tabs.includes(jid)) this.tabs.push(jid);
    this.active = jid;
    this.window = 'open';
    this.markSeen();
    this.changed();
  }

  /** Makes a tab the active one (clears its badge). */
  activate(jid: string): void {
    if (!this.tabs.includes(jid)) return;
    this.active = jid;
    this.markSeen();
    this.changed();
  }

  /** Closes one tab; the next one becomes active, and the window closes with the last. */
  close(jid: string): void {
    const index = this.tabs.indexOf(jid);
    if (index < 0) return;
    this.tabs.splice(index, 1);
    const conversation = this.conversations.get(jid);
    if (conversation) conversation.unread = 0;
    this.typing.delete(jid);
    if (this.active === jid) this.active = this.tabs[Math.min(index, this.tabs.length - 1)];
    if (this.tabs.length === 0) this.window = 'closed';
    this.markSeen();
    this.changed();
  }

  /** The X of the header, after confirmation: every chat closes (the history stays for the session). */
  closeAll(): void {
    for (const jid of this.tabs) {
      const conversation = this.conversations.get(jid);
      if (conversation) conversation.unread = 0;
    }
    this.tabs = [];
    this.active = undefined;
    this.window = 'closed';
    this.typing.clear();
    this.needsAttention = false;
    this.changed();
  }

  /** A click on the header: minimized ↔ open. */
  toggleMinimized(): void {
    if (this.window === 'closed') return;
    this.window = this.window === 'open' ? 'minimized' : 'open';
    this.markSeen();
    this.changed();
  }

  /** The chat icon: shows the window (restores it when minimized). */
  show(): void {
    if (this.tabs.length === 0) return;
    this.window = 'open';
    this.active ??= this.tabs[0];
    this.markSeen();
    this.changed();
  }

  setEnlarged(isEnlarged: boolean): void {
    this.isEnlarged = isEnlarged;
    this.changed();
  }

  /** A message the user sent from this page. */
  sent(jid: string, message: Omit<ChatMessage, 'dir'>): void {
    const conversation = this.ensure(jid);
    this.push(conversation, { ...message, dir: 'out' });
    this.changed();
  }

  /**
   * An incoming message. Returns false when it was already in the history (same id). Without DND
   * the window pops up on it (staying on the active chat if there is one); with DND a closed window
   * only comes back minimized and the icon asks for attention.
   */
  received(jid: string, message: Omit<ChatMessage, 'dir'>, options: ReceiveOptions): boolean {
    const conversation = this.ensure(jid);
    if (message.id && conversation.messages.some((m) => m.id === message.id && m.dir === 'in')) return false;
    this.push(conversation, { ...message, dir: 'in' });
    this.typing.delete(jid);
    if (!this.tabs.includes(jid)) this.tabs.push(jid);
    if (options.isDnd) {
      if (this.window === 'closed') this.window = 'minimized';
    } else {
      this.window = 'open';
    }
    this.active ??= jid;
    const isSeen = this.window === 'open' && this.active === jid;
    if (!isSeen) conversation.unread++;
    if (this.window !== 'open') this.needsAttention = true;
    this.changed();
    return true;
  }

  /** The server bounced a message the user sent (RFC 6120 §8.3): it is marked in the history. */
  failed(jid: string, id: string, reason: string): void {
    const message = this.conversations.get(jid)?.messages.find((m) => m.id === id && m.dir === 'out');
    if (!message) return;
    message.error = reason;
    this.changed();
  }

  /** A file message's transfer changed (uploaded, refused, accepted, declined by the user). */
  updateFile(jid: string, id: string, change: Partial<FileTransfer>): void {
    const message = this.conversations.get(jid)?.messages.find((m) => m.id === id && m.file);
    if (!message?.file) return;
    message.file = { ...message.file, ...change };
    this.changed();
  }

  /**
   * The contact declined a file the user offered: found by its URL (the decline's id, when given,
   * must be the offer's). Returns false when no offered file matches.
   */
  declinedByContact(jid: string, url: string, id?: string): boolean {
    const message = this.conversations.get(jid)?.messages.find((m) => m.dir === 'out' && m.file?.url === url && (id === undefined || m.id === id));
    if (!message?.file) return false;
    message.file = { ...message.file, state: 'declined' };
    this.changed();
    return true;
  }

  /** XEP-0085: the contact is (or is no longer) typing. */
  setTyping(jid: string, isTyping: boolean): void {
    if (isTyping === this.typing.has(jid)) return;
    if (isTyping) this.typing.add(jid);
    else this.typing.delete(jid);
    this.changed();
  }

  isTyping(jid: string): boolean {
    return this.typing.has(jid);
  }

  /** The number of chats with unread messages (shown in the minimized header). */
  unreadChats(): number {
    let count = 0;
    for (const jid of this.tabs) if ((this.conversations.get(jid)?.unread ?? 0) > 0) count++;
    return count;
  }

  /**
   * The tabs shown in the tab area and those behind the overflow button. The active tab is always
   * shown: when it would overflow it takes the last visible place.
   */
  visibleTabs(limit = VISIBLE_TABS): { visible: string[]; overflow: string[] } {
    if (this.tabs.length <= limit) return { visible: [...this.tabs], overflow: [] };
    let visible = this.tabs.slice(0, limit);
    if (this.active && !visible.includes(this.active)) visible = [...visible.slice(0, limit - 1), this.active];
    return { visible, overflow: this.tabs.filter((t) => !visible.includes(t)) };
  }

  snapshot(): ChatSnapshot {
    return {
      v: 1,
      conversations: [...this.conversations.values()],
      tabs: [...this.tabs],
      ...(this.active ? { active: this.active } : {}),
      window: this.window,
      isEnlarged: this.isEnlarged,
    };
  }

  restore(snapshot: ChatSnapshot): void {
    if (snapshot?.v !== 1) return;
    this.conversations.clear();
    for (const c of snapshot.conversations) {
      // An upload does not outlive the page that ran it.
      for (const m of c.messages) if (m.file?.state === 'uploading') m.file = { ...m.file, state: 'interrupted' };
      this.conversations.set(c.jid, c);
    }
    this.tabs = snapshot.tabs.filter((t) => this.conversations.has(t));
    this.active = snapshot.active && this.tabs.includes(snapshot.active) ? snapshot.active : this.tabs[0];
    this.window = this.tabs.length === 0 ? 'closed' : snapshot.window;
    this.isEnlarged = snapshot.isEnlarged;
    this.changed();
  }

  private ensure(jid: string): Conversation {
    let conversation = this.conversations.get(jid);
    if (!conversation) {
      conversation = { jid, messages: [], unread: 0, lastAt: 0 };
      this.conversations.set(jid, conversation);
    }
    return conversation;
  }

  private push(conversation: Conversation, message: ChatMessage): void {
    conversation.messages.push(message);
    if (conversation.messages.length > MAX_MESSAGES) conversation.messages.splice(0, conversation.messages.length - MAX_MESSAGES);
    conversation.lastAt = Math.max(conversation.lastAt, message.at);
  }

  /** What the user now sees is read: the active tab of an open window. */
  private markSeen(): void {
    if (this.window !== 'open') return;
    this.needsAttention = false;
    const conversation = this.active ? this.conversations.get(this.active) : undefined;
    if (conversation) conversation.unread = 0;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
