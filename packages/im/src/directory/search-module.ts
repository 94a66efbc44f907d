// XEP-0055 Jabber Search, answered by the server itself at its domain (no search.<domain>
// component): the legacy fields (first, last, nick, email, §2.1) and a XEP-0004 data form with
// FORM_TYPE jabber:iq:search (§3) whose free-text field searches name, username and e-mail.
// Backend: the built-in directory (accounts + XEP-0054 vCards), or LDAP when configured.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import type { Module } from '@deskchat/core';
import { BuiltinDirectory } from './builtin-directory.js';
import { form, field, formTypeField, readSubmittedForm, resultForm, type FormField } from './data-form.js';
import { DIRECTORY_SERVICE, QUERY_FIELDS, normalizeQuery, type DirectoryBackend, type DirectoryEntry, type DirectoryQuery } from './directory.js';
import { LdapDirectory, LdapUnavailableError } from './ldap-directory.js';
import { NS_DATA, NS_SEARCH } from './ns.js';
import { DEFAULT_SEARCH_OPTIONS, type SearchOptions } from './options.js';

/** The free-text field of the data form: DeskChat's own, beside the registered ones (XEP-0055 §6.2). */
export const TEXT_FIELD = 'search';

const LABELS = { first: 'Given Name', last: 'Family Name', nick: 'Nickname', email: 'Email Address' } as const;
const INSTRUCTIONS = 'Enter part of a name, username or e-mail address to find users of this server.';

const REPORTED: FormField[] = [
  { var: 'jid', type: 'jid-single', label: 'JID' },
  { var: 'name', type: 'text-single', label: 'Name' },
  ...QUERY_FIELDS.map((v): FormField => ({ var: v, type: 'text-single', label: LABELS[v] })),
];

function searchForm(): Element {
  return xml(
    'query',
    { xmlns: NS_SEARCH },
    xml('instructions', {}, INSTRUCTIONS),
    ...QUERY_FIELDS.map((f) => xml(f)),
    form('User Directory Search', INSTRUCTIONS, [
      formTypeField(NS_SEARCH),
      field({ var: TEXT_FIELD, type: 'text-single', label: 'Name, username or e-mail' }),
      ...QUERY_FIELDS.map((v) => field({ var: v, type: 'text-single', label: LABELS[v] })),
    ]),
  );
}

/** Legacy item (§2.1): the schema requires all four children; <nick/> falls back to the display name, the only name field there is. */
function legacyItem(entry: DirectoryEntry, domain: string): Element {
  return xml(
    'item',
    { jid: `${entry.username}@${domain}` },
    xml('first', {}, entry.first ?? ''),
    xml('last', {}, entry.last ?? ''),
    xml('nick', {}, entry.nick ?? entry.name),
    xml('email', {}, entry.email ?? ''),
  );
}

function formRow(entry: DirectoryEntry, domain: string): Record<string, string | undefined> {
  return { jid: `${entry.username}@${domain}`, name: entry.name, first: entry.first, last: entry.last, nick: entry.nick, email: entry.email };
}

export const searchModule: Module<SearchOptions> = {
  name: 'search',
  defaults: DEFAULT_SEARCH_OPTIONS,
  setup(api) {
    const { maxResults, ldap } = api.options;
    const backend: DirectoryBackend = ldap ? new LdapDirectory(ldap, api.log) : new BuiltinDirectory(api.stores);
    api.provide<DirectoryBackend>(DIRECTORY_SERVICE, backend);
    api.discoFeature(NS_SEARCH);

    const search = async (query: DirectoryQuery): Promise<DirectoryEntry[]> => {
      try {
        return await backend.search(query, maxResults);
      } catch (err) {
        if (!(err instanceof LdapUnavailableError)) throw err;
        api.log.warn({ err: err.cause, url: ldap?.url }, 'LDAP directory search failed');
        throw new StanzaError('internal-server-error', 'the LDAP directory could not be searched; try again later', { type: 'wait' });
      }
    };

    api.iq(NS_SEARCH, 'query', {
      get: () => searchForm(),
      async set({ payload, from }) {
        // The directory lists this server's users to this server's users only.
        if (!from.local || from.domain !== api.domain) throw new StanzaError('forbidden', 'sign in to search the user directory');
        const x = payload.getChild('x', NS_DATA);
        const raw: DirectoryQuery = {};
        if (x) {
          const values = readSubmittedForm(x, NS_SEARCH);
          raw.text = values.get(TEXT_FIELD);
          for (const f of QUERY_FIELDS) raw[f] = values.get(f);
        } else {
          for (const f of QUERY_FIELDS) raw[f] = payload.getChildText(f) ?? undefined;
        }
        const query = normalizeQuery(raw);
        // RFC 6120 §8.3.3.9 not-acceptable: the request does not meet the server's criteria.
        if (!query) throw new StanzaError('not-acceptable', 'fill in at least one search field (XEP-0055 §2.1)');
        const entries = await search(query);
        if (x) return xml('query', { xmlns: NS_SEARCH }, resultForm(NS_SEARCH, REPORTED, entries.map((e) => formRow(e, api.domain))));
        return xml('query', { xmlns: NS_SEARCH }, ...entries.map((e) => legacyItem(e, api.domain)));
      },
    });
  },
};
