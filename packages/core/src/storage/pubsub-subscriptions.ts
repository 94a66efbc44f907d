// Durable port: the explicit subscriptions (XEP-0060 §6.1) of the publish-subscribe service on
// pubsub.<domain> (the im package's pubsub module). Its nodes and items are in the PepStore under an
// owner key that no account can have (a localpart cannot contain '@'); only who is subscribed to
// which node lives here. A subscriber is a JID of a local account, bare or full, as the account
// subscribed it; subscriptions are indexed by that JID's bare form too, for XEP-0060 §5.6.
//
// Writes are serialized by the caller (the pubsub module holds a cluster-wide lock), so a read
// followed by a write needs no atomicity here.

/** One subscription: `jid` (bare or full) is subscribed to `node`. */
export interface PubsubSubscription {
  node: string;
  jid: string;
}

export interface PubsubSubscriptionStore {
  /** Records that `jid` is subscribed to `node`; returns whether it is new (false: it already was). */
  subscribe(node: string, jid: string): Promise<boolean>;
  /** Removes a subscription; returns whether it existed. */
  unsubscribe(node: string, jid: string): Promise<boolean>;
  /** The JIDs subscribed to `node`, in code-point order (empty when none). */
  subscribersOf(node: string): Promise<string[]>;
  /** Every subscription of `bareJid` and of its full JIDs, ordered by node then JID (code points). */
  subscriptionsOf(bareJid: string): Promise<PubsubSubscription[]>;
  /** Removes every subscription to `node` (the node was deleted, XEP-0060 §8.4). */
  removeNode(node: string): Promise<void>;
}

/** The bare form of a JID string (the resource starts at the first '/': RFC 7622 §3.1). */
export const subscriptionBareOf = (jid: string): string => {
  const slash = jid.indexOf('/');
  return slash < 0 ? jid : jid.slice(0, slash);
};
