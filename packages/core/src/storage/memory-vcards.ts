// In-memory reference implementation of VCardStore (XEP-0054 storage). Same contract as SQLite.
import type { StoredVCard, VCardFields, VCardStore } from './vcards.js';

const clone = <T>(value: T): T => structuredClone(value);

export class MemoryVCardStore implements VCardStore {
  private readonly vcards = new Map<string, StoredVCard>();

  async getVCard(username: string): Promise<StoredVCard | undefined> {
    const vcard = this.vcards.get(username);
    return vcard && clone(vcard);
  }

  async setVCard(username: string, vcard: StoredVCard): Promise<void> {
    this.vcards.set(username, clone(vcard));
  }

  async removeVCard(username: string): Promise<boolean> {
    return this.vcards.delete(username);
  }

  async getDirectoryFields(usernames: readonly string[]): Promise<Map<string, VCardFields>> {
    const found = new Map<string, VCardFields>();
    for (const username of usernames) {
      const vcard = this.vcards.get(username);
      if (vcard) found.set(username, clone(vcard.fields));
    }
    return found;
  }

  async removeUser(username: string): Promise<void> {
    this.vcards.delete(username);
  }
}
