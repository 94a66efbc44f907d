// openSqliteExport: every user found in any table (also one with no account, as an LDAP user has),
// all of their data, the settings and the administration data with its hashes, and no write to
// the database it reads.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { deriveCredentials } from '@deskchat/core';
import { openSqliteExport, openSqliteStores, DATABASE_FILE } from './index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function seeded(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'deskchat-export-'));
  dirs.push(dir);
  const stores = openSqliteStores(dir);
  await stores.accounts.createAccount({ username: 'alice', name: 'Alice', createdAt: 5, credentials: deriveCredentials('pw', 1) });
  await stores.roster.setItem('alice', { jid: 'bob@localhost', groups: ['A'], subscription: 'both', isPendingOut: false, isPreApproved: false });
  await stores.roster.setItem('alice', { jid: 'bob@localhost', groups: ['B'], subscription: 'both', isPendingOut: false, isPreApproved: false });
  await stores.roster.setRequest('alice', { jid: 'carol@localhost', receivedAt: 9 });
  await stores.offline.storeMessage('alice', { stanza: '<message/>', storedAt: 7 }, { maxMessages: 10, maxBytes: 1_000_000 });
  await stores.privateXml.setItem('alice', 'b urn:x', '<b xmlns="urn:x"/>');
  await stores.privateXml.setItem('alice', 'a urn:x', '<a xmlns="urn:x"/>');
  await stores.pep.setNode('alice', 'urn:xmpp:avatar:metadata', { accessModel: 'presence', maxItems: 1, persistItems: true, notifyRetract: false, sendLastPublishedItem: 'on_sub_and_presence' });
  await stores.pep.publishItem('alice', 'urn:xmpp:avatar:metadata', { id: 'x', xml: '<metadata xmlns="urn:xmpp:avatar:metadata"/>', publisher: 'alice@localhost/desk', publishedAt: 5 });
  await stores.blockList.block('blocker-only', ['mallory@localhost', 'b.example']);
  await stores.archive.append('alice', { at: 5, with: ['bob@localhost', 'bob@localhost/desk'], stanza: '<message><body>hi</body></message>' }, { maxMessages: 10, maxBytes: 1_000_000 });
  await stores.archive.append('room@conference.localhost', { at: 5, with: ['room@conference.localhost/Bob'], stanza: '<message/>' }, { maxMessages: 10, maxBytes: 1_000_000 });
  await stores.archive.setPrefs('alice', { default: 'roster', always: ['bob@localhost'], never: [] });
  await stores.vcards.setVCard('ldap-user', { xml: '<vCard xmlns="vcard-temp"/>', fields: { fn: 'From LDAP' } });
  await stores.settings.set('chat-servers', { primary: 'https://imp1' }, 'admin');
  await stores.presenceState.setSource('phone-only', 'phone', 'on-call');
  await stores.presenceState.setLastSeen('alice', { stanza: '<presence type="unavailable"/>', at: 11 });
  await stores.admins.createAdmin({ name: 'root', passwordHash: 'scrypt$h', createdAt: 1, passwordChangedAt: 2 });
  await stores.apiTokens.createToken({ name: 'ci', hash: 'ab'.repeat(32), createdAt: 3, createdBy: 'cli' });
  for (let i = 0; i < 3; i++) await stores.audit.append({ at: i, actor: 'cli', action: 'user.add', target: `u${i}` });
  stores.close();
  return dir;
}

describe('openSqliteExport', () => {
  it('yields every user with any data, in username order, with all of it', async () => {
    const dir = await seeded();
    const source = openSqliteExport(dir);
    try {
      expect(source.countUsers()).toBe(4);
      const users = [];
      for await (const user of source.users()) users.push(user);
      expect(users.map((u) => u.username)).toEqual(['alice', 'blocker-only', 'ldap-user', 'phone-only']);
      const [alice, blocker, ldap, phoneOnly] = users;
      expect(blocker!.blockList).toEqual(['b.example', 'mallory@localhost']);
      expect(alice!.archive).toEqual({ last: 5000, messages: [{ seq: 5000, id: expect.stringMatching(/^000000003uw[0-9a-z]{6}$/), stanza: '<message><body>hi</body></message>', with: ['bob@localhost', 'bob@localhost/desk'] }] });
      expect(alice!.archivePrefs).toEqual({ default: 'roster', always: ['bob@localhost'], never: [] });
      expect(blocker).not.toHaveProperty('archive');
      expect(alice!.pep).toEqual([{ node: 'urn:xmpp:avatar:metadata', config: { accessModel: 'presence', maxItems: 1, persistItems: true, notifyRetract: false, sendLastPublishedItem: 'on_sub_and_presence' }, items: [{ id: 'x', xml: '<metadata xmlns="urn:xmpp:avatar:metadata"/>', publisher: 'alice@localhost/desk', publishedAt: 5 }] }]);
      expect(alice!.lastSeen).toEqual({ stanza: '<presence type="unavailable"/>', at: 11 });
      expect(phoneOnly).toMatchObject({ presenceSources: { phone: 'on-call' } });
      expect(phoneOnly).not.toHaveProperty('lastSeen');
      expect(alice).toMatchObject({ account: { username: 'alice', name: 'Alice', createdAt: 5 }, roster: { version: 2, items: [{ jid: 'bob@localhost', groups: ['B'] }] } });
      expect(alice!.requests).toEqual([{ jid: 'carol@localhost', receivedAt: 9 }]);
      expect(alice!.offline).toEqual([{ id: expect.any(Number), stanza: '<message/>', storedAt: 7 }]);
      expect(alice!.privateXml).toEqual({ 'a urn:x': '<a xmlns="urn:x"/>', 'b urn:x': '<b xmlns="urn:x"/>' });
      expect(alice).not.toHaveProperty('vcard');
      expect(ldap).not.toHaveProperty('account');
      expect(ldap).toMatchObject({ vcard: { fields: { fn: 'From LDAP' } }, roster: { version: 0, items: [] }, requests: [], offline: [], privateXml: {}, blockList: [], pep: [] });
      const admin = await source.admin();
      expect(admin.admins).toEqual([{ name: 'root', passwordHash: 'scrypt$h', createdAt: 1, passwordChangedAt: 2 }]);
      expect(admin.apiTokens).toEqual([{ name: 'ci', hash: 'ab'.repeat(32), createdAt: 3, createdBy: 'cli' }]);
      expect(admin.audit.map((e) => e.target)).toEqual(['u0', 'u1', 'u2']);
      await expect(source.settings()).resolves.toEqual({ 'chat-servers': expect.objectContaining({ value: { primary: 'https://imp1' }, updatedBy: 'admin', revision: 1 }) });
    } finally {
      source.close();
    }
  });

  it('opens the database read-only: the file is not changed', async () => {
    const dir = await seeded();
    const before = readFileSync(join(dir, DATABASE_FILE));
    const source = openSqliteExport(dir);
    for await (const _ of source.users());
    source.close();
    expect(readFileSync(join(dir, DATABASE_FILE)).equals(before)).toBe(true);
  });

  it('refuses a directory without a database instead of creating one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-export-'));
    dirs.push(dir);
    expect(() => openSqliteExport(dir)).toThrow();
  });
});
