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

/** The longest a refresh of the same lock by the same session may be left out (see `refreshMs`). */
const MAX_REFRESH_MS = 30_000;

export class ChatLocks {
  /**
   * Writes are skipped when they would change nothing that matters: in a conversation every
   * message would otherwise lock and touch the same lock again (four Redis round trips of about
   * seven per message in a cluster). A lock or touch by the session that this node wrote less
   * than `refreshMs` ago is left out; the lock's lastActive then lags by at most that much, so it
   * may lapse up to a tenth of the idle time early. This holds across nodes because every session
   * of a user is on the user's home node (docs/cluster.md), which is therefore the only writer of
   * that user's locks; after a move the sessions, and so their ids, are new.
   */
  private readonly refreshMs: number;
  /** (user, contact) → the session this node last locked it to, and when. */
  private readonly lockedHere = new Map<string, { sessionId: string; at: number }>();
  /** (user, contact, session) → when this node last touched it. */
  private readonly touchedHere = new Map<string, number>();

  constructor(
    private readonly store: ChatLockStore,
    private readonly idleMs: number,
    private readonly now: () => number,
  ) {
    this.refreshMs = idleMs > 0 ? Math.min(idleMs / 10, MAX_REFRESH_MS) : MAX_REFRESH_MS;
  }

  /** The user answered `contact` from a resource: lock that contact's chats to it. */
  /** Whether this node locked the chat for the session within `refreshMs`: then `lock` has nothing to do. */
  isFresh(username: string, contact: string, sessionId: string): boolean {
    const last = this.lockedHere.get(`${username}\0${contact}`);
    return last !== undefined && last.sessionId === sessionId && this.now() - last.at < this.refreshMs;
  }

  async lock(username: string, contact: string, resource: string, sessionId: string): Promise<void> {
    const key = `${username}\0${contact}`;
    const now = this.now();
    if (this.isFresh(username, contact, sessionId)) return;
    if (await orWithout(this.store.lock(username, contact, { resource, sessionId, lastActive: now }).then(() => true), false)) this.lockedHere.set(key, { sessionId, at: now });
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
  async touch(username: string, contact: string, sessionId: string): Promise<void> {
    if (this.idleMs === 0) return; // lastActive matters only for idle expiry
    const now = this.now();
    const key = `${username}\0${contact}\0${sessionId}`;
    const locked = this.lockedHere.get(`${username}\0${contact}`);
    const last = Math.max(this.touchedHere.get(key) ?? -Infinity, locked?.sessionId === sessionId ? locked.at : -Infinity);
    if (now - last < this.refreshMs) return;
    if (await orWithout(this.store.touch(username, contact, sessionId, now).then(() => true), false)) this.touchedHere.set(key, now);
  }

  async release(username: string, contact: string): Promise<void> {
    this.forget((key) => key === `${username}\0${contact}` || key.startsWith(`${username}\0${contact}\0`));
    await orWithout(this.store.release(username, contact), undefined);
  }

  /** The session went away or stopped being available: every lock on it is released. */
  async releaseSession(username: string, sessionId: string): Promise<void> {
    for (const [key, last] of this.lockedHere) if (last.sessionId === sessionId && key.startsWith(`${username}\0`)) this.lockedHere.delete(key);
    for (const key of this.touchedHere.keys()) if (key.startsWith(`${username}\0`) && key.endsWith(`\0${sessionId}`)) this.touchedHere.delete(key);
    await orWithout(this.store.releaseSession(username, sessionId), undefined);
  }

  /** Drops lapsed locks (a periodic sweep, so that idle conversations do not accumulate), and what this node remembers of old writes. */
  async sweep(): Promise<void> {
    const before = this.now() - this.refreshMs;
    for (const [key, last] of this.lockedHere) if (last.at < before) this.lockedHere.delete(key);
    for (const [key, at] of this.touchedHere) if (at < before) this.touchedHere.delete(key);
    if (this.idleMs > 0) await this.store.sweep(this.now() - this.idleMs);
  }

  private forget(matches: (key: string) => boolean): void {
    for (const key of this.lockedHere.keys()) if (matches(key)) this.lockedHere.delete(key);
    for (const key of this.touchedHere.keys()) if (matches(key)) this.touchedHere.delete(key);
  }
}
