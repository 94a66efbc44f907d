// The presence service other modules use (provided as `presence`): who is subscribed to whom
// (RFC 6121 §2.1.2.5, §3), what a resource last said (§4.3.2), and a way to publish a user's
// presence to subscribers. Composed presence (design.md §3) is built on it: see events.ts.
// Every answer comes from the shared stores, so it is the same on every node.
import type { Element } from '@xmpp/xml';
import { parseJid, withAttrs, type JID } from '@deskchat/protocol';
import { clampPriority, type ModuleApi } from '@deskchat/core';
import type { RosterService } from '../roster/roster-service.js';
import { hasTo } from '../roster/subscription-state.js';
import type { PresenceBroadcaster } from './broadcaster.js';
import type { ResourcePresence } from './resource-presence.js';

export const PRESENCE_SERVICE = 'presence';

export interface AvailableResource {
  jid: JID;
  /** Its last undirected available presence. */
  presence: Element;
  /** The priority it gave (RFC 6121 §4.7.2.3), as core uses for delivery. */
  priority: number;
}

export interface PresenceService {
  /** The last undirected available presence of a connected resource; undefined when unavailable or unknown. */
  lastPresenceOf(fullJid: JID | string): Promise<Element | undefined>;
  /** The user's available resources, on any node, with their presence (server-owned resources excluded). */
  availableResourcesOf(username: string): Promise<AvailableResource[]>;
  /** The last unavailable presence of the user's last resource and when; undefined while available or unknown. */
  lastSeenOf(username: string): Promise<{ presence: Element; at: number } | undefined>;
  /** The user's presence as a probe is answered now (after 'presence/pre-broadcast' with reason 'snapshot'). */
  currentPresenceOf(username: string): Promise<Element[]>;
  /** Bare JIDs allowed to see the user's presence: roster items with 'from' or 'both'. */
  subscribersOf(username: string): Promise<JID[]>;
  /** Whether the user has a subscription to the contact's presence ('to' or 'both' in the user's roster). */
  isSubscribed(username: string, contact: JID | string): Promise<boolean>;
  /** Whether the contact (bare JID) is an item of the user's roster, whatever its subscription. */
  isInRoster(username: string, contact: JID | string): Promise<boolean>;
  /**
   * Sends the user's presence to every subscriber and to the user's own available resources,
   * through 'presence/pre-broadcast' (reason 'broadcast'). With `stanza` (whose `from` is a full
   * JID of the user, e.g. a server-owned resource) that stanza is published; without, each
   * available resource's last presence is sent again (e.g. after a composition input changed).
   */
  broadcastFor(username: string, stanza?: Element): Promise<void>;
  /**
   * A bound resource is gone without its session having ended here (its node died, design.md §5):
   * its presence ends as if the connection had broken (unavailable to subscribers, directed presence).
   */
  endResource(jid: JID, sessionId: string): Promise<void>;
}

export function createPresenceService(api: ModuleApi<unknown>, rosters: RosterService, broadcaster: PresenceBroadcaster, resources: ResourcePresence): PresenceService {
  const bareOf = (jid: JID | string): string | undefined => (typeof jid === 'string' ? parseJid(jid) : jid)?.bare().toString();
  const itemOf = async (username: string, contact: JID | string) => {
    const jid = bareOf(contact);
    return jid === undefined ? undefined : rosters.getItem(username, jid);
  };
  const availableResourcesOf = async (username: string): Promise<AvailableResource[]> =>
    (await broadcaster.availablePresence(username)).map((presence) => ({
      jid: parseJid(presence.attrs.from)!,
      presence,
      priority: clampPriority(presence.getChildText('priority')),
    }));
  return {
    async lastPresenceOf(fullJid) {
      const jid = typeof fullJid === 'string' ? parseJid(fullJid) : fullJid;
      if (!jid?.local || !jid.resource) return undefined;
      return (await availableResourcesOf(jid.local)).find((r) => r.jid.equals(jid))?.presence;
    },
    availableResourcesOf,
    async lastSeenOf(username) {
      if ((await broadcaster.availableResources(username)).length > 0) return undefined;
      const seen = await api.presence.getLastSeen(username);
      return seen && { presence: broadcaster.read(seen.stanza), at: seen.at };
    },
    currentPresenceOf: (username) => broadcaster.snapshot(username),
    async subscribersOf(username) {
      return (await broadcaster.subscribers(username)).map((jid) => parseJid(jid)!);
    },
    async isSubscribed(username, contact) {
      const item = await itemOf(username, contact);
      return item !== undefined && hasTo(item);
    },
    async isInRoster(username, contact) {
      return (await itemOf(username, contact)) !== undefined;
    },
    async broadcastFor(username, stanza) {
      const stanzas = stanza ? [withAttrs(stanza, { to: undefined })] : await broadcaster.availablePresence(username);
      if (stanzas.length > 0) await broadcaster.broadcast(username, stanzas);
    },
    endResource: (jid, sessionId) => resources.unbound({ jid, sessionId }),
  };
}
