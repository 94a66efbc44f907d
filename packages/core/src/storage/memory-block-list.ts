// In-memory reference implementation of BlockListStore. Same contract as SQLite and Redis.
import type { BlockListStore } from './block-list.js';
import { byCodePoint } from './code-point-order.js';

export class MemoryBlockListStore implements BlockListStore {
  private readonly lists = new Map<string, Set<string>>();

  async getBlockList(username: string): Promise<string[]> {
    return [...(this.lists.get(username) ?? [])].sort(byCodePoint);
  }

  async block(username: string, jids: string[], maxItems?: number): Promise<boolean> {
    const list = new Set(this.lists.get(username));
    for (const jid of jids) list.add(jid);
    if (maxItems !== undefined && list.size > maxItems) return false;
    this.lists.set(username, list);
    return true;
  }

  async unblock(username: string, jids: string[]): Promise<void> {
    const list = this.lists.get(username);
    if (!list) return;
    for (const jid of jids) list.delete(jid);
    if (list.size === 0) this.lists.delete(username);
  }

  async removeUser(username: string): Promise<void> {
    this.lists.delete(username);
  }
}
