// VCardStore on Redis: XEP-0054 vCards as their XML text plus the extracted directory fields that
// XEP-0055 search reads (the built-in directory pages through the account index and asks for the
// fields of one page at a time, as it does on SQLite: no search index of its own is needed). Same
// contract as core's MemoryVCardStore (see @deskchat/testing vcardStoreContract).
import type { StoredVCard, VCardFields, VCardStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';

const FIELDS = ['fn', 'nickname', 'email', 'given', 'family'] as const;

/** An absent hash field is "not in the vCard": left out, as the memory store leaves it out. */
function toFields(values: ReadonlyArray<string | null | undefined>): VCardFields {
  const fields: VCardFields = {};
  FIELDS.forEach((name, i) => {
    const value = values[i];
    if (value !== null && value !== undefined) fields[name] = value;
  });
  return fields;
}

export class RedisVCardStore implements VCardStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly now: () => number = Date.now,
  ) {}

  async getVCard(username: string): Promise<StoredVCard | undefined> {
    const hash = await this.redis.run('getVCard', (c) => c.hGetAll(this.redis.keys.user(username).vcard));
    if (hash.xml === undefined) return undefined;
    return { xml: hash.xml, fields: toFields(FIELDS.map((f) => hash[f])) };
  }

  async setVCard(username: string, vcard: StoredVCard): Promise<void> {
    const key = this.redis.keys.user(username).vcard;
    const entries: Record<string, string> = { xml: vcard.xml, updatedAt: String(this.now()) };
    for (const f of FIELDS) if (vcard.fields[f] !== undefined) entries[f] = vcard.fields[f]!;
    // Replaced whole (XEP-0054 has no partial update): a field the new vCard lacks must not survive.
    await this.redis.runDurable('setVCard', (c) => c.multi().del(key).hSet(key, entries).exec());
  }

  async removeVCard(username: string): Promise<boolean> {
    return (await this.redis.runDurable('removeVCard', (c) => c.del(this.redis.keys.user(username).vcard))) === 1;
  }

  async getDirectoryFields(usernames: readonly string[]): Promise<Map<string, VCardFields>> {
    const found = new Map<string, VCardFields>();
    if (usernames.length === 0) return found;
    // One pipeline of HMGETs (one per user, each in its own slot); `xml` tells whether there is a vCard.
    const rows = await this.redis.run('getDirectoryFields', (c) =>
      Promise.all(usernames.map((u) => c.hmGet(this.redis.keys.user(u).vcard, ['xml', ...FIELDS]))),
    );
    rows.forEach(([xml, ...values], i) => {
      if (xml !== null && xml !== undefined) found.set(usernames[i]!, toFields(values));
    });
    return found;
  }

  async removeUser(username: string): Promise<void> {
    await this.removeVCard(username);
  }
}
