// Port: XEP-0198 resumable streams (§5), shared by every node (design.md §4–5). What a stream
// that enabled resumption needs in order to continue on any node after its connection — or its
// node — died: the SM-ID, the bound session it belongs to (full JID and session id), the node
// serving it, both counters and the stanzas sent to the client and not yet acknowledged.
//
// Ownership: every record carries an `epoch`. The node serving the stream writes with the epoch it
// holds; a resumption `claim`s the record (epoch + 1, its own node), after which the former holder's
// writes are refused — that is how a node learns that its session continues elsewhere. `claim` and
// `end` are compare-and-set on the epoch, so a resumption racing the resumption timeout (or a second
// resumption) has exactly one winner.
//
// Counters are XEP-0198 §4 sequence numbers, unsigned 32-bit and wrapping (2^32 − 1 → 0).
// Stanzas are serialized XML; the i-th of `unacked` (from 0) is outbound stanza number
// acked + i + 1 (mod 2^32). The store does not bound the queue: the serving node does
// (limits.maxOutputBytes) before it pushes.
//
// Write volume: one `push` per stanza sent to the client, one `setInbound` per stanza from it (the
// caller coalesces those waiting), one `ack` per <a/>; a stanza is written to the client only once
// its `push` resolved, so a backend's latency adds to delivery latency on resumable streams.
//
// What a Redis backend does (@deskchat/redis RedisStreamResumptionStore; the contract suite is the
// specification):
//   - one record per SM-ID (a hash for the fields and a list for `unacked`) under one hash tag,
//     and a per-node index of SM-IDs for `ofNode` (kept in step by `create`, `claim`, `end`);
//   - every write compares the epoch atomically (a Lua script, or WATCH/MULTI): `push` RPUSH,
//     `ack` LTRIM of (h − acked) mod 2^32 entries, `claim` checks username, epoch and
//     expiresAt > now then bumps the epoch, moves the node set entry and clears the expiry; `end`
//     returns and deletes;
//   - a TTL, so that records of a dead node that nobody claims or ends do not stay forever: a
//     little past `expiresAt` once hibernated (the timeout plus a grace, so that the holder's
//     expiry or a takeover can still `end` it and route what it held), and something generous (a
//     day, renewed by writes) while a stream is attached. A takeover of a dead node should leave its sessions that have a live
//     record to stream management (they may be resumed on the pair peer) and, once the record
//     lapses or a claim fails, end them as usual (unavailable, what `unacked` held to the router).

export interface ResumableStream {
  /** The SM-ID given to the client in `<enabled id/>`: opaque, random, never reused. */
  id: string;
  username: string;
  resource: string;
  /** The bound session (Session.id, the directory entry's sessionId); it stays the same across resumptions. */
  sessionId: string;
  /** The node serving the stream (or holding it hibernated). */
  node: string;
  /** Bumped by each claim; writes carrying an older epoch are refused. */
  epoch: number;
  /** The resumption timeout (seconds) promised in `<enabled max/>`. */
  maxSeconds: number;
  /** Stanzas handled from the client: the `h` the server reports (mod 2^32). */
  inbound: number;
  /** The client's last `h`: outbound stanzas it acknowledged (mod 2^32). */
  acked: number;
  /** Stanzas sent to the client and not acknowledged, oldest first (serialized XML). */
  unacked: string[];
  /** While no connection is attached ("hibernated"): when it can no longer be resumed (ms since the epoch). */
  expiresAt?: number;
}

export interface ClaimRequest {
  /** Only the user who enabled it may resume a stream (anyone else: as if it did not exist). */
  username: string;
  /** The epoch the claimer read; a record claimed or ended since then is not claimed again. */
  epoch: number;
  /** The node taking the stream over. */
  node: string;
  /** The claimer's clock: a hibernated record whose `expiresAt` is not after it is not claimed. */
  now: number;
}

export interface StreamResumptionStore {
  /** Records a stream that enabled resumption (`epoch` as given, normally 0). */
  create(stream: ResumableStream): Promise<void>;
  get(id: string): Promise<ResumableStream | undefined>;
  /** Appends a stanza sent to the client; false when `epoch` no longer holds the record (claimed or ended). */
  push(id: string, epoch: number, stanza: string): Promise<boolean>;
  /** The client acknowledged up to `h`: drops (h − acked) mod 2^32 stanzas from the front (at most all) and keeps `h`. */
  ack(id: string, epoch: number, h: number): Promise<boolean>;
  /** The server has handled `h` stanzas from the client. */
  setInbound(id: string, epoch: number, h: number): Promise<boolean>;
  /** The connection is gone: resumable until `expiresAt`. */
  hibernate(id: string, epoch: number, expiresAt: number): Promise<boolean>;
  /**
   * Takes the stream over for a resumption, atomically: only for its user, only if the epoch is
   * still `epoch` and it has not expired. Returns the record as it is now (epoch + 1, the new
   * node, no expiry), or undefined.
   */
  claim(id: string, request: ClaimRequest): Promise<ResumableStream | undefined>;
  /** Removes the record if `epoch` still holds it, returning what it held (its unacknowledged stanzas go back to the router); undefined otherwise. */
  end(id: string, epoch: number): Promise<ResumableStream | undefined>;
  /** Every record a node serves or holds hibernated (what a takeover of a dead node looks at). */
  ofNode(node: string): Promise<ResumableStream[]>;
}
