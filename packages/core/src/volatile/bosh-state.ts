// Port: the state of BOSH sessions that outlives the node serving them (design.md §5, issue
// "Failover": a BOSH session continues on the pair peer with nothing lost or duplicated). Memory
// for Cores sharing one process; Redis in a cluster. A single node runs without it.
//
// Per session (its sid): what was negotiated, where the rid sequence stands, the responses the
// client may still ask for again (XEP-0124 §14.3, trimmed by acks §9.2), and the outbox — stanzas
// for the client not yet sent in a response. A stanza enters the outbox before anything else may
// consider it delivered, and leaves it in the same step that records the response carrying it;
// a node that dies at any moment leaves either the stanza in the outbox or the response recorded,
// so the node that adopts the session sends it exactly once.

export interface BoshParamsRecord {
  firstRid: number;
  wait: number;
  hold: number;
  requests: number;
  inactivity: number;
  polling: number;
  maxPause: number;
  ver?: string;
  contentType: string;
  isAckEnabled: boolean;
  isSecure: boolean;
}

export interface BoshStateRecord {
  sid: string;
  /** The node serving it now. */
  node: string;
  username: string;
  resource: string;
  /** The core session's id (the owner of its directory entry and presence records). */
  sessionId: string;
  streamId: string;
  params: BoshParamsRecord;
  /** XEP-0124 §15: the hash the next key must match, when the client uses keys. */
  expectedKey?: string;
  /** The highest rid processed (every lower one too). */
  highestRid: number;
  /** The last request or response, in ms: with `inactivity`, when an orphan may be ended. */
  lastActivity: number;
}

export interface BoshOutboxEntry {
  seq: number;
  xml: string;
}

export interface BoshResponseRecord {
  rid: number;
  body: string;
  sentAt: number;
}

export interface BoshState {
  record: BoshStateRecord;
  /** Responses not acknowledged yet, by rid. */
  responses: BoshResponseRecord[];
  /** Stanzas not sent yet, oldest first. */
  outbox: BoshOutboxEntry[];
}

/** What moves with every processed request or sent response. */
export interface BoshProgress {
  highestRid: number;
  expectedKey?: string;
  lastActivity: number;
}

export interface BoshStateStore {
  /** Creates or replaces the record (when the session binds). */
  save(record: BoshStateRecord): Promise<void>;
  load(sid: string): Promise<BoshState | undefined>;
  /** Appends stanzas for the client, in order; their sequence numbers ([] when the session is gone). */
  append(sid: string, xml: string[]): Promise<number[]>;
  /** Outbox entries after `seq` (what others appended since this node last looked). */
  outboxAfter(sid: string, seq: number): Promise<BoshOutboxEntry[]>;
  /** A request with payloads is being processed: a resend of it must not process them again. */
  received(sid: string, progress: BoshProgress): Promise<void>;
  /** A response goes out: recorded for its rid, the entries in it (`seqs`) leave the outbox, in one step. */
  responded(sid: string, response: BoshResponseRecord, seqs: number[], progress: BoshProgress): Promise<void>;
  /** §9.2: the client has every response up to `rid`. */
  acknowledge(sid: string, rid: number): Promise<void>;
  /** Moves the session from node `from` to `to` (adoption); false when it is not on `from` any more. */
  claim(sid: string, from: string, to: string): Promise<boolean>;
  remove(sid: string): Promise<void>;
  /** The sids of the sessions a node serves (a dead node's orphans). */
  sessionsOf(node: string): Promise<string[]>;
}
