// Durable port: XEP-0191 block lists — per user, the JIDs (full, bare, domain/resource or domain,
// normalized strings) with which the user blocks all communication. Read on every routing
// decision that involves the user, from whichever node routes it, so a cluster keeps it in Redis.

export interface BlockListStore {
  /** The user's blocked JIDs in code-point order (empty when none). */
  getBlockList(username: string): Promise<string[]>;
  /**
   * Adds the JIDs (already present ones are no change) unless the list would then hold more than
   * `maxItems`; returns whether they were added. The check and the write are one atomic step.
   */
  block(username: string, jids: string[], maxItems?: number): Promise<boolean>;
  /** Removes the JIDs that are on the list; the others are no change. */
  unblock(username: string, jids: string[]): Promise<void>;
  /** Empties the user's list (XEP-0191 §3.4 "unblock all", and account removal). */
  removeUser(username: string): Promise<void>;
}
