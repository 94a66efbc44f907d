// The LDAP user directory for XEP-0055 search (used instead of the built-in one when configured):
// an RFC 4511 search under baseDn with the configured user filter ANDed with RFC 4515-escaped
// substring clauses, mapped to directory entries by the configured attribute names.
import { isValidUsername, normalizeUsername, silentLogger, type Logger } from '@deskchat/core';
import type { DirectoryBackend, DirectoryEntry, DirectoryQuery } from './directory.js';
import { attributeValue, withServiceBind } from './ldap-client.js';
import { directoryFilter } from './ldap-filter.js';
import type { LdapOptions } from './options.js';

export { LdapUnavailableError } from './ldap-client.js';

export class LdapDirectory implements DirectoryBackend {
  constructor(
    private readonly options: LdapOptions,
    private readonly log: Logger = silentLogger,
  ) {}

  async search(query: DirectoryQuery, limit: number): Promise<DirectoryEntry[]> {
    const { attributes: map, baseDn } = this.options;
    const filter = directoryFilter(this.options.filter, query, map);
    const wanted = [map.username, map.name, map.email, map.first, map.last, ...(map.nick ? [map.nick] : [])];
    const { searchEntries } = await withServiceBind(this.options, (client) =>
      client.search(baseDn, {
        scope: 'sub',
        filter,
        attributes: wanted,
        // The server stops at the limit (sizeLimitExceeded still returns what was found).
        sizeLimit: limit,
        timeLimit: Math.ceil(this.options.timeoutMs / 1000),
      }),
    );
    const entries: DirectoryEntry[] = [];
    for (const raw of searchEntries) {
      const uid = attributeValue(raw, map.username);
      // An entry without a usable username has no JID to show.
      if (!uid || !isValidUsername(uid)) {
        this.log.debug({ dn: raw.dn }, 'LDAP entry skipped: no valid username attribute');
        continue;
      }
      const username = normalizeUsername(uid);
      const entry: DirectoryEntry = { username, name: attributeValue(raw, map.name) ?? username };
      const first = attributeValue(raw, map.first);
      const last = attributeValue(raw, map.last);
      const nick = map.nick ? attributeValue(raw, map.nick) : undefined;
      const email = attributeValue(raw, map.email);
      if (first) entry.first = first;
      if (last) entry.last = last;
      if (nick) entry.nick = nick;
      if (email) entry.email = email;
      entries.push(entry);
    }
    return entries.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)).slice(0, limit);
  }
}
