// Directory options: defaults and parse errors that name the key (conventions §8).
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_LDAP_ATTRIBUTES, parseLdapOptions, parseSearchOptions, parseVCardOptions } from './options.js';

describe('directory options', () => {
  it('defaults to a 64 KB vCard limit, 50 results and the built-in directory', () => {
    expect(parseVCardOptions(undefined)).toEqual({ maxBytes: 65536 });
    expect(parseSearchOptions(undefined)).toEqual({ maxResults: 50 });
  });

  it('fills in the LDAP defaults: inetOrgPerson filter, uid/cn/mail/givenName/sn, 5 s timeouts', () => {
    expect(parseLdapOptions({ url: 'ldap://ldap.example.com:389', baseDn: 'ou=people,dc=example,dc=com' })).toEqual({
      url: 'ldap://ldap.example.com:389',
      baseDn: 'ou=people,dc=example,dc=com',
      filter: '(objectClass=inetOrgPerson)',
      attributes: DEFAULT_LDAP_ATTRIBUTES,
      timeoutMs: 5000,
      connectTimeoutMs: 5000,
    });
  });

  it('takes an attribute map and a bind DN with its password', () => {
    const parsed = parseSearchOptions({
      maxResults: '20',
      ldap: { url: 'ldaps://dc1', baseDn: 'dc=x', bindDn: 'cn=svc,dc=x', bindPassword: 'pw', attributes: { username: 'sAMAccountName', nick: 'displayName' } },
    });
    expect(parsed.maxResults).toBe(20);
    expect(parsed.ldap).toMatchObject({ bindDn: 'cn=svc,dc=x', bindPassword: 'pw', attributes: { username: 'sAMAccountName', nick: 'displayName', name: 'cn' } });
  });

  it('names the offending key in errors', () => {
    expect(() => parseVCardOptions({ maxBytes: 10 })).toThrow('vcard.maxBytes: must be an integer');
    expect(() => parseSearchOptions({ maxResults: 0 })).toThrow('search.maxResults: must be an integer');
    expect(() => parseSearchOptions({ ldap: { url: 'http://x', baseDn: 'dc=x' } })).toThrow('search.ldap.url: must be an ldap:// or ldaps:// URL');
    expect(() => parseLdapOptions({ url: 'ldap://x', baseDn: 'dc=x', filter: 'objectClass=person' })).toThrow('search.ldap.filter: must be an RFC 4515 filter');
    expect(() => parseLdapOptions({ url: 'ldap://x', baseDn: 'dc=x', attributes: { email: 'mail)(x' } })).toThrow('search.ldap.attributes.email');
    expect(() => parseLdapOptions({ url: 'ldap://x' })).toThrow('search.ldap.baseDn');
  });

  it('refuses a bindDn without a password: that bind would be unauthenticated (RFC 4513 §5.1.2)', () => {
    expect(() => parseLdapOptions({ url: 'ldap://x', baseDn: 'dc=x', bindDn: 'cn=svc,dc=x' })).toThrow('search.ldap.bindPassword: is required');
  });
});
