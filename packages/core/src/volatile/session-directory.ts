// Volatile port: the session directory (design.md §4–5). Which node holds each bound full JID,
// and the facts routing needs about it (RFC 6121 §8.5: availability and priority; XEP-0280
// carbons; RFC 6121 §2.1.6 roster interest). The directory is the source of truth for delivery:
// a node's local session registry only says which of those sessions are its own.
//
// Every entry carries the id of the stream that bound it. A session replaced by a newer one with
// the same full JID (RFC 6120 §7.7.2.2) must not, when it finally goes, remove or change its
// successor's entry: `update` and `unregister` name the session they speak for.
import type { TransportKind } from '../transport.js';

export interface DirectoryEntry {
  username: string;
  resource: string;
  /** The stream that bound this resource (Session.id). */
  sessionId: string;
  /** The node that holds the stream. */
  node: string;
  transport: TransportKind;
  /** Initial presence sent and no unavailable since (RFC 6121 §4.2, §4.5). */
  isAvailable: boolean;
  /** The priority of its last undirected presence (RFC 6121 §4.7.2.3), 0 before any. */
  priority: number;
  /** XEP-0280 carbons enabled. */
  carbons: boolean;
  /** RFC 6121 §2.1.6: the resource asked for the roster, so it receives roster pushes. */
  interested: boolean;
  /** Milliseconds since the epoch. */
  boundAt: number;
  /** What another node needs to continue the session if this one dies (the BOSH sid), when it can be continued. */
  resumeId?: string;
}

/** The fields of an entry a session changes after binding. */
export type EntryFlags = Partial<Pick<DirectoryEntry, 'isAvailable' | 'priority' | 'carbons' | 'interested' | 'resumeId'>>;

export interface RegisterRules {
  /** RFC 6120 §7.6.2.1: bound resources per user, across the cluster. */
  maxPerUser: number;
  /** RFC 6120 §7.7.2.2: a bind to a resource in use replaces the holder, or is refused. */
  onConflict: 'replace' | 'refuse';
}

export type RegisterResult =
  | { status: 'registered'; replaced?: DirectoryEntry }
  | { status: 'conflict'; holder: DirectoryEntry }
  | { status: 'limit' };

export interface DirectoryReadOptions {
  /**
   * The caller takes a copy that may lag the shared directory by the time an invalidation takes to
   * reach this node (about a round trip; this node's own writes never lag): what a read made that
   * much earlier would have returned. For message routing and carbons, which read every
   * message's resources. Routing re-reads fresh before it concludes that no resource takes a
   * message (or that a full JID's is gone), so the lag never sends a message to offline storage
   * or back as an error; a resource bound within it may miss one forked copy or carbon, as it
   * would a message routed that instant earlier. Directories without a cache ignore it.
   */
  mayBeCached?: boolean;
}

export interface SessionDirectory {
  /**
   * Adds a bound resource, atomically with its checks: a resource in use is replaced (the old
   * entry is returned so that its node can close it) or refused; past `maxPerUser` (not counting
   * a replaced entry) nothing changes.
   */
  register(entry: DirectoryEntry, rules: RegisterRules): Promise<RegisterResult>;
  /** Changes flags (or the resume id) of the entry, if it still belongs to `sessionId`; false when it does not. */
  update(username: string, resource: string, sessionId: string, flags: EntryFlags): Promise<boolean>;
  /** Removes the entry, if it still belongs to `sessionId` (and, given `node`, is still held there); false when it does not. */
  unregister(username: string, resource: string, sessionId: string, node?: string): Promise<boolean>;
  /** The session continues on another node (a BOSH session adopted after its node died): its entry moves there. */
  move(username: string, resource: string, sessionId: string, node: string): Promise<boolean>;
  get(username: string, resource: string): Promise<DirectoryEntry | undefined>;
  /** Every bound resource of the user, on any node. */
  resourcesOf(username: string, options?: DirectoryReadOptions): Promise<DirectoryEntry[]>;
  /** Every entry held by a node (what a takeover cleans up when the node dies). */
  entriesOfNode(node: string): Promise<DirectoryEntry[]>;
}
