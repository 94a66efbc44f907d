// Files in the chat (issue #12 "Attachments", docs/files.md): sending one (the policy checked
// before anything is uploaded, then slot, PUT and offer), the state of what was sent (declined by
// the contact), and the offers received (Accept fetches the file for the browser's downloads,
// Decline tells the sender). Every step is a message in the conversation, so it is kept with the
// history across a reload.
import { checkFile } from './model/file-policy.js';
import type { ChatStore, ChatMessage, FileTransfer } from './model/chats.js';
import { TEXT } from './text.js';
import { newId, XmppError, type ChatClient, type IncomingMessage } from './xmpp/client.js';
import { FileClient, HttpError, type UploadService } from './xmpp/file-client.js';

/** An offer received, as the chat keeps it until the user accepts or declines it. */
export function offeredFile(file: NonNullable<IncomingMessage['file']>): FileTransfer {
  return {
    name: file.name,
    url: file.url,
    state: 'incoming',
    from: file.sender,
    ...(file.size !== undefined ? { size: file.size } : {}),
    ...(file.type ? { type: file.type } : {}),
    ...(file.offerId ? { offerId: file.offerId } : {}),
  };
}

/** Where the upload service stands: not asked yet, none, disabled by the administrator, usable. */
export type UploadStatus = 'pending' | 'none' | 'disabled' | 'enabled';

export class FileTransfers {
  private readonly files: FileClient;
  private service: UploadService | undefined;
  status: UploadStatus = 'pending';

  constructor(
    client: ChatClient,
    private readonly chats: ChatStore,
    private readonly changed: () => void,
    private readonly isDnd: () => boolean,
  ) {
    this.files = new FileClient(client);
    client.on('fileDeclined', (from, decline, body, at) => {
      // A decline that matches nothing shown here still says something: its fallback text.
      if (!this.chats.declinedByContact(from, decline.url, decline.id) && body) this.chats.received(from, { id: newId('in'), body, at }, { isDnd: this.isDnd() });
    });
  }

  /** After sign-in: is there an upload service, and does the administrator allow transfers? */
  async discover(): Promise<void> {
    try {
      this.setService(await this.files.discover());
    } catch {
      this.setService(undefined);
    }
  }

  private setService(service: UploadService | undefined): void {
    this.service = service;
    const status: UploadStatus = !service ? 'none' : service.isEnabled ? 'enabled' : 'disabled';
    if (status === this.status) return;
    this.status = status;
    this.changed();
  }

  /**
   * Sends a file to a contact: shown at once as uploading; refused by the advertised policy before
   * any slot is asked for; then the slot, the upload and the offer. The server's refusals (slot or
   * PUT) are shown with its text.
   */
  async send(jid: string, file: File): Promise<void> {
    const id = newId();
    const { name, size } = file;
    const type = file.type || 'application/octet-stream';
    this.chats.sent(jid, { id, body: name, at: Date.now(), file: { name, size, type, state: 'uploading' } });
    const notSent = (reason: string) => this.chats.updateFile(jid, id, { state: 'not-sent', reason });
    try {
      // The policy now, not the one at sign-in: the administrator may have changed it.
      const service = this.service && (await this.files.info(this.service.jid));
      this.setService(service);
      if (!service?.isEnabled) return notSent(TEXT.filesDisabled);
      const refusal = checkFile(service.policy, { name, size });
      if (refusal) return notSent(TEXT.fileRefused(name, refusal));
      const slot = await this.files.requestSlot(service.jid, { name, size, type });
      await this.files.put(slot, file, type);
      this.files.sendOffer(jid, id, slot.get, { name, size, type });
      this.chats.updateFile(jid, id, { state: 'offered', url: slot.get });
    } catch (err) {
      notSent(err instanceof XmppError || err instanceof HttpError ? err.message : TEXT.uploadFailed);
    }
  }

  /** A file offered to the user, by its message id. */
  private offer(jid: string, id: string): ChatMessage | undefined {
    return this.chats.conversation(jid)?.messages.find((m) => m.id === id && m.dir === 'in' && m.file?.url);
  }

  /** Accept: the file goes to `save` (the browser's downloads); an expired or declined one is explained. */
  async accept(jid: string, id: string, save: (file: Blob, name: string) => void): Promise<void> {
    const file = this.offer(jid, id)?.file;
    if (!file?.url) return;
    try {
      save(await this.files.fetch(file.url), file.name);
      this.chats.updateFile(jid, id, { state: 'accepted', reason: undefined });
    } catch (err) {
      this.chats.updateFile(jid, id, { reason: err instanceof HttpError ? err.message : TEXT.downloadFailed });
    }
  }

  /** Decline: the sender is told (docs/files.md "Decline"), and the offer is marked. */
  decline(jid: string, id: string): void {
    const file = this.offer(jid, id)?.file;
    if (!file?.url || file.state !== 'incoming') return;
    this.files.sendDecline(file.from ?? jid, file.url, file.offerId, TEXT.declineBody(file.name));
    this.chats.updateFile(jid, id, { state: 'declined', reason: undefined });
  }
}
