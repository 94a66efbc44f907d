// Port: everything the server knows about users' presence, in one place (design.md §3–4):
//   - each resource's last undirected available presence (RFC 6121 §4.2, §4.4), also for the
//     server-owned resources of composed presence (their records say what went out last);
//   - directed presence owed an unavailable later (RFC 6121 §4.6.3);
//   - the user's last unavailable presence and when (a probe's answer, XEP-0203 delay);
//   - outside presence sources (the phone's on-call state, the calendar's in-meeting state).
// Available and directed presence are volatile (they die with the session); last seen and the
// sources outlive restarts wherever the backend can keep them (SQLite on one node, Redis with
// persistence in a cluster). Records name the session that wrote them, so that a replaced
// session's late cleanup cannot erase its successor's presence.

/** The `sessionId` of records the server writes for its own resources (composed presence). */
export const SERVER_OWNED = 'server';

export interface AvailableRecord {
  resource: string;
  sessionId: string;
  /** The presence stanza as serialized XML, stamped with the full JID. */
  stanza: string;
}

export interface LastSeen {
  /** The last resource's unavailable presence (serialized XML). */
  stanza: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface PresenceStore {
  /** Records a resource's available presence; returns the stanza it replaces (undefined: this is initial presence). */
  setAvailable(username: string, resource: string, sessionId: string, stanza: string): Promise<string | undefined>;
  /** Forgets a resource's available presence if `sessionId` wrote it; returns what was there (undefined: it was not available). */
  clearAvailable(username: string, resource: string, sessionId: string): Promise<string | undefined>;
  getAvailable(username: string, resource: string): Promise<AvailableRecord | undefined>;
  /** Every available resource of the user (server-owned ones included), in no particular order. */
  availableOf(username: string): Promise<AvailableRecord[]>;

  /** RFC 6121 §4.6.3: `target` got directed available presence from the resource and is owed an unavailable. */
  addDirected(username: string, resource: string, sessionId: string, target: string): Promise<void>;
  removeDirected(username: string, resource: string, sessionId: string, target: string): Promise<void>;
  /** Returns and forgets every target owed an unavailable by the resource's session. */
  takeDirected(username: string, resource: string, sessionId: string): Promise<string[]>;

  setLastSeen(username: string, lastSeen: LastSeen): Promise<void>;
  getLastSeen(username: string): Promise<LastSeen | undefined>;

  /** Sets (or, with undefined, clears) an outside source's state, e.g. ('phone', 'on-call'). */
  setSource(username: string, source: string, state: string | undefined): Promise<void>;
  /** Every outside source of the user with its state. */
  getSources(username: string): Promise<Record<string, string>>;

  /** Account removal: everything kept for the user. */
  removeUser(username: string): Promise<void>;
}
