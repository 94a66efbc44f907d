// Durable port: XEP-0163 Personal Eventing Protocol — each account's PEP nodes (XEP-0060 nodes
// named by namespace: avatars, bookmarks, mood, tune, geolocation, …), their configuration and
// their published items, plus the XEP-0115 capabilities cache (verification string → features),
// which every node of a cluster shares so that a client's caps are queried once.
//
// Writes of one user are serialized by the caller (the PEP module holds the per-user lock
// `pep:<user>` of core's LockService), so a read followed by a write needs no atomicity here.

/** XEP-0060 §4.5 access models this server implements for PEP nodes. */
export type PepAccessModel = 'presence' | 'open' | 'whitelist';

/** A node's configuration (XEP-0060 §16.4 pubsub#node_config fields the server implements). */
export interface PepNodeConfig {
  /** pubsub#access_model. */
  accessModel: PepAccessModel;
  /** pubsub#max_items: items kept, the oldest dropped first. */
  maxItems: number;
  /** pubsub#persist_items: whether items are kept at all (false: only notified). */
  persistItems: boolean;
  /** pubsub#notify_retract: retractions are notified to subscribers. */
  notifyRetract: boolean;
  /** pubsub#send_last_published_item: when a newly interested resource gets the last item. */
  sendLastPublishedItem: 'never' | 'on_sub' | 'on_sub_and_presence';
  /**
   * pubsub#publish_model, only on nodes of the pubsub.<domain> service (never on PEP nodes, whose
   * owner alone publishes): 'publishers' = the service's administrators, 'open' = any local account.
   */
  publishModel?: 'publishers' | 'open';
}

export interface PepNode {
  node: string;
  config: PepNodeConfig;
}

export interface PepItem {
  /** The item id (XEP-0060 §7.1.2: the service assigns one when the publisher did not). */
  id: string;
  /** The item's payload element as XML (the `<item/>`'s one child). */
  xml: string;
  /** The publisher's full JID. */
  publisher: string;
  /** Milliseconds since the epoch. */
  publishedAt: number;
}

export interface PepStore {
  /** The user's nodes in code-point order of their names (empty when none). */
  listNodes(username: string): Promise<PepNode[]>;
  getNode(username: string, node: string): Promise<PepNode | undefined>;
  /** Creates or reconfigures a node (its items stay; over `config.maxItems` the oldest go). */
  setNode(username: string, node: string, config: PepNodeConfig): Promise<void>;
  /** Deletes a node and its items; returns whether it existed. */
  deleteNode(username: string, node: string): Promise<boolean>;
  /**
   * Stores an item as the node's newest: an item with the same id is replaced (and becomes the
   * newest, XEP-0060 §7.1.2); past the node's `maxItems` the oldest items go. The node must exist.
   */
  publishItem(username: string, node: string, item: PepItem): Promise<void>;
  /** The node's items, newest first; at most `max` of them. */
  getItems(username: string, node: string, max?: number): Promise<PepItem[]>;
  /** Removes an item; returns whether it existed. */
  retractItem(username: string, node: string, id: string): Promise<boolean>;
  /** Removes every item of a node (XEP-0060 §8.5), keeping the node. */
  purgeNode(username: string, node: string): Promise<void>;
  /** Every node and item of the user (account removal). */
  removeUser(username: string): Promise<void>;
  /** XEP-0115 cache: the features a verified verification string (`hash ver`) stands for. */
  getCaps(key: string): Promise<string[] | undefined>;
  /** Records a verified verification string's features (the first record wins; it never changes). */
  setCaps(key: string, features: string[]): Promise<void>;
}
