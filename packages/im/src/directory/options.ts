// Options of the directory modules (XEP-0054 vCards, XEP-0055 search, LDAP backend): types,
// defaults and parsers that name the offending key (conventions §8).
import { OptionsError, checkInteger } from '@deskchat/core';

export interface VCardOptions {
  /** Largest stored vCard, in UTF-8 bytes of its XML (PHOTO is the usual bulk). */
  maxBytes: number;
}

/** LDAP attribute names for each directory field. */
export interface LdapAttributeMap {
  username: string;
  name: string;
  email: string;
  first: string;
  last: string;
  /** Optional: with none, a nickname search matches the name attribute. */
  nick?: string;
}

export interface LdapOptions {
  /** ldap:// or ldaps:// URL (RFC 4516 scheme, host and port only). */
  url: string;
  /** DN to bind as for searches; anonymous when absent. */
  bindDn?: string;
  bindPassword?: string;
  /** Where users live (searched with scope sub). */
  baseDn: string;
  /** RFC 4515 filter that selects user entries, ANDed with every search. */
  filter: string;
  attributes: LdapAttributeMap;
  /** Per-operation time limit (bind, search). */
  timeoutMs: number;
  /** TCP connect time limit. */
  connectTimeoutMs: number;
}

export interface SearchOptions {
  /** Most results one search returns. */
  maxResults: number;
  /** When set, search this LDAP directory instead of the built-in one (accounts + vCards). */
  ldap?: LdapOptions;
}

export const DEFAULT_VCARD_OPTIONS: VCardOptions = { maxBytes: 64 * 1024 };
export const DEFAULT_SEARCH_OPTIONS: SearchOptions = { maxResults: 50 };
export const DEFAULT_LDAP_ATTRIBUTES: LdapAttributeMap = { username: 'uid', name: 'cn', email: 'mail', first: 'givenName', last: 'sn' };
export const DEFAULT_LDAP_FILTER = '(objectClass=inetOrgPerson)';

type Input = Record<string, unknown> | undefined;

function section(key: string, value: unknown): Input {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionsError(key, 'must be an object');
  return value as Record<string, unknown>;
}

function checkString(key: string, value: unknown, pattern?: RegExp, hint?: string): string {
  if (typeof value !== 'string' || value.trim() === '' || (pattern && !pattern.test(value))) {
    throw new OptionsError(key, `must be ${hint ?? 'a non-empty string'} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** An LDAP attribute description (RFC 4512 §2.5: a descriptor or an OID). */
const ATTRIBUTE = /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)$/;

export function parseVCardOptions(raw: Input, prefix = 'vcard'): VCardOptions {
  const r = raw ?? {};
  return { maxBytes: checkInteger(`${prefix}.maxBytes`, r.maxBytes ?? DEFAULT_VCARD_OPTIONS.maxBytes, 1024, 16 * 1024 * 1024) };
}

export function parseLdapOptions(raw: Input, prefix = 'search.ldap'): LdapOptions {
  const key = (k: string) => `${prefix}.${k}`;
  const r = raw ?? {};
  const url = checkString(key('url'), r.url, /^ldaps?:\/\/[^/?#\s]+\/?$/i, 'an ldap:// or ldaps:// URL with host and port only');
  const bindDn = r.bindDn === undefined ? undefined : checkString(key('bindDn'), r.bindDn);
  const bindPassword = r.bindPassword === undefined ? undefined : checkString(key('bindPassword'), r.bindPassword);
  if (bindDn !== undefined && bindPassword === undefined) {
    // An empty password would make the bind an unauthenticated one (RFC 4513 §5.1.2), silently anonymous.
    throw new OptionsError(key('bindPassword'), 'is required when bindDn is set');
  }
  const filter = checkString(key('filter'), r.filter ?? DEFAULT_LDAP_FILTER, /^\(.*\)$/s, 'an RFC 4515 filter in parentheses');
  const a = section(key('attributes'), r.attributes) ?? {};
  const attributes = { ...DEFAULT_LDAP_ATTRIBUTES };
  for (const field of ['username', 'name', 'email', 'first', 'last', 'nick'] as const) {
    if (a[field] !== undefined) attributes[field] = checkString(key(`attributes.${field}`), a[field], ATTRIBUTE, 'an LDAP attribute name');
  }
  return {
    url,
    ...(bindDn !== undefined ? { bindDn, bindPassword } : {}),
    baseDn: checkString(key('baseDn'), r.baseDn),
    filter,
    attributes,
    timeoutMs: checkInteger(key('timeoutMs'), r.timeoutMs ?? 5000, 100, 120_000),
    connectTimeoutMs: checkInteger(key('connectTimeoutMs'), r.connectTimeoutMs ?? 5000, 100, 120_000),
  };
}

export function parseSearchOptions(raw: Input, prefix = 'search'): SearchOptions {
  const r = raw ?? {};
  const ldap = section(`${prefix}.ldap`, r.ldap);
  return {
    maxResults: checkInteger(`${prefix}.maxResults`, r.maxResults ?? DEFAULT_SEARCH_OPTIONS.maxResults, 1, 1000),
    ...(ldap ? { ldap: parseLdapOptions(ldap, `${prefix}.ldap`) } : {}),
  };
}
