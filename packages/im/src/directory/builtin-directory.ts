// The built-in directory for XEP-0055 search: the server's accounts (username, name, e-mail) joined
// with their XEP-0054 vCard fields. Scans accounts a page at a time and stops at the limit; a
// directory of many tens of thousands of users belongs in LDAP.
import type { AccountSummary, Stores, VCardFields } from '@deskchat/core';
import { fold, words, type DirectoryBackend, type DirectoryEntry, type DirectoryQuery } from './directory.js';
import { displayName } from './vcard-fields.js';

const PAGE = 500;

interface Candidate {
  entry: DirectoryEntry;
  /** Everything free text may match, folded. */
  haystack: string[];
}

function candidate(account: AccountSummary, vcard: VCardFields = {}): Candidate {
  const entry: DirectoryEntry = { username: account.username, name: displayName(account.username, account, vcard) };
  if (vcard.given) entry.first = vcard.given;
  if (vcard.family) entry.last = vcard.family;
  if (vcard.nickname) entry.nick = vcard.nickname;
  const email = vcard.email ?? account.email;
  if (email) entry.email = email;
  const haystack = [account.username, entry.name, account.name, vcard.fn, vcard.nickname, vcard.given, vcard.family, vcard.email, account.email];
  return { entry, haystack: haystack.filter((v): v is string => !!v).map(fold) };
}

function matches({ entry, haystack }: Candidate, query: DirectoryQuery): boolean {
  for (const word of words(query.text).map(fold)) if (!haystack.some((h) => h.includes(word))) return false;
  for (const key of ['first', 'last', 'nick', 'email'] as const) {
    const wanted = query[key];
    if (wanted && !fold(entry[key] ?? '').includes(fold(wanted))) return false;
  }
  return true;
}

export class BuiltinDirectory implements DirectoryBackend {
  constructor(private readonly stores: Pick<Stores, 'accounts' | 'vcards'>) {}

  async search(query: DirectoryQuery, limit: number): Promise<DirectoryEntry[]> {
    const found: DirectoryEntry[] = [];
    for (let offset = 0; found.length < limit; offset += PAGE) {
      const accounts = await this.stores.accounts.listAccounts({ offset, limit: PAGE });
      const vcards = await this.stores.vcards.getDirectoryFields(accounts.map((a) => a.username));
      for (const account of accounts) {
        const c = candidate(account, vcards.get(account.username));
        if (matches(c, query)) found.push(c.entry);
        if (found.length === limit) break;
      }
      if (accounts.length < PAGE) break;
    }
    return found;
  }
}
