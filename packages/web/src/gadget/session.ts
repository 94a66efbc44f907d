// One signed-in session: the XMPP client and the models it feeds (roster, presence, chats), the
// user's chosen state, and the tab's saved copy. Views read from here and subscribe to `onChange`;
// nothing here touches the DOM except through the views' callbacks.
import { FileTransfers, offeredFile } from './file-transfers.js';
import { ChatStore } from './model/chats.js';
import { OFFLINE, PresenceBook, summarize, type ContactPresence, type ResourcePresence } from './model/presence.js';
import { localpart, Roster, type RosterChange } from './model/roster.js';
import { TabSession, type ChosenState } from './model/tab-session.js';
import { TEXT } from './text.js';
import type { ChatClient } from './xmpp/client.js';

export type ChangeKind = 'roster' | 'presence' | 'own' | 'chats' | 'names' | 'files';

export class Session {
  readonly roster = new Roster();
  readonly presence = new PresenceBook();
  readonly chats = new ChatStore();
  readonly tab: TabSession;
  readonly files: FileTransfers;
  /** Names learnt from search results and vCards, for people who are not in the list. */
  private readonly names = new Map<string, string>();
  private readonly own = new Map<string, ResourcePresence>();
  chosen: ChosenState = { show: 'available' };
  ownName: string;
  private readonly listeners = new Set<(kind: ChangeKind) => void>();
  /** Told about incoming messages after the chat store took them (notifications). */
  onIncoming: ((from: string, body: string) => void) | undefined;

  constructor(readonly client: ChatClient) {
    this.tab = new TabSession(sessionStorage, client.bare);
    this.ownName = localpart(client.bare);
    this.files = new FileTransfers(client, this.chats, () => this.changed('files'), () => this.isDnd());
    this.wire();
  }

  onChange(listener: (kind: ChangeKind) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(kind: ChangeKind): void {
    for (const listener of this.listeners) listener(kind);
    if (kind !== 'names' && kind !== 'roster' && kind !== 'files') this.save();
  }

  private wire(): void {
    const { client } = this;
    client.on('roster', (items) => {
      this.roster.replaceAll(items);
      this.changed('roster');
    });
    client.on('rosterPush', (item) => {
      this.roster.apply(item);
      if ('isRemoved' in item) this.presence.forget(item.jid);
      this.changed('roster');
    });
    client.on('presence', (bare, resource, presence) => {
      const isChanged = presence ? this.presence.available(bare, { ...presence, resource: resource ?? '' }) : this.presence.unavailable(bare, resource);
      if (!presence) this.chats.setTyping(bare, false);
      if (isChanged) this.changed('presence');
    });
    client.on('ownPresence', (resource, presence) => {
      if (presence) this.own.set(resource ?? '', presence);
      else this.own.delete(resource ?? '');
      this.changed('own');
    });
    client.on('message', (message) => {
      const { file } = message;
      const isNew = this.chats.received(message.from, { id: message.id, body: message.body, at: message.at, ...(file ? { file: offeredFile(file) } : {}) }, { isDnd: this.isDnd() });
      if (isNew) {
        this.learnName(message.from);
        this.onIncoming?.(message.from, file ? TEXT.fileOffered(file.name) : message.body);
      }
    });
    client.on('chatState', (from, state) => this.chats.setTyping(from, state === 'composing'));
    client.on('messageError', (to, id, text) => this.chats.failed(to, id, text ?? ''));
    this.chats.onChange(() => this.changed('chats'));
  }

  /**
   * After sign-in or resume: the roster, then (fresh sign-in only) the initial presence: Available,
   * or `restore` when signing in again after a lost session (the state the user had chosen).
   */
  async start(isResumed: boolean, restore?: ChosenState): Promise<void> {
    const saved = this.tab.read();
    if (saved.chats) this.chats.restore(saved.chats);
    if (isResumed && saved.presence) this.presence.restore(saved.presence);
    // A fresh sign-in starts Available (design.md §3); a resumed one keeps the state chosen before.
    if (isResumed && saved.chosen) this.chosen = saved.chosen;
    if (restore) this.chosen = restore;
    await this.client.fetchRoster();
    if (!isResumed) this.client.setPresence(this.chosen.show, this.chosen.status);
    void this.files.discover();
    for (const c of this.chats.recent()) this.learnName(c.jid);
    void this.client.fullName(this.client.bare).then((name) => {
      if (name) {
        this.ownName = name;
        this.changed('names');
      }
    });
  }

  save(): void {
    this.tab.schedule(() => ({ chats: this.chats.snapshot(), presence: this.presence.snapshot(), chosen: this.chosen }));
  }

  // ---- reading --------------------------------------------------------------------------------

  displayName(jid: string): string {
    const item = this.roster.get(jid);
    return item?.name || this.names.get(jid) || localpart(jid);
  }

  presenceOf(jid: string): ContactPresence {
    return this.presence.get(jid);
  }

  /** The composed state the server publishes for the user (the chosen one until it arrives). */
  ownPresence(): ContactPresence {
    const composed = summarize(this.own.values());
    if (composed !== OFFLINE) return composed;
    return { state: this.chosen.show, ...(this.chosen.status ? { status: this.chosen.status } : {}) };
  }

  isDnd(): boolean {
    return this.chosen.show === 'dnd';
  }

  /**
   * "You cannot send messages to signed-out agents": a contact whose presence the user receives
   * (or received) and who has no available resource. Without a subscription nothing is known, and
   * the message may go (the server stores it offline or bounces it).
   */
  isSignedOut(jid: string): boolean {
    const item = this.roster.get(jid);
    const isSubscribed = item?.subscription === 'to' || item?.subscription === 'both';
    return (isSubscribed || this.presence.isKnown(jid)) && this.presence.get(jid).state === 'offline';
  }

  // ---- acting ---------------------------------------------------------------------------------

  setState(state: ChosenState): void {
    this.chosen = state;
    this.client.setPresence(state.show, state.status);
    this.changed('own');
  }

  async applyRoster(changes: RosterChange[]): Promise<void> {
    await this.client.applyRoster(changes);
  }

  rememberName(jid: string, name: string | undefined): void {
    if (!name || this.names.get(jid) === name) return;
    this.names.set(jid, name);
    this.changed('names');
  }

  private learnName(jid: string): void {
    if (this.roster.get(jid)?.name || this.names.has(jid)) return;
    void this.client.fullName(jid).then((name) => this.rememberName(jid, name));
  }

  sendMessage(jid: string, body: string): void {
    const id = this.client.sendMessage(jid, body);
    this.chats.sent(jid, { id, body, at: Date.now() });
  }

  signOut(): void {
    this.tab.clear();
    this.client.close();
  }
}
