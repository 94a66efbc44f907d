// Getting the agent's attention when the page is not in front: a browser notification for an
// incoming chat while the tab is hidden (a click brings the tab back and opens the chat), and, when
// the gadget is embedded, a message to the embedding desktop with the number of unread chats so
// that its own chat icon can blink (the icon of "Use Desktop Chat" lives in the desktop's toolbar).
import { TEXT } from '../text.js';

/** Asked on the sign-in click: browsers grant the prompt only from a user gesture. */
export function askNotificationPermission(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission().catch(() => undefined);
}

export function notifyIncoming(name: string, body: string, onClick: () => void): void {
  if (!document.hidden || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const notification = new Notification(TEXT.notificationTitle(name), { body: body.length > 140 ? `${body.slice(0, 139)}…` : body, tag: `deskchat-${name}` });
    notification.onclick = () => {
      window.focus();
      onClick();
      notification.close();
    };
  } catch {
    // Some embeddings forbid notifications; the chat window still shows the message.
  }
}

let lastPosted = -1;
/** `{type: 'deskchat:attention', unreadChats, needsAttention}` to the embedding page (no content, no names). */
export function postAttention(unreadChats: number, needsAttention: boolean): void {
  if (window.parent === window) return;
  const key = unreadChats * 2 + (needsAttention ? 1 : 0);
  if (key === lastPosted) return;
  lastPosted = key;
  window.parent.postMessage({ type: 'deskchat:attention', unreadChats, needsAttention }, '*');
}
