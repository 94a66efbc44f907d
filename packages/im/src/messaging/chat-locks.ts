// The IM&P forking rule (design.md §2; RFC 6121 §8.5.2.1.1 allows a server to deliver a bare-JID
// chat message to all non-negative resources): once the user answers a contact from resource R,
// that contact's bare-JID chats go to R only. One lock per (user, contact bare JID), in memory:
// it is a delivery preference, not state worth surviving a restart or sharing with another node.
//
// Idle expiry (default 5 minutes, `lockIdleSeconds`): a user who answered from the office desktop
// and walked away would otherwise never see that contact's new chats on the phone while the desktop
// stays signed in; after a quiet spell the next message is forked to every device again, which is
// how a conversation "starts over". 5 minutes outlasts the pauses of a live conversation and is
// short enough that a forgotten lock does not hide messages for long. 0 disables expiry.
import type { Session } from '@deskchat/core';

interface Lock {
  session: Session;
  lastActive: number;
}

export class ChatLocks {
  private readonly byUser = new Map<string, Map<string, Lock>>();

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number,
  ) {}

  /** The user answered `contact` from `session`: lock that contact's chats to it. */
  lock(username: string, contact: string, session: Session): void {
    let locks = this.byUser.get(username);
    if (!locks) this.byUser.set(username, (locks = new Map()));
    locks.set(contact, { session, lastActive: this.now() });
  }

  /** The locked session for a chat from `contact`, unless the lock has lapsed (then it is dropped). */
  lockedSession(username: string, contact: string): Session | undefined {
    const lock = this.byUser.get(username)?.get(contact);
    if (!lock) return undefined;
    if (this.isExpired(lock)) {
      this.release(username, contact);
      return undefined;
    }
    return lock.session;
  }

  /** A message of this conversation went through `session`: the lock on it stays fresh. */
  touch(username: string, contact: string, session: Session): void {
    const lock = this.byUser.get(username)?.get(contact);
    if (lock?.session === session) lock.lastActive = this.now();
  }

  release(username: string, contact: string): void {
    const locks = this.byUser.get(username);
    locks?.delete(contact);
    if (locks?.size === 0) this.byUser.delete(username);
  }

  /** The session went away or stopped being available: every lock on it is released. */
  releaseSession(session: Session): void {
    const username = session.username;
    const locks = username === undefined ? undefined : this.byUser.get(username);
    if (!locks) return;
    for (const [contact, lock] of locks) if (lock.session === session) locks.delete(contact);
    if (locks.size === 0) this.byUser.delete(username!);
  }

  /** Drops lapsed locks (a periodic sweep, so that idle conversations do not accumulate). */
  sweep(): void {
    for (const [username, locks] of this.byUser) {
      for (const [contact, lock] of locks) if (this.isExpired(lock)) locks.delete(contact);
      if (locks.size === 0) this.byUser.delete(username);
    }
  }

  get size(): number {
    let n = 0;
    for (const locks of this.byUser.values()) n += locks.size;
    return n;
  }

  private isExpired(lock: Lock): boolean {
    return this.idleMs > 0 && this.now() - lock.lastActive >= this.idleMs;
  }
}
