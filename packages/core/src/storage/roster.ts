// Durable port: RFC 6121 §2 rosters with their XEP-0237 / RFC 6121 §2.6 version, the subscription
// state of each item (RFC 6121 Appendix A) and the inbound subscription requests a user has not
// answered yet (RFC 6121 §3.1.3: kept, and delivered again at each sign-in, until answered).

/** RFC 6121 §2.1.2.5: the 'subscription' attribute of a stored item. */
export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  /** The contact's bare JID, normalised (lower-case localpart and domain). */
  jid: string;
  /** The display name (RFC 6121 §2.1.2.4); absent when the user set none. */
  name?: string;
  /** Group names in the order the client gave them (RFC 6121 §2.1.2.6); empty: no group. */
  groups: string[];
  subscription: Subscription;
  /** ask='subscribe' (RFC 6121 §2.1.2.2): the user asked for the contact's presence and awaits an answer ("Pending Out"). */
  isPendingOut: boolean;
  /** approved='true' (RFC 6121 §2.1.2.1, §3.4): the user pre-approved the contact's subscription request. */
  isPreApproved: boolean;
}

/** A roster and the version it is at (0: never changed). */
export interface Roster {
  version: number;
  /** Ordered by JID (Unicode code point order). */
  items: RosterItem[];
}

/** An inbound subscription request the user has not answered ("Pending In", RFC 6121 §3.1.3). */
export interface SubscriptionRequest {
  /** The requester's bare JID. */
  jid: string;
  /** The whole `<presence type='subscribe'/>` as XML (it may carry a status or a nickname), to deliver again. */
  stanza?: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
}

export interface RosterStore {
  /** The user's items and version; an empty roster at version 0 for a user who has none. */
  getRoster(username: string): Promise<Roster>;
  getItem(username: string, jid: string): Promise<RosterItem | undefined>;
  countItems(username: string): Promise<number>;
  /** The roster version: it increases with every change of an item (RFC 6121 §2.6.1). */
  getVersion(username: string): Promise<number>;
  /**
   * Adds or replaces the item for `item.jid` and returns the new roster version. A new item is
   * refused (nothing changes, `undefined` is returned) when the roster already holds `maxItems`;
   * the count check and the insert are one atomic step.
   */
  setItem(username: string, item: RosterItem, maxItems?: number): Promise<number | undefined>;
  /** Removes the item; returns the new version, or `undefined` (version unchanged) when there was none. */
  removeItem(username: string, jid: string): Promise<number | undefined>;
  /** Unanswered requests, oldest first. */
  getRequests(username: string): Promise<SubscriptionRequest[]>;
  getRequest(username: string, jid: string): Promise<SubscriptionRequest | undefined>;
  /** Records (replacing any earlier one from the same JID) an unanswered request. Does not change the roster version. */
  setRequest(username: string, request: SubscriptionRequest): Promise<void>;
  /** `false` when there was no request from that JID. */
  removeRequest(username: string, jid: string): Promise<boolean>;
  /** Removes the user's roster, version and requests (account removal). */
  removeUser(username: string): Promise<void>;
}
