// RFC 4515 LDAP search filters for the directory: values are escaped (§3: '*', '(', ')', '\' and
// NUL become \2a \28 \29 \5c \00) so that user input can never change a filter's structure.
import { QUERY_FIELDS, words, type DirectoryQuery } from './directory.js';
import type { LdapAttributeMap } from './options.js';

/** RFC 4515 §3 escaping of an assertion value. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `(attr=*value*)`: a substring assertion (RFC 4515 §3 `substring`), case-insensitive by the attribute's matching rule. */
export function containsFilter(attribute: string, value: string): string {
  return `(${attribute}=*${escapeFilterValue(value)}*)`;
}

export function equalityFilter(attribute: string, value: string): string {
  return `(${attribute}=${escapeFilterValue(value)})`;
}

/** ANDs `base` (the configured user filter) with one clause per free-text word and per field. */
export function directoryFilter(base: string, query: DirectoryQuery, attrs: LdapAttributeMap): string {
  const clauses: string[] = [];
  const textAttributes = [attrs.username, attrs.name, attrs.email, attrs.first, attrs.last, ...(attrs.nick ? [attrs.nick] : [])];
  // Every word must match one of the attributes (as in the built-in directory).
  for (const word of words(query.text)) clauses.push(`(|${textAttributes.map((a) => containsFilter(a, word)).join('')})`);
  const fieldAttribute = { first: attrs.first, last: attrs.last, nick: attrs.nick ?? attrs.name, email: attrs.email };
  for (const f of QUERY_FIELDS) {
    const value = query[f];
    if (value) clauses.push(containsFilter(fieldAttribute[f], value));
  }
  return `(&${base}${clauses.join('')})`;
}
