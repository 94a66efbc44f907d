// The gadget's top level: the sign-in form until a session exists, then the contact list and the
// chat window. Wires views to the session, resumes the tab's BOSH session after a reload, and
// measures sign-in (performance entry 'deskchat:sign-in', from the submit to the contact list).
// Failover (docs/gadget.md): while the session moves to another node a "Reconnecting…" banner
// shows; a session that cannot be continued (item-not-found, the connection lost) is replaced by a
// new sign-in with the credentials this page kept in memory (never stored), in the status chosen.
import { configuredOrder, type Discovery } from './connection/discovery.js';
import { connectLink, resumeLink, SignInError, type Link } from './connection/link.js';
import { serviceUrl, signInJid, type ChatServers } from './connection/servers.js';
import { Session } from './session.js';
import type { ChosenState } from './model/tab-session.js';
import { TEXT } from './text.js';
import { chatWindowView } from './ui/chat-window.js';
import { contactDialogs } from './ui/contact-dialogs.js';
import { contactListView } from './ui/contact-list.js';
import { h } from './ui/dom.js';
import { closeMenus } from './ui/menu.js';
import { askNotificationPermission, notifyIncoming, postAttention } from './ui/notify.js';
import { searchBox } from './ui/search-box.js';
import { signInView, type SignInView } from './ui/sign-in.js';
import { topBar } from './ui/top-bar.js';
import { ChatClient } from './xmpp/client.js';

const LAST_USER_KEY = 'deskchat.lastUser';
/** Conditions after which signing in again is worth trying: the session is gone, not refused. */
const RECOVERABLE = new Set([undefined, 'item-not-found', 'giving-up', 'see-other-uri', 'system-shutdown', 'remote-connection-failed', 'host-gone', 'undefined-condition', 'unknown']);

interface Credentials {
  username: string;
  password: string;
}

export class App {
  private session: Session | undefined;
  private signIn: SignInView | undefined;
  /** This page's sign-in, in memory only: for signing in again after a lost session. */
  private credentials: Credentials | undefined;
  private readonly banner = h('div', { class: 'reconnecting', role: 'status', 'aria-live': 'polite' });

  constructor(
    private readonly root: HTMLElement,
    private readonly servers: Promise<ChatServers>,
    /** Which servers to try, in order: the cluster issue's discovery replaces the configured order. */
    private readonly discovery: Discovery = configuredOrder,
  ) {
    // A reload flushes what the debounce still holds (the history must survive it).
    window.addEventListener('pagehide', () => this.session?.tab.flush());
  }

  start(): void {
    const resumed = resumeLink((jid) => this.discovery.cached?.(jid));
    if (resumed) {
      void this.enter(resumed.link, resumed.recovered);
      return;
    }
    this.showSignIn();
  }

  private showSignIn(message?: string): void {
    this.session = undefined;
    this.root.dataset.view = 'sign-in';
    const view = signInView((u, p) => void this.submit(u, p), sessionStorage.getItem(LAST_USER_KEY) ?? '');
    this.signIn = view;
    this.root.replaceChildren(view.el);
    if (message) view.showError(message);
    view.focus();
  }

  private async submit(username: string, password: string): Promise<void> {
    const view = this.signIn!;
    performance.clearMarks('deskchat:submit');
    performance.mark('deskchat:submit');
    askNotificationPermission();
    view.setBusy(true);
    const servers = await this.servers;
    const target = signInJid(username, servers);
    if (!target) {
      view.setBusy(false);
      view.showError(TEXT.invalidUsername);
      view.focus();
      return;
    }
    try {
      const link = await this.connect(target.jid, password);
      sessionStorage.setItem(LAST_USER_KEY, username.trim());
      this.credentials = { username, password };
      await this.enter(link);
    } catch (err) {
      view.setBusy(false);
      if (!(err instanceof SignInError)) {
        view.showError(err instanceof Error ? err.message : String(err));
      } else if (err.kind === 'auth') view.showError(TEXT.wrongPassword);
      else if (err.kind === 'refused') view.showError(TEXT.refused(err.condition ?? 'error'));
      else view.showError(TEXT.unreachable, certificatePage(err.service));
      view.focus();
    }
  }

  /** Discovery: the servers to try (cached home first), then remembers what the server said. */
  private async connect(jid: string, password: string): Promise<Link> {
    const servers = await this.servers;
    const candidates = (await this.discovery.candidates(jid, servers)).map((url) => serviceUrl(url, servers.transport));
    const link = await connectLink(candidates, jid, password, servers.transport);
    this.discovery.signedIn?.(jid, link.nodes);
    return link;
  }

  private showBanner(isShown: boolean): void {
    this.banner.textContent = isShown ? TEXT.resuming : '';
    this.banner.classList.toggle('shown', isShown);
  }

  /** The session is gone: sign in again with the kept credentials, in the state chosen before. */
  private async recover(session: Session): Promise<void> {
    const credentials = this.credentials!;
    const chosen = session.chosen;
    this.showBanner(true);
    try {
      const servers = await this.servers;
      const target = signInJid(credentials.username, servers)!;
      const link = await this.connect(target.jid, credentials.password);
      if (this.session !== session) return void link.close(); // signed out meanwhile
      await this.enter(link, undefined, chosen);
    } catch (err) {
      if (this.session !== session) return;
      this.credentials = undefined;
      closeMenus();
      const kind = err instanceof SignInError ? err.kind : undefined;
      this.showSignIn(kind === 'unreachable' ? TEXT.unreachable : kind === 'auth' ? TEXT.wrongPassword : TEXT.sessionEnded);
    } finally {
      this.showBanner(false);
    }
  }

  private async enter(link: Link, recovered?: Promise<Element[]>, restore?: ChosenState): Promise<void> {
    const client = new ChatClient(link);
    const session = new Session(client);
    this.session = session;
    this.signIn = undefined;
    this.root.dataset.view = 'main';
    const views = this.mainView(session);
    link.onMoving((isMoving) => {
      if (this.session === session) this.showBanner(isMoving);
    });
    client.on('lost', (condition) => {
      if (this.session !== session) return;
      session.tab.flush();
      if (this.credentials && RECOVERABLE.has(condition)) return void this.recover(session);
      closeMenus();
      this.showSignIn(TEXT.sessionEnded);
    });
    // What the server wrote while the page was away goes through Strophe as soon as it is back,
    // not after start(): the resent request may be the one that carries the roster start() waits
    // for (after an idle reload, the server answers the held, resent rid with it).
    if (recovered) {
      void recovered.then((stanzas) => {
        if (this.session === session) link.deliver(stanzas);
      });
    }
    try {
      await session.start(link.isResumed, restore);
    } catch {
      // The roster request failed: the session is gone (the lost handler shows the sign-in form).
      return;
    }
    views.renderNow();
    if (!link.isResumed) {
      performance.mark('deskchat:contacts-shown');
      performance.measure('deskchat:sign-in', 'deskchat:submit', 'deskchat:contacts-shown');
    }
    this.root.dataset.ready = 'true';
  }

  private mainView(session: Session): { renderNow(): void } {
    const openChat = (jid: string) => {
      session.chats.open(jid);
      window.setTimeout(() => chat.focusInput());
    };
    const dialogs = contactDialogs(session, () => list.clearSelection());
    const list = contactListView(session, { openChat, ...dialogs });
    const search = searchBox(session, {
      add: (r) => {
        search.clear();
        dialogs.addContact({ jid: r.jid, ...(r.name ? { name: r.name } : {}) });
      },
      chat: (r) => {
        search.clear();
        session.rememberName(r.jid, r.name);
        openChat(r.jid);
      },
    });
    const addButton = h('button', { type: 'button', class: 'add-contact', 'aria-label': TEXT.addContactTitle, title: TEXT.addContactTitle, onclick: () => dialogs.addContact({}) }, '+');
    const bar = topBar(session, () => this.signOut(session));
    const chat = chatWindowView(session);
    const main = h('div', { class: 'gadget' }, bar.el, h('div', { class: 'search-row' }, search.el, addButton), list.el);
    this.root.replaceChildren(this.banner, main, chat.el);

    let frame = 0;
    const renderNow = () => {
      cancelAnimationFrame(frame);
      frame = 0;
      bar.render();
      list.render();
      chat.render();
      postAttention(session.chats.unreadChats(), session.chats.needsAttention);
    };
    session.onChange(() => {
      if (this.session !== session) return;
      frame ||= requestAnimationFrame(renderNow);
    });
    session.onIncoming = (from, body) => notifyIncoming(session.displayName(from), body, () => session.chats.open(from));
    renderNow();
    return { renderNow };
  }

  private signOut(session: Session): void {
    closeMenus();
    this.session = undefined;
    this.credentials = undefined;
    session.signOut();
    delete this.root.dataset.ready;
    this.showSignIn();
  }
}

/**
 * The page that lets the agent accept the server's certificate: the gadget on that server (every
 * node serves it at /chat/). Only for an https server of another origin; the page's own server is
 * already trusted, or the page would not have loaded.
 */
function certificatePage(service: string): string | undefined {
  try {
    const url = new URL(service);
    const isSecure = url.protocol === 'https:' || url.protocol === 'wss:';
    const origin = `${url.protocol === 'wss:' ? 'https:' : url.protocol}//${url.host}`;
    return isSecure && origin !== location.origin ? `${origin}/chat/` : undefined;
  } catch {
    return undefined;
  }
}
