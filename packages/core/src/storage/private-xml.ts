// Durable port: XEP-0049 private XML storage — one XML element per user and namespace, readable
// only by that user. DeskChat also keeps each user's last manual presence here (design.md §3),
// so that any client can ask for it with a standard XEP-0049 get.

/** Per-user bounds of private storage (issue #7 §2: one account wrote 117 MB under fresh namespaces). */
export interface PrivateXmlQuota {
  /** Keys (elements) one user may store. */
  maxItems: number;
  /** UTF-8 bytes of all the user's elements together, after this one is stored. */
  maxBytes: number;
}

export interface PrivateXmlStore {
  /** The stored element (serialized XML) for the user under `key` (e.g. `name namespace`); undefined when none. */
  getItem(username: string, key: string): Promise<string | undefined>;
  /**
   * Stores (replacing) the element for the user under `key` unless the user's items would then pass
   * `quota`; returns whether it was stored. The quota check and the write are one atomic step.
   */
  setItem(username: string, key: string, xml: string, quota?: PrivateXmlQuota): Promise<boolean>;
  /** `false` when nothing was stored under `key`. */
  removeItem(username: string, key: string): Promise<boolean>;
  /** Removes everything stored for the user (account removal). */
  removeUser(username: string): Promise<void>;
}
