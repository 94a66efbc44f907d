// A short-lived LDAP connection (RFC 4511) per operation, with the configured timeouts: simple, and
// nothing to keep alive or re-bind after the directory restarts.
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import type { LdapOptions } from './options.js';

/** The directory could not be reached or refused the service account: not the searcher's fault. */
export class LdapUnavailableError extends Error {
  constructor(message: string, cause: unknown) {
    super(`${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'LdapUnavailableError';
  }
}

export function ldapClient(options: LdapOptions): Client {
  return new Client({ url: options.url, timeout: options.timeoutMs, connectTimeout: options.connectTimeoutMs });
}

/** Runs `work` on a fresh connection bound as the service account (or anonymous), then unbinds. */
export async function withServiceBind<T>(options: LdapOptions, work: (client: Client) => Promise<T>): Promise<T> {
  const client = ldapClient(options);
  try {
    if (options.bindDn) await client.bind(options.bindDn, options.bindPassword);
    return await work(client);
  } catch (err) {
    throw new LdapUnavailableError(err instanceof InvalidCredentialsError ? 'the LDAP bindDn/bindPassword were refused' : `LDAP at ${options.url} failed`, err);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** The first value of an attribute, looked up case-insensitively (servers return their own spelling). */
export function attributeValue(entry: Entry, attribute: string): string | undefined {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === wanted);
  if (!key || key === 'dn') return undefined;
  const raw = entry[key];
  const first = Array.isArray(raw) ? raw[0] : raw;
  const value = Buffer.isBuffer(first) ? first.toString('utf8') : first;
  return value?.trim() ? value.trim() : undefined;
}
