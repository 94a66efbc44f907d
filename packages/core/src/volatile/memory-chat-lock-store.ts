// In-memory ChatLockStore. Same contract as Redis.
import type { ChatLock, ChatLockStore } from './chat-lock-store.js';

export class MemoryChatLockStore implements ChatLockStore {
  private readonly byUser = new Map<string, Map<string, ChatLock>>();

  async lock(username: string, contact: string, lock: ChatLock): Promise<void> {
    let locks = this.byUser.get(username);
    if (!locks) this.byUser.set(username, (locks = new Map()));
    locks.set(contact, { ...lock });
  }

  async get(username: string, contact: string): Promise<ChatLock | undefined> {
    const lock = this.byUser.get(username)?.get(contact);
    return lock && { ...lock };
  }

  async touch(username: string, contact: string, sessionId: string, at: number): Promise<void> {
    const lock = this.byUser.get(username)?.get(contact);
    if (lock?.sessionId === sessionId) lock.lastActive = at;
  }

  async release(username: string, contact: string): Promise<void> {
    const locks = this.byUser.get(username);
    locks?.delete(contact);
    if (locks?.size === 0) this.byUser.delete(username);
  }

  async releaseSession(username: string, sessionId: string): Promise<void> {
    const locks = this.byUser.get(username);
    if (!locks) return;
    for (const [contact, lock] of locks) if (lock.sessionId === sessionId) locks.delete(contact);
    if (locks.size === 0) this.byUser.delete(username);
  }

  async sweep(before: number): Promise<void> {
    for (const [username, locks] of this.byUser) {
      for (const [contact, lock] of locks) if (lock.lastActive < before) locks.delete(contact);
      if (locks.size === 0) this.byUser.delete(username);
    }
  }

  /** Locks held (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const locks of this.byUser.values()) n += locks.size;
    return n;
  }
}
