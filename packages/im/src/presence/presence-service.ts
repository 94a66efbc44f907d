// The presence service other modules use (provided as `presence`): who is subscribed to whom
// (RFC 6121 §2.1.2.5, §3), what a resource last said (§4.3.2), and a way to publish a user's
// presence to subscribers. Composed presence (design.md §3) is built on it: see events.ts.
import type { Element } from '@xmpp/xml';
import { parseJid, withAttrs, type JID } from '@deskchat/protocol';
import type { Core } from '@deskchat/core';
import type { RosterService } from '../roster/roster-service.js';
import { hasTo } from '../roster/subscription-state.js';
import { resourceState, type PresenceBroadcaster } from './broadcaster.js';

export const PRESENCE_SERVICE = 'presence';

export interface AvailableResource {
  jid: JID;
  /** Its last undirected available presence. */
  presence: Element;
  /** The priority it gave (RFC 6121 §4.7.2.3), as core uses for delivery. */
  priority: number;
}

export interface PresenceService {
  /** The last undirected available presence of a connected resource of this node; undefined when unavailable or unknown. */
  lastPresenceOf(fullJid: JID | string): Element | undefined;
  /** The user's available resources on this node, with their presence. */
  availableResourcesOf(username: string): AvailableResource[];
  /** The last unavailable presence of the user's last resource and when (since this node started); undefined while available or unknown. */
  lastSeenOf(username: string): { presence: Element; at: number } | undefined;
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
}

export function createPresenceService(core: Core, rosters: RosterService, broadcaster: PresenceBroadcaster): PresenceService {
  const bareOf = (jid: JID | string): string | undefined => (typeof jid === 'string' ? parseJid(jid) : jid)?.bare().toString();
  const itemOf = async (username: string, contact: JID | string) => {
    const jid = bareOf(contact);
    return jid === undefined ? undefined : rosters.getItem(username, jid);
  };
  return {
    lastPresenceOf(fullJid) {
      const jid = typeof fullJid === 'string' ? parseJid(fullJid) : fullJid;
      const session = jid ? core.router.sessionFor(jid) : undefined;
      return session ? resourceState(session).available : undefined;
    },
    availableResourcesOf(username) {
      return broadcaster.availableSessions(username).map((s) => ({
        jid: s.jid!,
        presence: resourceState(s).available!,
        priority: clampPriority(resourceState(s).available!.getChildText('priority')),
      }));
    },
    lastSeenOf(username) {
      return broadcaster.availableSessions(username).length > 0 ? undefined : broadcaster.lastSeenOf(username);
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
      const stanzas = stanza
        ? [withAttrs(stanza, { to: undefined })]
        : broadcaster.availableSessions(username).map((s) => resourceState(s).available!);
      if (stanzas.length > 0) await broadcaster.broadcast(username, stanzas);
    },
  };
}

/** RFC 6121 §4.7.2.3: an integer −128..127, 0 when absent or not a number. */
function clampPriority(text: string | null): number {
  const n = Number(text ?? 0);
  return Number.isInteger(n) ? Math.max(-128, Math.min(127, n)) : 0;
}
