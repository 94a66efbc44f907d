// The top of the gadget: the user's name, the drop-down beside the current state (Available,
// Away, Do Not Disturb with an optional text, Sign Out) and the chat icon, which counts the chats
// with unread messages and blinks when something arrived that Do Not Disturb kept out of sight.
import type { ChosenState } from '../model/tab-session.js';
import type { Session } from '../session.js';
import { TEXT } from '../text.js';
import { attr, h, icon, ICONS, setText } from './dom.js';
import { openDialog, textField } from './dialog.js';
import { menuButton } from './menu.js';

export function topBar(session: Session, onSignOut: () => void): { el: HTMLElement; render(): void } {
  const name = h('span', { class: 'own-name' });
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const label = h('span', { class: 'state-label' });
  const setState = (state: ChosenState) => session.setState(state);
  const stateButton = menuButton({
    label: TEXT.stateMenu(''),
    className: 'state',
    content: h('span', { class: 'state-content' }, dot, label, h('span', { class: 'caret', 'aria-hidden': 'true' }, '▾')),
    items: () => [
      { label: TEXT.setAvailable, className: 's-available', action: () => setState({ show: 'available' }) },
      { label: TEXT.setAway, className: 's-away', action: () => setState({ show: 'away' }) },
      { label: TEXT.setDnd, className: 's-dnd', action: () => askDnd() },
      { label: TEXT.signOut, action: onSignOut, isSeparatorBefore: true },
    ],
  });
  const badge = h('span', { class: 'badge', 'aria-hidden': 'true' });
  const chatsIcon = h('button', { type: 'button', class: 'chats-icon', onclick: () => session.chats.show() }, icon(ICONS.chat, 18), badge);
  const el = h('header', { class: 'top-bar' }, h('div', { class: 'who' }, name, stateButton), chatsIcon);

  function askDnd(): void {
    const text = textField(TEXT.dndMessage, session.chosen.show === 'dnd' ? (session.chosen.status ?? '') : '', { maxlength: '200' });
    void openDialog({
      title: TEXT.dndTitle,
      body: [text.row],
      submitLabel: TEXT.setState,
      onSubmit: () => {
        const status = text.input.value.trim();
        setState(status ? { show: 'dnd', status } : { show: 'dnd' });
        return undefined;
      },
    });
  }

  return {
    el,
    render() {
      const own = session.ownPresence();
      const stateName = TEXT.stateNames[own.state];
      const shown = own.status && own.status !== stateName ? `${stateName} — ${own.status}` : stateName;
      setText(name, session.ownName);
      dot.className = `dot s-${own.state}`;
      setText(label, shown);
      attr(stateButton, 'aria-label', TEXT.stateMenu(shown));
      attr(stateButton, 'title', TEXT.stateMenu(shown));
      const { chats } = session;
      const unread = chats.unreadChats();
      setText(badge, unread > 0 ? String(unread) : '');
      badge.hidden = unread === 0;
      chatsIcon.hidden = chats.tabs.length === 0;
      chatsIcon.classList.toggle('attention', chats.needsAttention);
      attr(chatsIcon, 'aria-label', unread > 0 ? TEXT.chatsIconUnread(unread) : TEXT.chatsIcon);
      attr(chatsIcon, 'title', unread > 0 ? TEXT.chatsIconUnread(unread) : TEXT.chatsIcon);
    },
  };
}
