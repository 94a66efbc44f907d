// The user directory behind XEP-0055 search: a backend (built-in accounts + vCards, or LDAP) that
// answers a query with entries. Matching is case-insensitive substring matching throughout.

/** What a searcher asked for. `text` is the free-text field: name, username or e-mail. */
export interface DirectoryQuery {
  text?: string;
  first?: string;
  last?: string;
  nick?: string;
  email?: string;
}

/** One user as a search shows them; never anything from the credentials. */
export interface DirectoryEntry {
  username: string;
  /** Display name: vCard FN, else the account (or LDAP) name, else the username. */
  name: string;
  first?: string;
  last?: string;
  nick?: string;
  email?: string;
}

export interface DirectoryBackend {
  /** At most `limit` matching entries, ordered by username. */
  search(query: DirectoryQuery, limit: number): Promise<DirectoryEntry[]>;
}

/** The service key under which the search module provides its backend to other modules. */
export const DIRECTORY_SERVICE = 'directory';

export const QUERY_FIELDS = ['first', 'last', 'nick', 'email'] as const;

/** Case folding for matching: compatibility-normalised, lower case. */
export function fold(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

/** Free text splits on white space; every word must match somewhere ("liddell alice" finds Alice Liddell). */
export function words(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean);
}

/** Trims every field and drops the blank ones; `undefined` when nothing is left to search for. */
export function normalizeQuery(query: DirectoryQuery): DirectoryQuery | undefined {
  const out: DirectoryQuery = {};
  for (const key of ['text', ...QUERY_FIELDS] as const) {
    const value = query[key]?.trim();
    if (value) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
