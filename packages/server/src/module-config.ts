// The config sections of the IM modules, parsed with each module's own parser (conventions §8),
// and the optional LDAP password check for sign-in.
import { OptionsError, checkBoolean } from '@deskchat/core';
import {
  parseArchiveOptions,
  parseBlockingOptions,
  parsePepOptions,
  parsePubsubOptions,
  parseMessageDeliveryOptions,
  parseOfflineOptions,
  parsePrivateXmlOptions,
  parseRosterOptions,
  parseSearchOptions,
  parseVCardOptions,
  type LdapOptions,
} from '@deskchat/im';

export interface ModuleConfig {
  /** Options per module name, passed to `core.load`. */
  modules: Record<string, Record<string, unknown>>;
  /** When set, passwords are checked by an LDAP bind (and only PLAIN is offered). */
  ldapAuth?: LdapOptions;
}

export const MODULE_SECTIONS = ['roster', 'offline', 'messaging', 'vcard', 'search', 'auth', 'privateXml', 'blocking', 'mam', 'pep', 'pubsub'] as const;

type Raw = Record<string, unknown> | undefined;

/** `domain`: the server's domain (the pubsub section's `admins` are accounts of it). */
export function parseModuleConfig(raw: Record<string, Raw>, domain: string): ModuleConfig {
  const search = parseSearchOptions(raw.search, 'search');
  const auth = raw.auth ?? {};
  for (const key of Object.keys(auth)) if (key !== 'ldap') throw new OptionsError(`auth.${key}`, 'unknown setting');
  const isLdapAuth = auth.ldap === undefined ? false : checkBoolean('auth.ldap', auth.ldap);
  if (isLdapAuth && !search.ldap) throw new OptionsError('auth.ldap', 'needs search.ldap (the directory to bind against)');
  const modules: ModuleConfig['modules'] = {
    roster: { ...parseRosterOptions(raw.roster, 'roster') },
    offline: { ...parseOfflineOptions(raw.offline, 'offline') },
    'message-delivery': { ...parseMessageDeliveryOptions(raw.messaging, 'messaging') },
    vcard: { ...parseVCardOptions(raw.vcard, 'vcard') },
    search: { ...search },
    'private-xml': { ...parsePrivateXmlOptions(raw.privateXml, 'privateXml') },
    blocking: { ...parseBlockingOptions(raw.blocking, 'blocking') },
    mam: { ...parseArchiveOptions(raw.mam, 'mam') },
    pep: { ...parsePepOptions(raw.pep, 'pep') },
    pubsub: { ...parsePubsubOptions(raw.pubsub, domain, 'pubsub') },
  };
  return { modules, ...(isLdapAuth ? { ldapAuth: search.ldap } : {}) };
}
