// The hook event this folder adds to core's typed map (by declaration merging, hook-events.ts).
import type { Element } from '@xmpp/xml';
import type { JID } from '@deskchat/protocol';
import type { Resource, Session } from '@deskchat/core';

/**
 * A chat or normal message passed through the IM delivery rules. `recipients` are the full JIDs
 * that got the original (on any node): empty when it went on to the fallback (offline storage, or
 * an error for an unknown or unreachable user). Carbons (XEP-0280 §7–8) copy it to everyone else.
 */
export interface RoutedMessage {
  stanza: Element;
  from: JID;
  to: JID;
  /** The local session that sent it, when a client of this node did. */
  origin?: Session;
  recipients: JID[];
  /**
   * Every resource of the recipient's user as the delivery rules read them from the session
   * directory just before, when they did: carbons take the §7 copies from it instead of reading
   * the directory again (in a cluster, a Redis round trip per message).
   */
  recipientResources?: Resource[];
}

declare module '@deskchat/core' {
  interface HookEvents {
    /** Notify: a chat/normal message was delivered to `recipients` (or handed on to the fallback). */
    'message/routed': { payload: RoutedMessage; result: void };
  }
}
