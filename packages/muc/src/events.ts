// The hook event the muc module adds to core's typed map (by declaration merging, hook-events.ts):
// the seam for room archives (XEP-0313 in rooms, with XEP-0359 stanza ids), which belong to the
// archive work. A handler stores the message and returns elements (e.g. `<stanza-id by=room/>`)
// that the room adds to every copy it sends and to its history.
import type { Element } from '@xmpp/xml';

export interface MucGroupchat {
  /** The room's bare JID. */
  room: string;
  /** The message as the room sends it (from room/nick, no 'to'). */
  message: Element;
  /** The sender's real full JID. */
  sender: string;
  /** Milliseconds since the epoch. */
  at: number;
}

declare module '@deskchat/core' {
  interface HookEvents {
    /** Collect: a message to all occupants (XEP-0045 §7.4) is about to go out; handlers return elements to add to it. */
    'muc/groupchat': { payload: MucGroupchat; result: Element | Element[] | undefined; item: Element };
  }
}
