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

export interface OfflineStore {
  /**
   * Appends a message for `username` unless they already have `limit` messages stored; returns
   * whether it was stored. The count check and the insert are one atomic step.
   */
  storeMessage(username: string, message: Omit<OfflineMessage, 'id'>, limit: number): Promise<boolean>;
  /** The user's stored messages, oldest first (empty when there are none). */
  listMessages(username: string): Promise<OfflineMessage[]>;
  countMessages(username: string): Promise<number>;
  /** Removes the given messages (those delivered); ids that are not the user's are ignored. */
  removeMessages(username: string, ids: number[]): Promise<void>;
  /** Removes everything stored for the user (account removal). */
  removeUser(username: string): Promise<void>;
}
