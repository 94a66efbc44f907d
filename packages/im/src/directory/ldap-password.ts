// Optional LDAP password check for sign-in (design.md §2 "optional LDAP bind for password check"):
// find the user's entry with the service account, then simple-bind as its DN with the offered
// password (RFC 4513 §5.1.3). Only a mechanism that sees the password (SASL PLAIN) can use this;
// SCRAM (RFC 5802) needs stored keys derived from the password, which an LDAP-only user lacks.
import { InvalidCredentialsError } from 'ldapts';
import { LdapUnavailableError, ldapClient, withServiceBind } from './ldap-client.js';
import { equalityFilter } from './ldap-filter.js';
import type { LdapOptions } from './options.js';

/** true: the password is right; false: wrong password or no such user; throws LdapUnavailableError when LDAP cannot answer. */
export type PasswordVerifier = (username: string, password: string) => Promise<boolean>;

export function createLdapPasswordVerifier(options: LdapOptions): PasswordVerifier {
  return async (username, password) => {
    // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an "unauthenticated" bind
    // that many servers report as success. It must never count as a right password.
    if (password === '' || username === '') return false;
    const filter = `(&${options.filter}${equalityFilter(options.attributes.username, username)})`;
    const { searchEntries } = await withServiceBind(options, (client) =>
      client.search(options.baseDn, { scope: 'sub', filter, attributes: ['1.1'], sizeLimit: 2 }),
    );
    // No entry, or an ambiguous username: nobody to sign in as.
    if (searchEntries.length !== 1) return false;
    const client = ldapClient(options);
    try {
      await client.bind(searchEntries[0].dn, password);
      return true;
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return false;
      throw new LdapUnavailableError(`LDAP at ${options.url} failed`, err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };
}
