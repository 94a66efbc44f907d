// In-memory reference implementation of OfflineStore (XEP-0160). Same contract as SQLite and Redis.
import type { OfflineMessage, OfflineQuota, OfflineStore } from './offline.js';

export class MemoryOfflineStore implements OfflineStore {
  private readonly byUser = new Map<string, OfflineMessage[]>();
  private lastId = 0;

  async storeMessage(username: string, message: Omit<OfflineMessage, 'id'>, quota: OfflineQuota): Promise<boolean> {
    const queue = this.byUser.get(username) ?? [];
    if (queue.length >= quota.maxMessages) return false;
    let bytes = Buffer.byteLength(message.stanza);
    for (const m of queue) bytes += Buffer.byteLength(m.stanza);
    if (bytes > quota.maxBytes) return false;
    queue.push({ id: ++this.lastId, stanza: message.stanza, storedAt: message.storedAt });
    this.byUser.set(username, queue);
    return true;
  }

  async listMessages(username: string): Promise<OfflineMessage[]> {
    return (this.byUser.get(username) ?? []).map((m) => ({ ...m }));
  }

  async countMessages(username: string): Promise<number> {
    return this.byUser.get(username)?.length ?? 0;
  }

  async removeMessages(username: string, ids: number[]): Promise<void> {
    const queue = this.byUser.get(username);
    if (!queue) return;
    const removed = new Set(ids);
    const kept = queue.filter((m) => !removed.has(m.id));
    if (kept.length === 0) this.byUser.delete(username);
    else this.byUser.set(username, kept);
  }

  async removeUser(username: string): Promise<void> {
    this.byUser.delete(username);
  }
}
