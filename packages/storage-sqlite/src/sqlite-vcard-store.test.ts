// SqliteVCardStore: the VCardStore contract (XEP-0054 storage) on SQLite, plus durability across reopening.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { vcardStoreContract } from '@deskchat/testing';
import { openSqliteStores } from './index.js';
import { freshStores } from './__tests__/fixture.js';

vcardStoreContract('sqlite', freshStores((stores) => stores.vcards));


describe('SqliteVCardStore durability', () => {
  it('keeps vCards and their directory fields across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-vcard-'));
    try {
      const vcard = { xml: "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>", fields: { fn: 'Alice', email: 'a@example.com' } };
      const first = openSqliteStores(dir);
      await first.vcards.setVCard('alice', vcard);
      first.close();
      const second = openSqliteStores(dir);
      await expect(second.vcards.getVCard('alice')).resolves.toStrictEqual(vcard);
      await expect(second.vcards.getDirectoryFields(['alice'])).resolves.toEqual(new Map([['alice', vcard.fields]]));
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
