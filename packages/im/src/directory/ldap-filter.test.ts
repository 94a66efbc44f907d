// RFC 4515 filter building: escaping of assertion values and the shape of directory filters.
import { describe, expect, it } from '@jest/globals';
import { containsFilter, directoryFilter, equalityFilter, escapeFilterValue } from './ldap-filter.js';
import { DEFAULT_LDAP_ATTRIBUTES } from './options.js';

describe('escapeFilterValue (RFC 4515 §3)', () => {
  it('escapes *, (, ), \\ and NUL as \\2a \\28 \\29 \\5c \\00', () => {
    expect(escapeFilterValue('a*b(c)d\\e\0f')).toBe('a\\2ab\\28c\\29d\\5ce\\00f');
  });

  it('leaves other characters, non-ASCII included, as they are', () => {
    expect(escapeFilterValue('Zoë O\'Brien-Ñandú & co = 1')).toBe("Zoë O'Brien-Ñandú & co = 1");
  });

  it('turns an injection attempt into a literal value', () => {
    expect(equalityFilter('uid', '*)(uid=*')).toBe('(uid=\\2a\\29\\28uid=\\2a)');
    expect(containsFilter('cn', '*)(')).toBe('(cn=*\\2a\\29\\28*)');
  });
});

describe('directoryFilter', () => {
  const base = '(objectClass=inetOrgPerson)';

  it('ANDs the base filter with one OR clause per free-text word over every mapped attribute', () => {
    expect(directoryFilter(base, { text: 'ali x' }, DEFAULT_LDAP_ATTRIBUTES)).toBe(
      '(&(objectClass=inetOrgPerson)' +
        '(|(uid=*ali*)(cn=*ali*)(mail=*ali*)(givenName=*ali*)(sn=*ali*))' +
        '(|(uid=*x*)(cn=*x*)(mail=*x*)(givenName=*x*)(sn=*x*)))',
    );
  });

  it('maps the legacy fields to their attributes; nick falls back to the name attribute', () => {
    expect(directoryFilter(base, { first: 'A', last: 'B', nick: 'C', email: 'D' }, DEFAULT_LDAP_ATTRIBUTES)).toBe(
      '(&(objectClass=inetOrgPerson)(givenName=*A*)(sn=*B*)(cn=*C*)(mail=*D*))',
    );
    expect(directoryFilter(base, { nick: 'C' }, { ...DEFAULT_LDAP_ATTRIBUTES, nick: 'displayName' })).toBe(
      '(&(objectClass=inetOrgPerson)(displayName=*C*))',
    );
  });
});
