// Durable port: XEP-0160 offline message storage. Messages for a user with no available resource
// are kept, in arrival order, until that user next becomes available; then they are delivered and
// removed. Stanzas are stored as serialized XML so that every backend stores a plain value.

export interface OfflineMessage {
  /** Assigned by the store; increases in storing order, so ordering by id is arrival order. */
  id: number;
  /** The whole `<message/>` as XML, with its XEP-0203 `<delay/>` already added. */
  stanza: string;
  /** Milliseconds since the epoch. */
  storedAt: number;
}

/** Per-user bounds of the offline queue (issue #7 §2: a count alone let one sender fill 230 MB). */
export interface OfflineQuota {
  maxMessages: number;
  /** UTF-8 bytes of all the user's stored stanzas together, this one included. */
  maxBytes: number;
}

export interface OfflineStore {
  /**
   * Appends a message for `username` unless that would pass `quota` (messages or bytes); returns
   * whether it was stored. The quota check and the insert are one atomic step.
   */
  storeMessage(username: string, message: Omit<OfflineMessage, 'id'>, quota: OfflineQuota): Promise<boolean>;
  /** The user's stored messages, oldest first (empty when there are none). */
  listMessages(username: string): Promise<OfflineMessage[]>;
  countMessages(username: string): Promise<number>;
  /** Removes the given messages (those delivered); ids that are not the user's are ignored. */
  removeMessages(username: string, ids: number[]): Promise<void>;
  /** Removes everything stored for the user (account removal). */
  removeUser(username: string): Promise<void>;
}
