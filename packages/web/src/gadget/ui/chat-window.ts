// The chat window of "Use Desktop Chat": a header (click to minimize or restore; minimized it
// counts the chats with unread messages; a button enlarges or restores the size; X closes every
// chat after confirmation), the conversation with the typing indicator, the typing area (disabled
// with the reason when the contact is signed out), and the tabs at the bottom: three visible, the
// rest behind an overflow button, a badge of unread messages on each, the status icon turning into
// a close button on hover or focus. The window can be dragged by its header within the page,
// never maximized to full screen. Files: "Send a file" beside the typing area while the server
// offers uploads, and files sent or offered shown as cards in the conversation (ui/file-card.ts).
import type { Session } from '../session.js';
import { TEXT, timeOfDay } from '../text.js';
import { attr, h, icon, ICONS, setText } from './dom.js';
import { confirmDialog } from './dialog.js';
import { fileCard, fileCardKey, saveToDownloads } from './file-card.js';
import { menuButton } from './menu.js';

/** XEP-0085 §5.1: "paused" after this long without typing. */
const PAUSED_AFTER_MS = 5000;
/** Drag only past this many pixels, so that a click on the header stays a click. */
const DRAG_THRESHOLD = 4;

export interface ChatWindowView {
  el: HTMLElement;
  render(): void;
  focusInput(): void;
}

export function chatWindowView(session: Session): ChatWindowView {
  const { chats } = session;
  const title = h('button', { type: 'button', class: 'chat-title', 'aria-expanded': 'true' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'title-text' }));
  const titleDot = title.querySelector('.dot') as HTMLElement;
  const titleText = title.querySelector('.title-text') as HTMLElement;
  const enlarge = h('button', { type: 'button', class: 'icon enlarge' });
  const closeAll = h('button', { type: 'button', class: 'icon close-all', 'aria-label': TEXT.closeAll, title: TEXT.closeAll }, '×');
  const header = h('header', { class: 'chat-header' }, title, enlarge, closeAll);
  const messages = h('ol', { class: 'messages', role: 'log', 'aria-live': 'polite' });
  const typing = h('p', { class: 'typing', 'aria-live': 'polite' });
  const inputLabel = h('label', { for: 'dc-message', class: 'sr-only' });
  const input = h('textarea', { id: 'dc-message', rows: '2', placeholder: TEXT.typeMessage });
  const sendButton = h('button', { type: 'submit', class: 'primary send' }, TEXT.send);
  const signedOut = h('p', { class: 'signed-out', id: 'dc-signed-out' });
  // "Send a file": shown only while the server offers uploads; `data-upload` says what discovery
  // found (pending, none, disabled, enabled), so a test can tell "hidden" from "not asked yet".
  const filePicker = h('input', { type: 'file', hidden: true, tabindex: '-1' });
  const sendFile = h('button', { type: 'button', class: 'send-file', onclick: () => filePicker.click() }, TEXT.sendFile);
  const attachments = h('div', { class: 'attachments', hidden: true }, sendFile, filePicker);
  filePicker.addEventListener('change', () => {
    const jid = chats.active;
    const file = filePicker.files?.[0];
    filePicker.value = '';
    if (jid && file) void session.files.send(jid, file);
  });
  const fileActions = {
    accept: (id: string) => {
      if (shownJid) void session.files.accept(shownJid, id, saveToDownloads);
    },
    decline: (id: string) => {
      if (shownJid) session.files.decline(shownJid, id);
    },
  };
  const compose = h('form', { class: 'compose' }, inputLabel, input, sendButton);
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': TEXT.chatWindow });
  const body = h('div', { class: 'chat-body' }, messages, typing, signedOut, attachments, compose);
  const el = h('section', { class: 'chat-window', 'aria-label': TEXT.chatWindow, hidden: true }, header, body, tabs);

  const drafts = new Map<string, string>();
  let shownJid: string | undefined;
  let shownCount = 0;
  let composingTo: string | undefined;
  let pausedTimer: ReturnType<typeof setTimeout> | undefined;

  // ---- header ---------------------------------------------------------------------------------
  let drag: { x: number; y: number; left: number; top: number; moved: boolean } | undefined;
  header.addEventListener('pointerdown', (event) => {
    if ((event.target as Element).closest('.icon')) return;
    const rect = el.getBoundingClientRect();
    drag = { x: event.clientX, y: event.clientY, left: rect.left, top: rect.top, moved: false };
  });
  header.addEventListener('pointermove', (event) => {
    if (!drag || event.buttons === 0) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    // Captured only once it is a drag: a captured pointer's click would go to the header, not the title.
    if (!drag.moved) header.setPointerCapture(event.pointerId);
    drag.moved = true;
    moveTo(drag.left + dx, drag.top + dy);
  });
  header.addEventListener('pointerup', () => {
    if (drag?.moved) title.dataset.dragged = '1';
    drag = undefined;
  });
  title.addEventListener('click', () => {
    if (title.dataset.dragged) {
      delete title.dataset.dragged;
      return;
    }
    chats.toggleMinimized();
  });
  enlarge.addEventListener('click', () => chats.setEnlarged(!chats.isEnlarged));
  closeAll.addEventListener('click', () => {
    void confirmDialog(TEXT.closeAll, TEXT.closeAllConfirm, TEXT.close, () => {
      stopComposing();
      chats.closeAll();
      return undefined;
    });
  });

  /** Keeps the whole header inside the page: the window moves, it never leaves or fills the screen. */
  function moveTo(left: number, top: number): void {
    const maxLeft = Math.max(0, window.innerWidth - el.offsetWidth);
    const maxTop = Math.max(0, window.innerHeight - header.offsetHeight);
    el.style.left = `${Math.min(Math.max(0, left), maxLeft)}px`;
    el.style.top = `${Math.min(Math.max(0, top), maxTop)}px`;
    el.style.right = 'auto';
    el.style.bottom = 'auto';
  }

  // ---- typing area and XEP-0085 ---------------------------------------------------------------
  function stopComposing(): void {
    clearTimeout(pausedTimer);
    if (composingTo) session.client.sendChatState(composingTo, 'paused');
    composingTo = undefined;
  }

  input.addEventListener('input', () => {
    const jid = chats.active;
    if (!jid) return;
    drafts.set(jid, input.value);
    if (input.value.trim() === '') return stopComposing();
    if (composingTo !== jid) {
      stopComposing();
      composingTo = jid;
      session.client.sendChatState(jid, 'composing');
    }
    clearTimeout(pausedTimer);
    pausedTimer = setTimeout(stopComposing, PAUSED_AFTER_MS);
  });
  input.addEventListener('keydown', (event) => {
    // Enter sends; Shift+Enter starts a new line (the clipboard works as in any text field).
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      compose.requestSubmit();
    }
  });
  compose.addEventListener('submit', (event) => {
    event.preventDefault();
    const jid = chats.active;
    const text = input.value.trim();
    if (!jid || !text || input.disabled) return;
    clearTimeout(pausedTimer);
    composingTo = undefined; // the message carries <active/>
    session.sendMessage(jid, text);
    input.value = '';
    drafts.delete(jid);
  });

  // ---- rendering ------------------------------------------------------------------------------
  function renderMessages(jid: string | undefined): void {
    const conversation = jid ? chats.conversation(jid) : undefined;
    const list = conversation?.messages ?? [];
    if (jid !== shownJid || list.length < shownCount) {
      messages.replaceChildren();
      shownCount = 0;
    }
    const name = jid ? session.displayName(jid) : '';
    for (let i = shownCount; i < list.length; i++) {
      const m = list[i];
      if (m.file) {
        messages.append(fileCard(m, m.dir === 'out' ? TEXT.you : name, name, fileActions));
        continue;
      }
      messages.append(
        h(
          'li',
          { class: `msg ${m.dir}`, 'data-id': m.id },
          h('span', { class: 'who' }, m.dir === 'out' ? TEXT.you : name),
          h('time', { datetime: new Date(m.at).toISOString() }, timeOfDay(m.at)),
          h('p', { class: 'text' }, m.body),
          m.error !== undefined ? h('p', { class: 'failed' }, TEXT.notDelivered(m.error || undefined)) : null,
        ),
      );
    }
    // A file's state changes after it was drawn (uploaded, declined, accepted): redraw its card,
    // staying at the end of the conversation if the agent was there (a refusal's text grows it).
    const wasAtEnd = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    let isRedrawn = false;
    for (const m of list) {
      if (!m.file) continue;
      const li = messages.querySelector<HTMLElement>(`[data-id="${CSS.escape(m.id)}"]`);
      if (!li || li.dataset.key === fileCardKey(m, name)) continue;
      const hadFocus = li.contains(document.activeElement);
      const card = fileCard(m, m.dir === 'out' ? TEXT.you : name, name, fileActions);
      li.replaceWith(card);
      isRedrawn = true;
      if (hadFocus) (card.querySelector('button') ?? input).focus();
    }
    if (isRedrawn && wasAtEnd) messages.scrollTop = messages.scrollHeight;
    // A bounce arrives after the message was drawn: mark it in place.
    for (const m of list) {
      if (m.error === undefined || m.dir !== 'out' || m.file) continue;
      const li = messages.querySelector(`[data-id="${CSS.escape(m.id)}"]`);
      if (li && !li.querySelector('.failed')) li.append(h('p', { class: 'failed' }, TEXT.notDelivered(m.error || undefined)));
    }
    if (list.length > shownCount || jid !== shownJid) messages.scrollTop = messages.scrollHeight;
    shownJid = jid;
    shownCount = list.length;
    attr(messages, 'aria-label', jid ? TEXT.messages(name) : undefined);
  }

  function renderTabs(): void {
    const { visible, overflow } = chats.visibleTabs();
    const nodes: HTMLElement[] = visible.map((jid) => {
      const name = session.displayName(jid);
      const unread = chats.conversation(jid)?.unread ?? 0;
      const isActive = jid === chats.active;
      const state = session.presenceOf(jid).state;
      return h(
        'div',
        { class: `tab${isActive ? ' active' : ''}`, 'data-jid': jid },
        h('button', { type: 'button', class: 'tab-close', 'aria-label': TEXT.closeTab(name), title: TEXT.closeTab(name), onclick: () => closeTab(jid) }, h('span', { class: `dot s-${state}`, 'aria-hidden': 'true' }), h('span', { class: 'x', 'aria-hidden': 'true' }, '×')),
        h(
          'button',
          { type: 'button', role: 'tab', class: 'tab-name', 'aria-selected': String(isActive), 'aria-label': TEXT.tabLabel(name, unread), onclick: () => chats.activate(jid) },
          h('span', { class: 'name' }, name),
          unread > 0 ? h('span', { class: 'badge', 'aria-hidden': 'true' }, String(unread)) : null,
        ),
      );
    });
    if (overflow.length > 0) {
      const unread = overflow.some((jid) => (chats.conversation(jid)?.unread ?? 0) > 0);
      nodes.push(
        menuButton({
          label: TEXT.moreTabs(overflow.length),
          className: `overflow${unread ? ' has-unread' : ''}`,
          content: `+${overflow.length}`,
          items: () =>
            chats.visibleTabs().overflow.map((jid) => {
              const n = chats.conversation(jid)?.unread ?? 0;
              return { label: TEXT.tabLabel(session.displayName(jid), n), className: `s-${session.presenceOf(jid).state}`, action: () => chats.activate(jid) };
            }),
        }),
      );
    }
    // Keep the focused tab button focused across the rebuild.
    const focusedJid = (document.activeElement?.closest('.tab') as HTMLElement | null)?.dataset.jid;
    const focusedClass = document.activeElement?.classList.contains('tab-close') ? 'tab-close' : 'tab-name';
    tabs.replaceChildren(...nodes);
    if (focusedJid) tabs.querySelector<HTMLElement>(`.tab[data-jid="${CSS.escape(focusedJid)}"] .${focusedClass}`)?.focus();
  }

  function closeTab(jid: string): void {
    if (composingTo === jid) stopComposing();
    chats.close(jid);
    drafts.delete(jid);
  }

  function render(): void {
    el.hidden = chats.window === 'closed';
    if (el.hidden) {
      shownJid = undefined;
      return;
    }
    const isMinimized = chats.window === 'minimized';
    el.classList.toggle('minimized', isMinimized);
    el.classList.toggle('enlarged', chats.isEnlarged);
    body.hidden = isMinimized;
    tabs.hidden = isMinimized;
    enlarge.hidden = isMinimized;
    const jid = chats.active;
    const name = jid ? session.displayName(jid) : '';
    const presence = jid ? session.presenceOf(jid) : undefined;
    setText(titleText, isMinimized ? TEXT.minimizedHeader(chats.unreadChats()) : name);
    titleDot.className = `dot s-${isMinimized || !presence ? 'none' : presence.state}`;
    title.setAttribute('aria-expanded', String(!isMinimized));
    attr(title, 'aria-label', `${isMinimized ? TEXT.minimizedHeader(chats.unreadChats()) : name}. ${isMinimized ? TEXT.restore : TEXT.minimize}`);
    attr(title, 'title', isMinimized ? TEXT.restore : TEXT.minimize);
    enlarge.replaceChildren(icon(chats.isEnlarged ? ICONS.shrink : ICONS.enlarge));
    attr(enlarge, 'aria-label', chats.isEnlarged ? TEXT.shrink : TEXT.enlarge);
    attr(enlarge, 'title', chats.isEnlarged ? TEXT.shrink : TEXT.enlarge);
    if (isMinimized) return;

    renderMessages(jid);
    setText(typing, jid && chats.isTyping(jid) ? TEXT.typing(name) : '');
    const isBlocked = !!jid && session.isSignedOut(jid);
    const wasShown = input.dataset.jid;
    if (jid && wasShown !== jid) {
      if (composingTo && composingTo !== jid) stopComposing();
      input.value = drafts.get(jid) ?? '';
      input.dataset.jid = jid;
    }
    input.disabled = isBlocked;
    sendButton.disabled = isBlocked;
    attachments.dataset.upload = session.files.status;
    attachments.hidden = session.files.status !== 'enabled';
    sendFile.disabled = isBlocked;
    attr(sendFile, 'title', TEXT.sendFileTo(name));
    setText(signedOut, isBlocked ? TEXT.signedOutContact(name) : '');
    signedOut.hidden = !isBlocked;
    input.placeholder = isBlocked ? TEXT.signedOutContact(name) : TEXT.typeMessage;
    attr(input, 'aria-describedby', isBlocked ? 'dc-signed-out' : undefined);
    setText(inputLabel, TEXT.messageInput(name));
    renderTabs();
  }

  return {
    el,
    render,
    focusInput: () => {
      if (!input.disabled && !el.hidden) input.focus();
    },
  };
}
