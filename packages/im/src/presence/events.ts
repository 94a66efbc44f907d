// The hook event the presence module adds to core's typed map (by declaration merging, hook-events.ts).
// It is the seam for composed presence (design.md §3): whatever leaves the server as "the presence
// of user X" to subscribers and to X's own resources passes through it first.
import type { Element } from '@xmpp/xml';
import type { JID } from '@deskchat/protocol';

export type PresenceBroadcastReason =
  /** A resource's undirected presence changed (initial, update, unavailable, disconnect), or PresenceService.broadcastFor. */
  | 'broadcast'
  /** The user's current presence for someone who just gained the right to see it: a probe answer (RFC 6121 §4.3.2) or a new subscriber (§3.1.5). */
  | 'snapshot'
  /** Unavailable for a contact whose subscription was cancelled (RFC 6121 §3.2.2). */
  | 'revoke';

export interface PresenceBroadcast {
  username: string;
  reason: PresenceBroadcastReason;
  /** The resource whose own presence triggered a 'broadcast', and whether it was its initial presence (absent for the other reasons and for broadcastFor). */
  trigger?: { resource: JID; isInitial: boolean };
  /**
   * The stanzas to send, each `from` a full JID of the user (`to` is set per recipient afterwards).
   * Handlers may replace, add or remove entries (e.g. add the composed presence from a
   * server-owned resource); whatever the array holds after the dispatch is sent.
   */
  stanzas: Element[];
}

declare module '@deskchat/core' {
  interface HookEvents {
    /** Dispatch (priority order; true stops later handlers): edit a user's outgoing presence before it is sent. */
    'presence/pre-broadcast': { payload: PresenceBroadcast; result: boolean | void | undefined };
    /** Notify: `subscriber` (a bare JID) may now see `username`'s presence (RFC 6121 §3.1.5), after the owner's presence was sent to it (e.g. PEP's last items, XEP-0163). */
    'presence/subscriber-added': { payload: { username: string; subscriber: string }; result: void };
  }
}
