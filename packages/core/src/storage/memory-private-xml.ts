// In-memory reference implementation of PrivateXmlStore. Same contract as SQLite and Redis.
import type { PrivateXmlQuota, PrivateXmlStore } from './private-xml.js';

export class MemoryPrivateXmlStore implements PrivateXmlStore {
  private readonly items = new Map<string, Map<string, string>>();

  async getItem(username: string, key: string): Promise<string | undefined> {
    return this.items.get(username)?.get(key);
  }

  async setItem(username: string, key: string, xml: string, quota?: PrivateXmlQuota): Promise<boolean> {
    let forUser = this.items.get(username);
    if (quota) {
      let items = 1;
      let bytes = Buffer.byteLength(xml);
      for (const [k, v] of forUser ?? []) {
        if (k === key) continue;
        items++;
        bytes += Buffer.byteLength(v);
      }
      if (items > quota.maxItems || bytes > quota.maxBytes) return false;
    }
    if (!forUser) this.items.set(username, (forUser = new Map()));
    forUser.set(key, xml);
    return true;
  }

  async removeItem(username: string, key: string): Promise<boolean> {
    return this.items.get(username)?.delete(key) ?? false;
  }

  async removeUser(username: string): Promise<void> {
    this.items.delete(username);
  }
}
