// RFC 6121 §2 roster management (get, set, remove, pushes to interested resources) with XEP-0237
// / RFC 6121 §2.6 versioning and the contact-list limit. Subscription stanzas are the presence
// module's; removing an item hands the notices of §2.5.2 to it through 'roster/item-removed'.
import xml from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import type { Module, ModuleApi } from '@deskchat/core';
import './events.js';
import { DEFAULT_ROSTER_OPTIONS, parseRosterOptions, type RosterOptions } from './options.js';
import { readRosterSet, rosterQuery } from './roster-xml.js';
import { ROSTER_SERVICE, RosterService } from './roster-service.js';
import { removalNotices } from './subscription-state.js';

/** XEP-0237 §2 / RFC 6121 §2.6.1: the stream feature that announces roster versioning. */
export const ROSTER_VERSIONING_FEATURE = 'urn:xmpp:features:rosterver';

export const rosterModule: Module<RosterOptions> = {
  name: 'roster',
  defaults: DEFAULT_ROSTER_OPTIONS,
  setup(api) {
    const options = parseRosterOptions(api.options as unknown as Record<string, unknown>);
    const rosters = new RosterService(api as ModuleApi<unknown>, options);
    api.provide(ROSTER_SERVICE, rosters);
    api.streamFeature('post-auth', () => xml('ver', { xmlns: ROSTER_VERSIONING_FEATURE }));

    api.iq(
      NS.ROSTER,
      'query',
      {
        // RFC 6121 §2.2 roster get; §2.6.3 a client at the current version gets an empty result
        // and later changes as pushes; any other 'ver' gets the whole roster.
        async get({ from, payload, isOwnAccount, origin }) {
          if (!isOwnAccount) throw new StanzaError('forbidden', "only the account's own resources may read its roster");
          if (origin) await rosters.markInterested(origin);
          const roster = await rosters.getRoster(from.local);
          if (payload.attrs.ver !== undefined && payload.attrs.ver === String(roster.version)) return undefined;
          return rosterQuery(roster.items, roster.version);
        },

        // RFC 6121 §2.3 add, §2.4 update, §2.5 remove. The push reaches every interested
        // resource before the result reaches the sender.
        async set({ from, payload, isOwnAccount }) {
          if (!isOwnAccount) throw new StanzaError('forbidden', 'a roster set from another entity is not authorized (RFC 6121 §2.3.3)');
          const username = from.local;
          const request = readRosterSet(payload, from, options);
          if (request.action === 'update') {
            await rosters.exclusive(username, () => rosters.updateItem(username, request));
            return undefined;
          }
          if (!(await removeItem(username, request.jid))) throw new StanzaError('item-not-found', 'no such item in the roster (RFC 6121 §2.5.3)');
          return undefined;
        },
      },
      'account',
    );

    /** RFC 6121 §2.5: removes an item; false when there was none. */
    async function removeItem(username: string, jid: string): Promise<boolean> {
      const removed = await rosters.exclusive(username, () => rosters.removeItem(username, jid));
      if (!removed) return false;
      // Outside the exclusive section: the presence module tells the contact, whose roster changes under its own lock.
      await api.notify('roster/item-removed', { username, item: removed.item!, state: removed.state, notices: removalNotices(removed.state) });
      return true;
    }

    // An account being removed leaves its contacts as if its client had removed every item
    // (§2.5.2: each contact's subscription cancelled, with a push and unavailable presence) and
    // declined every request still unanswered, so that no contact keeps a subscription that a new
    // account with the same name would inherit.
    api.hook('account/removing', async ({ username }) => {
      for (const { jid } of (await rosters.getRoster(username)).items) await removeItem(username, jid);
      const user = api.jid(username).toString();
      for (const { jid } of await api.stores.roster.getRequests(username)) await api.router.route(xml('presence', { type: 'unsubscribed', from: user, to: jid }));
    });
  },
};
