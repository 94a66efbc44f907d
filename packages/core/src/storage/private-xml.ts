// Durable port: XEP-0049 private XML storage — one XML element per user and namespace, readable
// only by that user. DeskChat also keeps each user's last manual presence here (design.md §3),
// so that any client can ask for it with a standard XEP-0049 get.

export interface PrivateXmlStore {
  /** The stored element (serialized XML) for the user under `key` (e.g. `name namespace`); undefined when none. */
  getItem(username: string, key: string): Promise<string | undefined>;
  /** Stores (replacing) the element for the user under `key`. */
  setItem(username: string, key: string, xml: string): Promise<void>;
  /** `false` when nothing was stored under `key`. */
  removeItem(username: string, key: string): Promise<boolean>;
  /** Removes everything stored for the user (account removal). */
  removeUser(username: string): Promise<void>;
}
