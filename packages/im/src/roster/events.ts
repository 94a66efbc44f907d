// The hook event the roster module adds to core's typed map (by declaration merging, hook-events.ts).
import type { RosterItem } from '@deskchat/core';
import type { SubscriptionState, SubscriptionType } from './subscription-state.js';

export interface RosterItemRemoved {
  username: string;
  /** The item as it was before the removal. */
  item: RosterItem;
  /** The whole subscription state it had, including a pending inbound request. */
  state: SubscriptionState;
  /** What RFC 6121 §2.5.2 requires be sent to the contact (the presence module sends it). */
  notices: SubscriptionType[];
}

declare module '@deskchat/core' {
  interface HookEvents {
    /** Notify: a user removed a roster item (RFC 6121 §2.5); fired after the push, before the IQ result. */
    'roster/item-removed': { payload: RosterItemRemoved; result: void };
  }
}
