// The gadget's side of server-stored transfers (XEP-0363, docs/files.md): finding the upload
// service and its policy (§2: the domain's disco#items, then each item's disco#info), asking for a
// slot (§4), the PUT (§5), the offer (XEP-0066 + XEP-0446) and the decline, and fetching an offered
// file for the browser's downloads.
import { $iq, $msg } from 'strophe.js';
import type { ChatClient } from './client.js';
import { newId } from './client.js';
import { FILE_NS, readSlot, readUploadService, type Slot, type UploadServiceInfo } from './files.js';
import { child } from './stanzas.js';

export interface UploadService extends UploadServiceInfo {
  jid: string;
}

export interface FileToSend {
  name: string;
  size: number;
  /** The media type sent in the slot request, and again as the PUT's Content-Type. */
  type: string;
}

/** An HTTP refusal, with the server's text/plain explanation when it gave one. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    text: string,
  ) {
    super(text || `HTTP ${status}`);
  }
}

export class FileClient {
  constructor(private readonly client: ChatClient) {}

  private get domain(): string {
    return this.client.bare.slice(this.client.bare.indexOf('@') + 1);
  }

  /** XEP-0363 §2: the first item of the domain that is an upload service (undefined: none). */
  async discover(): Promise<UploadService | undefined> {
    const items = await this.client.request($iq({ type: 'get', to: this.domain }).c('query', { xmlns: FILE_NS.DISCO_ITEMS }));
    const query = child(items, 'query', FILE_NS.DISCO_ITEMS);
    const jids = query ? Array.from(query.children).filter((i) => i.localName === 'item').map((i) => i.getAttribute('jid') ?? '') : [];
    const found = await Promise.all(jids.filter(Boolean).map((jid) => this.info(jid).catch(() => undefined)));
    return found.find((s) => s !== undefined);
  }

  /** The service's disco#info now (the administrator may have changed the policy since sign-in). */
  async info(jid: string): Promise<UploadService | undefined> {
    const result = await this.client.request($iq({ type: 'get', to: jid }).c('query', { xmlns: FILE_NS.DISCO_INFO }), 10_000);
    const query = child(result, 'query', FILE_NS.DISCO_INFO);
    const info = query ? readUploadService(query) : undefined;
    return info && { jid, ...info };
  }

  /** §4: a slot; a refusal rejects with the server's XmppError (its text names the rule). */
  async requestSlot(service: string, file: FileToSend): Promise<Slot> {
    const result = await this.client.request($iq({ type: 'get', to: service }).c('request', { xmlns: FILE_NS.UPLOAD, filename: file.name, size: String(file.size), 'content-type': file.type }));
    const slot = child(result, 'slot', FILE_NS.UPLOAD);
    const read = slot ? readSlot(slot) : undefined;
    if (!read) throw new Error('the upload service answered without a slot');
    return read;
  }

  /** §5: the bytes, with the Content-Type the slot was asked for. */
  async put(slot: Slot, body: Blob, type: string): Promise<void> {
    const response = await fetch(slot.put, { method: 'PUT', body, headers: { ...slot.headers, 'Content-Type': type } });
    if (!response.ok) throw new HttpError(response.status, (await response.text().catch(() => '')).trim());
  }

  /** The offer of docs/files.md: the URL as body and out-of-band data, with XEP-0446 metadata. */
  sendOffer(to: string, id: string, url: string, file: FileToSend): void {
    this.client.link.conn.send(
      $msg({ to, type: 'chat', id })
        .c('body')
        .t(url)
        .up()
        .c('x', { xmlns: FILE_NS.OOB })
        .c('url')
        .t(url)
        .up()
        .up()
        .c('file', { xmlns: FILE_NS.METADATA })
        .c('name')
        .t(file.name)
        .up()
        .c('size')
        .t(String(file.size))
        .up()
        .c('media-type')
        .t(file.type),
    );
  }

  /** docs/files.md "Decline": to the resource that offered, with a body for clients that do not know <decline/>. */
  sendDecline(to: string, url: string, offerId: string | undefined, body: string): void {
    this.client.link.conn.send(
      $msg({ to, type: 'chat', id: newId() })
        .c('decline', { xmlns: FILE_NS.DECLINE, url, ...(offerId ? { id: offerId } : {}) })
        .up()
        .c('body')
        .t(body),
    );
  }

  /** The offered file's bytes (the server sends them as an attachment; they are never shown here). */
  async fetch(url: string): Promise<Blob> {
    const response = await fetch(url);
    if (!response.ok) throw new HttpError(response.status, (await response.text().catch(() => '')).trim());
    return response.blob();
  }
}
