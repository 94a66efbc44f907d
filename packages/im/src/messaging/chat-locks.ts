// The IM&P forking rule (design.md §2; RFC 6121 §8.5.2.1.1 allows a server to deliver a bare-JID
// chat message to all non-negative resources): once the user answers a contact from resource R,
// that contact's bare-JID chats go to R only. One lock per (user, contact bare JID), kept in the
// shared ChatLockStore so that the rule holds whichever node routes the next message.
//
// Idle expiry (default 5 minutes, `lockIdleSeconds`): a user who answered from the office desktop
// and walked away would otherwise never see that contact's new chats on the phone while the desktop
// stays signed in; after a quiet spell the next message is forked to every device again, which is
// how a conversation "starts over". 5 minutes outlasts the pauses of a live conversation and is
// short enough that a forgotten lock does not hide messages for long. 0 disables expiry.
//
// While the shared store is unreachable (a cluster's Redis is down, issue 8 §8) there are no locks:
// messages are forked to every available resource this node can see, and nothing is recorded.
import { StoreUnavailableError, type ChatLock, type ChatLockStore } from '@deskchat/core';

/** Runs a lock operation; the store being unreachable means "no lock", never a failed delivery. */
async function orWithout<T>(operation: Promise<T>, fallback: T): Promise<T> {
  try {
    return await operation;
  } catch (err) {
    if (err instanceof StoreUnavailableError) return fallback;
    throw err;
  }
}

export class ChatLocks {
  constructor(
    private readonly store: ChatLockStore,
    private readonly idleMs: number,
    private readonly now: () => number,
  ) {}

  /** The user answered `contact` from a resource: lock that contact's chats to it. */
  lock(username: string, contact: string, resource: string, sessionId: string): Promise<void> {
    return orWithout(this.store.lock(username, contact, { resource, sessionId, lastActive: this.now() }), undefined);
  }

  /** The lock for a chat from `contact`, unless it has lapsed (then it is dropped). */
  async locked(username: string, contact: string): Promise<ChatLock | undefined> {
    const lock = await orWithout(this.store.get(username, contact), undefined);
    if (!lock) return undefined;
    if (this.idleMs > 0 && this.now() - lock.lastActive >= this.idleMs) {
      await this.release(username, contact);
      return undefined;
    }
    return lock;
  }

  /** A message of this conversation went through the session: the lock on it stays fresh. */
  touch(username: string, contact: string, sessionId: string): Promise<void> {
    return orWithout(this.store.touch(username, contact, sessionId, this.now()), undefined);
  }

  release(username: string, contact: string): Promise<void> {
    return orWithout(this.store.release(username, contact), undefined);
  }

  /** The session went away or stopped being available: every lock on it is released. */
  releaseSession(username: string, sessionId: string): Promise<void> {
    return orWithout(this.store.releaseSession(username, sessionId), undefined);
  }

  /** Drops lapsed locks (a periodic sweep, so that idle conversations do not accumulate). */
  async sweep(): Promise<void> {
    if (this.idleMs > 0) await this.store.sweep(this.now() - this.idleMs);
  }
}
