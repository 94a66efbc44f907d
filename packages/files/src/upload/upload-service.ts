// XEP-0363 HTTP File Upload, the transport-free part: slots checked against the policy before any
// byte is sent (§4), uploads that must match their slot and pass the content check (§5), downloads
// (§5, issue #10: unguessable URLs, optionally only for the sender and recipients), expiry, and
// the file offers that name a stored file (recipients, declines). The Koa router (http-router.ts)
// and the XMPP module (upload-module.ts) are thin layers over this class.
import { randomBytes } from 'node:crypto';
import { FileStoreError, type FileStore, type Logger, type StoredFile } from '@deskchat/core';
import { checkContent, checkOffer, checkUsage } from '../policy/check.js';
import type { FilePolicyService } from '../policy/policy-service.js';
import type { FilePolicy } from '../policy/policy.js';
import { SNIFF_BYTES } from '../policy/sniff.js';
import { Refusal } from '../refusals.js';
import { failures } from './failures.js';
import type { FileRefused, FileStored } from '../events.js';

export const FILE_UPLOAD_SERVICE = 'file-upload';
/** Where uploads and downloads live on the HTTP port. */
export const FILES_PATH = '/files/';
export const OCTET_STREAM = 'application/octet-stream';

const DAY_MS = 86_400_000;
/** 18 random bytes: 144 bits, above the 128, and a whole number of base64 characters. */
const ID_BYTES = 18;
const ID_IN_PATH = /\/files\/([A-Za-z0-9_-]{16,128})\/[^/]+$/;
// RFC 9110 §8.3.1 media type with optional parameters; nothing that could break a header.
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"\\\r\n]*"|[\w!#$&^.+-]+))*$/;

export interface UploadServiceInit {
  store: FileStore;
  policies: FilePolicyService;
  domain: string;
  expiryHours: number;
  slotSeconds: number;
  downloadRequiresAuth: boolean;
  /** Base URL of the HTTP port as clients reach it, without a trailing slash. */
  publicUrl: () => string;
  now?: () => number;
  log?: Logger;
  /** Told of each refused upload and each file stored (for /metrics). */
  events?: { refused(refusal: FileRefused): void; stored(file: FileStored): void };
}

export interface SlotRequest {
  name: string;
  size: number;
  type?: string;
}

export interface UploadRequest {
  contentLength?: number;
  contentType?: string;
  body: AsyncIterable<Uint8Array>;
}

export class UploadService {
  private readonly now: () => number;

  constructor(private readonly init: UploadServiceInit) {
    this.now = init.now ?? Date.now;
  }

  get downloadRequiresAuth(): boolean {
    return this.init.downloadRequiresAuth;
  }

  /** The policy now (for disco's max-file-size). */
  policy(): Promise<FilePolicy> {
    return this.init.policies.current();
  }

  /** XEP-0363 §4: a slot for `owner`, or a Refusal (policy, quota) before any byte is sent. */
  async requestSlot(owner: string, request: SlotRequest): Promise<{ file: StoredFile; url: string }> {
    const policy = await this.init.policies.current();
    const refusal = checkOffer(policy, request);
    if (refusal) throw refusal;
    if (request.type !== undefined && request.type !== '' && !MEDIA_TYPE.test(request.type)) {
      throw new Refusal('bad-request', `'${request.type}' is not a media type such as application/pdf (XEP-0363 §4: content-type)`);
    }
    const now = this.now();
    const usage = await this.init.store.usage(owner, now - DAY_MS);
    const overUse = checkUsage(policy, { filesToday: usage.filesSince, bytesStored: usage.bytesStored }, request.size);
    if (overUse) throw overUse;
    const file = await this.init.store.createSlot({
      id: randomBytes(ID_BYTES).toString('base64url'),
      owner,
      name: request.name,
      size: request.size,
      type: request.type || OCTET_STREAM,
      createdAt: now,
      expiresAt: now + this.init.slotSeconds * 1000,
    });
    return { file, url: this.urlOf(file) };
  }

  /** The one URL of a file: PUT to it while it is a slot, GET from it once complete. */
  urlOf(file: Pick<StoredFile, 'id' | 'name'>): string {
    return `${this.init.publicUrl()}${FILES_PATH}${file.id}/${encodeURIComponent(file.name)}`;
  }

  /** The file id in one of our URLs (any host: ids are unguessable), or undefined. */
  idOf(url: string): string | undefined {
    try {
      return ID_IN_PATH.exec(new URL(url).pathname)?.[1];
    } catch {
      return undefined;
    }
  }

  /**
   * XEP-0363 §5: the bytes of a slot. The PUT must match the slot (size, type), the policy is
   * applied again (it may have changed since the slot), and the first bytes are checked against the
   * name: refused content removes the slot and keeps nothing. Throws HttpFailure.
   */
  async receive(id: string, name: string, put: UploadRequest): Promise<StoredFile> {
    const file = await this.init.store.get(id);
    const now = this.now();
    if (!file || file.name !== name) throw failures.noSlot();
    if (file.state === 'complete') throw failures.slotUsed();
    if (file.expiresAt <= now) throw failures.expired(this.init.slotSeconds);
    const policy = await this.init.policies.current();
    const refusal = checkOffer(policy, file);
    if (refusal) throw this.refused(refusal);
    if (put.contentLength === undefined) throw failures.lengthRequired();
    if (put.contentLength !== file.size) throw failures.sizeMismatch(file.size, put.contentLength);
    if (put.contentType && file.type !== OCTET_STREAM && mediaType(put.contentType) !== mediaType(file.type)) throw failures.typeMismatch(file.type, put.contentType);
    const checked = checkedHead(put.body, (head) => {
      const found = checkContent(policy, file.name, head);
      if (found) throw found;
    });
    try {
      const stored = await this.init.store.write(id, checked, { expiresAt: now + this.init.expiryHours * 3_600_000, now });
      this.init.events?.stored({ bytes: stored.size });
      return stored;
    } catch (err) {
      if (err instanceof Refusal) {
        await this.init.store.remove(id);
        this.init.log?.info({ id, owner: file.owner, reason: err.text }, 'upload refused by its content; slot removed');
        throw this.refused(err);
      }
      if (err instanceof FileStoreError) {
        if (err.code === 'exists') throw failures.slotUsed();
        if (err.code === 'busy') throw failures.busy();
        if (err.code === 'not-found') throw failures.noSlot();
        if (err.code === 'size-mismatch') throw failures.incomplete(file.size);
        if (err.code === 'no-space') {
          this.init.log?.error({ id, size: file.size, err: err.message }, 'no space to store an upload');
          throw failures.noSpace();
        }
      }
      throw err;
    }
  }

  private refused(refusal: Refusal): Error {
    this.init.events?.refused({ code: refusal.code, at: 'upload' });
    return failures.fromRefusal(refusal);
  }

  /**
   * A complete, unexpired file for download. With `downloadRequiresAuth`, `username` is the
   * authenticated requester (undefined: not authenticated), who must be the owner or a recipient.
   */
  async open(id: string, name: string, username?: string): Promise<{ file: StoredFile; bytes: AsyncIterable<Uint8Array> }> {
    const file = await this.init.store.get(id);
    if (!file || file.state !== 'complete' || file.name !== name || file.expiresAt <= this.now()) throw failures.noFile();
    if (this.init.downloadRequiresAuth) {
      if (username === undefined) throw failures.unauthorized();
      if (username !== file.owner && !file.recipients.includes(`${username}@${this.init.domain}`)) throw failures.forbidden();
    }
    const bytes = await this.init.store.read(id);
    if (!bytes) throw failures.noFile();
    return { file, bytes };
  }

  /** An offer of one of our files from its owner to `recipient` (a bare JID): who may download it. */
  async recordOffer(url: string, owner: string, recipient: string): Promise<boolean> {
    const id = this.idOf(url);
    const file = id && (await this.init.store.get(id));
    if (!file || file.owner !== owner) return false;
    await this.init.store.addRecipient(file.id, recipient);
    return true;
  }

  /** A recipient declined: once every recipient has, the file is deleted (issue #10). Returns whether it was. */
  async recordDecline(url: string, by: string): Promise<boolean> {
    const id = this.idOf(url);
    const file = id && (await this.init.store.get(id));
    if (!file || !file.recipients.includes(by)) return false;
    const after = await this.init.store.decline(file.id, by);
    if (!after || !after.recipients.every((r) => after.declinedBy.includes(r))) return false;
    await this.init.store.remove(file.id);
    this.init.log?.info({ id: file.id, owner: file.owner }, 'file declined by every recipient; removed');
    return true;
  }

  /** Removes expired files and slots (issue #10: `files.expiryHours`); returns how many. */
  async sweep(batch = 500): Promise<number> {
    let removed = 0;
    for (;;) {
      const ids = await this.init.store.expired(this.now(), batch);
      for (const id of ids) if (await this.init.store.remove(id)) removed++;
      if (ids.length < batch) return removed;
    }
  }
}

function mediaType(value: string): string {
  return value.split(';')[0]!.trim().toLowerCase();
}

/** Passes `body` through, after handing its first SNIFF_BYTES (or all of a shorter body) to `check`. */
async function* checkedHead(body: AsyncIterable<Uint8Array>, check: (head: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  let pending: Buffer[] = [];
  let length = 0;
  let isChecked = false;
  for await (const chunk of body) {
    if (isChecked) {
      yield chunk;
      continue;
    }
    pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    length += chunk.length;
    if (length >= SNIFF_BYTES) {
      const head = Buffer.concat(pending);
      check(head.subarray(0, SNIFF_BYTES));
      isChecked = true;
      pending = [];
      yield head;
    }
  }
  if (!isChecked) {
    const head = Buffer.concat(pending);
    check(head);
    if (head.length > 0) yield head;
  }
}
