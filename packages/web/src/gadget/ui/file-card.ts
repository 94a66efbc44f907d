// A file in the conversation (docs/files.md): its name and size, where it stands, and for a file
// offered to the user the Accept and Decline buttons. The file is never shown or opened here: no
// link to it, no <img> or <iframe>; Accept hands its bytes to the browser's downloads.
import type { ChatMessage } from '../model/chats.js';
import { TEXT, timeOfDay } from '../text.js';
import { h } from './dom.js';

export interface FileActions {
  accept(id: string): void;
  decline(id: string): void;
}

/** What decides the card's look (the contact's name too: it may arrive after the history): redrawn when it changes. */
export function fileCardKey(m: ChatMessage, contact: string): string {
  return `${m.file?.state}|${m.file?.reason ?? ''}|${m.error ?? '-'}|${contact}`;
}

export function fileCard(m: ChatMessage, who: string, contact: string, actions: FileActions): HTMLLIElement {
  const file = m.file!;
  const state = file.state === 'declined' && m.dir === 'out' ? TEXT.declinedBy(contact) : TEXT.fileStates[file.state];
  const isOffer = m.dir === 'in' && (file.state === 'incoming' || file.state === 'accepted');
  const reason = file.reason ?? (m.error !== undefined ? TEXT.notDelivered(m.error || undefined) : undefined);
  return h(
    'li',
    { class: `msg file ${m.dir}`, 'data-id': m.id, 'data-state': file.state, 'data-key': fileCardKey(m, contact) },
    h('span', { class: 'who' }, who),
    h('time', { datetime: new Date(m.at).toISOString() }, timeOfDay(m.at)),
    h(
      'div',
      { class: 'file-card', role: 'group', 'aria-label': TEXT.fileLabel(file.name, file.size) },
      h('span', { class: 'text file-name' }, file.name),
      h('span', { class: 'file-size' }, TEXT.fileSize(file.size)),
    ),
    h('p', { class: 'file-state' }, state),
    reason ? h('p', { class: 'failed file-reason' }, reason) : null,
    isOffer
      ? h(
          'div',
          { class: 'file-actions' },
          h('button', { type: 'button', class: 'primary accept', 'aria-label': file.state === 'incoming' ? TEXT.acceptFile(file.name) : TEXT.downloadAgain, onclick: () => actions.accept(m.id) }, file.state === 'incoming' ? TEXT.accept : TEXT.downloadAgain),
          file.state === 'incoming' ? h('button', { type: 'button', class: 'decline', 'aria-label': TEXT.declineFile(file.name), onclick: () => actions.decline(m.id) }, TEXT.decline) : null,
        )
      : null,
  );
}

/** Hands bytes to the browser's downloads under the offered name (never opened in the page). */
export function saveToDownloads(file: Blob, name: string): void {
  // As bytes of no type: even a browser that ignored `download` would not render an HTML file here.
  const url = URL.createObjectURL(new Blob([file], { type: 'application/octet-stream' }));
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: the download may still be reading the object URL.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
