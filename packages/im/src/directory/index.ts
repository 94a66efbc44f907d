// The directory: XEP-0054 vCards, XEP-0055 search over the built-in directory or LDAP, and the
// optional LDAP password check for sign-in.
export { vcardModule } from './vcard-module.js';
export { searchModule, TEXT_FIELD } from './search-module.js';
export { BuiltinDirectory } from './builtin-directory.js';
export { LdapDirectory, LdapUnavailableError } from './ldap-directory.js';
export { createLdapPasswordVerifier, type PasswordVerifier } from './ldap-password.js';
export { escapeFilterValue } from './ldap-filter.js';
export { extractVCardFields, displayName } from './vcard-fields.js';
export { DIRECTORY_SERVICE, type DirectoryBackend, type DirectoryEntry, type DirectoryQuery } from './directory.js';
export { NS_VCARD, NS_SEARCH, NS_DATA } from './ns.js';
export {
  DEFAULT_LDAP_ATTRIBUTES,
  DEFAULT_LDAP_FILTER,
  DEFAULT_SEARCH_OPTIONS,
  DEFAULT_VCARD_OPTIONS,
  parseLdapOptions,
  parseSearchOptions,
  parseVCardOptions,
  type LdapAttributeMap,
  type LdapOptions,
  type SearchOptions,
  type VCardOptions,
} from './options.js';
