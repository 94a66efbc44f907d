// Port: the IM&P forking locks (design.md §2), shared by every node. Once a user answers a
// contact from resource R, that contact's bare-JID chats go to R only, until R goes away or the
// lock lapses after a quiet spell. The rules live in im (messaging/chat-locks.ts); this keeps the
// table. Times are milliseconds since the epoch, passed in by the caller's clock.

export interface ChatLock {
  resource: string;
  sessionId: string;
  lastActive: number;
}

export interface ChatLockStore {
  /** Locks the user's chats with `contact` (a bare JID) to one resource. */
  lock(username: string, contact: string, lock: ChatLock): Promise<void>;
  get(username: string, contact: string): Promise<ChatLock | undefined>;
  /** Refreshes `lastActive` if the lock is still on `sessionId`. */
  touch(username: string, contact: string, sessionId: string, at: number): Promise<void>;
  release(username: string, contact: string): Promise<void>;
  /** Releases every lock of the user on one session (it went away or stopped taking bare-JID chats). */
  releaseSession(username: string, sessionId: string): Promise<void>;
  /** Drops locks idle since before `before` (a periodic sweep). */
  sweep(before: number): Promise<void>;
}
