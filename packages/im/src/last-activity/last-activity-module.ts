// XEP-0012 Last Activity 2.0: how long ago a contact was last connected (§3, "offline user query"),
// answered by the server from the last unavailable presence of the user's last resource (kept
// durably by the presence module, the one RFC 6121 §4.3.2 probes are answered with); the server's
// uptime (§5); and the authorization rule of §8 for both bare and full JIDs.
//
// §8: only an entity allowed to see the user's presence (the user, or an item with a 'from' or
// 'both' subscription in the user's roster) learns anything. Everyone else gets `forbidden`, for a
// bare JID whether or not the account exists (no account enumeration), and for a full JID whether
// or not the resource is connected: that query is not forwarded to the client at all (a client's
// idle-time answer, §4, is for those who may see its presence).
import xml from '@xmpp/xml';
import { StanzaError, iqPayload, type JID } from '@deskchat/protocol';
import type { Module, StanzaEvent } from '@deskchat/core';
import { PRESENCE_SERVICE, type PresenceService } from '../presence/presence-service.js';
import { ROSTER_SERVICE, type RosterService } from '../roster/roster-service.js';
import { hasFrom } from '../roster/subscription-state.js';

export const LAST_ACTIVITY_NS = 'jabber:iq:last';

export interface LastActivityOptions {
  now: () => number;
}

export const DEFAULT_LAST_ACTIVITY_OPTIONS: LastActivityOptions = { now: () => Date.now() };

const notAllowed = () => new StanzaError('forbidden', 'last activity is shown only to contacts subscribed to the presence (XEP-0012 §8)');
const query = (seconds: number, text?: string) => xml('query', { xmlns: LAST_ACTIVITY_NS, seconds: String(Math.max(0, Math.floor(seconds))) }, ...(text ? [text] : []));

export const lastActivityModule: Module<LastActivityOptions> = {
  name: 'last-activity',
  defaults: DEFAULT_LAST_ACTIVITY_OPTIONS,
  setup(api) {
    const presence = api.use<PresenceService>(PRESENCE_SERVICE);
    const rosters = api.use<RosterService>(ROSTER_SERVICE);
    if (!presence || !rosters) throw new Error('the last-activity module needs the roster and presence modules, loaded before it');
    const { now } = api.options;
    const startedAt = now();
    api.discoFeature(LAST_ACTIVITY_NS); // §6

    /** §8: the user, or a contact the user's roster lets see the user's presence. */
    const mayKnow = async (requester: JID, username: string): Promise<boolean> => {
      if (requester.domain === api.domain && requester.local === username) return true;
      const item = await rosters.getItem(username, requester.bare().toString());
      return item !== undefined && hasFrom(item);
    };

    // §5: the server's uptime (this node's: each node of a cluster answers for itself).
    api.iq(LAST_ACTIVITY_NS, 'query', { get: () => query((now() - startedAt) / 1000) }, 'host');

    // §3: answered by the server on the account's behalf (RFC 6121 §8.5.2.1.3).
    api.iq(
      LAST_ACTIVITY_NS,
      'query',
      {
        async get({ from, to }) {
          const username = to.local!;
          if (!(await mayKnow(from, username))) throw notAllowed();
          const seen = await presence.lastSeenOf(username); // undefined while connected, or never seen
          if (seen) return query((now() - seen.at) / 1000, seen.presence.getChildText('status') ?? undefined);
          // §3: connected now (a resource of any node) is 0 seconds.
          if ((await presence.availableResourcesOf(username)).length > 0) return query(0);
          throw new StanzaError('item-not-found', 'this user has not been seen since the server began recording it');
        },
      },
      'account',
    );

    // §8 for full JIDs: refused here, above delivery, so that the resource's existence is not revealed.
    api.hook(
      'iq/full',
      async ({ stanza, from, to }: StanzaEvent) => {
        if (stanza.attrs.type !== 'get' || iqPayload(stanza)?.attrs.xmlns !== LAST_ACTIVITY_NS || !to.local) return false;
        if (await mayKnow(from, to.local)) return false; // delivered to the client, which answers (§4)
        api.router.bounce(stanza, notAllowed());
        return true;
      },
      100,
    );
  },
};
