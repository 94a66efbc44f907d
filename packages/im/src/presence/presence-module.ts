// RFC 6121 §3–4: subscriptions (with §3.4 pre-approval) and presence (initial, updates, probes,
// broadcast, directed, unavailable on sign-out and on a broken connection). Needs the roster
// module loaded first: subscription states live in the roster.
import xml from '@xmpp/xml';
import type { Module, ModuleApi, StanzaEvent } from '@deskchat/core';
import { ROSTER_SERVICE, type RosterService } from '../roster/roster-service.js';
import { PresenceBroadcaster } from './broadcaster.js';
import { createPresenceService, PRESENCE_SERVICE } from './presence-service.js';
import { ResourcePresence } from './resource-presence.js';
import { isSubscriptionType, Subscriptions } from './subscriptions.js';

/** RFC 6121 §3.4: the stream feature announcing subscription pre-approval. */
export const PRE_APPROVAL_FEATURE = 'urn:xmpp:features:pre-approval';

export interface PresenceOptions {
  /** The clock for last-seen times (XEP-0203 delay on probe answers); injected by tests. */
  now: () => number;
}

export const DEFAULT_PRESENCE_OPTIONS: PresenceOptions = { now: () => Date.now() };

export const presenceModule: Module<PresenceOptions> = {
  name: 'presence',
  defaults: DEFAULT_PRESENCE_OPTIONS,
  setup(api) {
    const rosters = api.use<RosterService>(ROSTER_SERVICE);
    if (!rosters) throw new Error('the presence module needs the roster module, loaded before it');
    const base = api as ModuleApi<unknown>;
    const broadcaster = new PresenceBroadcaster(base, rosters, api.options.now);
    const subscriptions = new Subscriptions(base, rosters, broadcaster);
    const resources = new ResourcePresence(base, rosters, broadcaster);
    api.provide(PRESENCE_SERVICE, createPresenceService(base, rosters, broadcaster, resources));
    api.streamFeature('post-auth', () => xml('sub', { xmlns: PRE_APPROVAL_FEATURE }));

    // Presence with no 'to' from a client: its own availability (RFC 6121 §4.2, §4.4, §4.5).
    // Other types without a 'to' (probe, subscriptions, error) address nobody and are dropped.
    api.hook('presence/self', async ({ stanza, origin }) => {
      if (!origin?.jid) return true;
      const resource = { jid: origin.jid, sessionId: origin.id };
      if (stanza.attrs.type === undefined) await resources.available(resource, stanza);
      else if (stanza.attrs.type === 'unavailable') await resources.unavailable(resource, stanza);
      return true;
    });

    const addressed = async (event: StanzaEvent): Promise<boolean> => {
      const type = event.stanza.attrs.type;
      if (isSubscriptionType(type)) {
        // From a client: the user's half (outbound); from the server: the contact's half (inbound).
        if (event.origin) await subscriptions.fromClient(event.from, event.to, type, event.stanza);
        else await subscriptions.fromServer(event.from, event.to, type, event.stanza);
        return true;
      }
      // §4.3: probes are the server's business; one from a client is ignored.
      if (type === 'probe') return true;
      // An error to a bare JID has no resource to go to; to a full JID the fallback delivers it.
      if (type === 'error') return !event.to.resource;
      await resources.directed(event);
      return false; // the delivery fallback delivers directed presence (RFC 6121 §8.5)
    };
    api.hook('presence/bare', addressed);
    api.hook('presence/full', addressed);
    api.hook('session/unbound', ({ session }) => resources.unbound({ jid: session.jid!, sessionId: session.id }));
    // A resource of a dead node, taken over by this node (design.md §5): no ghost presence.
    api.hook('session/lost', ({ username, resource, sessionId }) => resources.unbound({ jid: api.jid(username, resource), sessionId }));
    api.hook('roster/item-removed', (removed) => subscriptions.afterRemoval(removed));
  },
};
