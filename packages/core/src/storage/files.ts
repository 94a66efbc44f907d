// Durable port: stored files and their metadata (XEP-0363 HTTP File Upload and the file offers of
// the desktop-chat gadget). Shaped so that a cluster backend (Redis, later) can implement it:
// - metadata is keyed by one unguessable id (≥ 128 random bits, chosen by the caller) and never
//   by a file name, so no name ever reaches a file system path or a key pattern;
// - bytes go in and out as async iterables of chunks, never as one buffer, so a backend streams
//   them (to disk, or in chunks to Redis) and memory stays flat whatever the file size;
// - expiry is a query (`expired(now)`), not a timer per file, so any node can sweep.
// A file is `pending` (a slot waiting for its bytes) until `write` has stored exactly `size` bytes
// and made them visible in one step; before that `read` returns nothing, so a partial file is
// never served.

export type FileState = 'pending' | 'complete';

export interface StoredFile {
  /** Unguessable id (base64url of ≥ 16 random bytes); it appears in the upload and download URLs. */
  id: string;
  /** The username (localpart) that asked for the slot. */
  owner: string;
  /** The file name as offered, without any path. */
  name: string;
  /** Bytes: declared when the slot was made; `write` stores exactly this many. */
  size: number;
  /** Media type declared for the slot. */
  type: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** After this moment the file (or the unused slot) is gone: served no more, removed by a sweep. */
  expiresAt: number;
  state: FileState;
  completedAt?: number;
  /** Hex SHA-256 of the stored bytes, once complete. */
  sha256?: string;
  /** Bare JIDs an offer of this file was addressed to. */
  recipients: string[];
  /** Bare JIDs that declined the offer. */
  declinedBy: string[];
}

export type NewFile = Pick<StoredFile, 'id' | 'owner' | 'name' | 'size' | 'type' | 'createdAt' | 'expiresAt'>;

/** Why a store operation failed; callers map each code to a protocol answer. */
export type FileStoreErrorCode =
  /** `createSlot` with an id in use, or `write` to a file that is already complete. */
  | 'exists'
  /** No such file. */
  | 'not-found'
  /** Another `write` of the same id is in progress. */
  | 'busy'
  /** The bytes were more or fewer than the declared size. */
  | 'size-mismatch'
  /** The backend has no room (a full disk, a Redis memory limit). */
  | 'no-space';

export class FileStoreError extends Error {
  constructor(
    readonly code: FileStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FileStoreError';
  }
}

export interface OwnerUsage {
  /** Files (pending or complete) the owner created at or after `since`. */
  filesSince: number;
  /** Declared bytes of every file the owner has now, pending slots included. */
  bytesStored: number;
}

export interface FileStore {
  /** Records a pending slot. Throws FileStoreError('exists') when the id is taken. */
  createSlot(file: NewFile): Promise<StoredFile>;
  get(id: string): Promise<StoredFile | undefined>;
  /**
   * Consumes `bytes` into the pending file `id`. Resolves with the complete record (state
   * `complete`, `sha256`, `completedAt`, and `expiresAt` set to `complete.expiresAt`) once all
   * of it is stored and visible. When `bytes` throws, or the total differs from `size`
   * (`size-mismatch`), or the backend fails (`no-space`, or the error itself), nothing stays
   * behind and the file is still pending, so the upload can be tried again until it expires.
   * Throws `not-found`, `exists` (already complete) or `busy` (another write in progress) before
   * reading anything.
   */
  write(id: string, bytes: AsyncIterable<Uint8Array>, complete: { expiresAt: number; now?: number }): Promise<StoredFile>;
  /** The bytes of a complete file, in chunks; undefined when there is no complete file `id`. */
  read(id: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Adds a bare JID an offer was addressed to (once); undefined when there is no such file. */
  addRecipient(id: string, jid: string): Promise<StoredFile | undefined>;
  /** Records that a recipient declined (once); undefined when there is no such file. */
  decline(id: string, jid: string): Promise<StoredFile | undefined>;
  /** Removes the file, its bytes and its metadata; false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Ids of files (pending or complete) with `expiresAt <= now`, at most `limit`, soonest first. */
  expired(now: number, limit: number): Promise<string[]>;
  usage(owner: string, since: number): Promise<OwnerUsage>;
  /** Removes every file of `owner` (account removal); returns how many. */
  removeOwner(owner: string): Promise<number>;
}
