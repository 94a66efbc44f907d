// Durable port: XEP-0313 message archives (issue #13). One archive per user (named by the
// username) and one per XEP-0045 room (named by the room's bare JID; a username never holds '@',
// RFC 7622 §3.3.1, so the two never collide). Messages are stored as serialized XML.
//
// Ids: each archive hands out a sequence number `seq` that is strictly increasing per archive and
// close to the time in microseconds: seq = max(at × 1000, last seq + 1). The id a client sees is
// `seq` as 11 base-36 digits followed by 6 random ones (XEP-0313 §5.2 wants ids unpredictable;
// `archiveNonce`): ids sort like their messages and can be turned back into a position without a
// lookup (`archiveSeq`), while only the whole id names a message. Every backend assigns seq
// atomically (Redis in one script), so two nodes archiving for one user never share an id and the
// order is the order in which the messages reached the store.
import { randomInt } from 'node:crypto';

export interface ArchivedMessage {
  id: string;
  /** Milliseconds since the epoch: when it was archived (seq / 1000). */
  at: number;
  /** The whole `<message/>` as XML. */
  stanza: string;
}

export interface NewArchivedMessage {
  /** Milliseconds since the epoch. */
  at: number;
  /**
   * The JIDs a `with` filter finds this message by (XEP-0313 §4.1.1: the peer's bare JID, and its
   * full JID when the peer used one; in a room, the sender's occupant JID). Keys of one peer only:
   * its bare JID, one full JID of it, or both (SQLite keeps them in the message's row).
   */
  with: string[];
  stanza: string;
}

export interface BackgroundAppend {
  id: string;
  stored?: Promise<void>;
}

/** Per-archive bounds applied when a message is added (oldest messages are dropped first). */
export interface ArchiveLimits {
  maxMessages: number;
  /** UTF-8 bytes of all the archive's stanzas together, the new one included. */
  maxBytes: number;
  /** Retention: messages archived before this time (ms) are dropped. */
  expireBefore?: number;
}

export interface ArchiveQuery {
  /** Only messages indexed under this JID (one of `NewArchivedMessage.with`). */
  with?: string;
  /** Only messages archived at or after this time (ms). */
  start?: number;
  /** Only messages archived at or before this time (ms). */
  end?: number;
  /** XEP-0313 extended `after-id` / `before-id`: only messages after / before this id (part of the result set). */
  afterId?: string;
  beforeId?: string;
  /** XEP-0313 extended `ids`: only these messages. */
  ids?: string[];
  /** XEP-0059: the page starts after this id / ends before it (not part of the result set's count). */
  rsmAfter?: string;
  rsmBefore?: string;
  /** XEP-0059 §2.5: the last page (an empty `<before/>`, or with `rsmBefore` the page before it). */
  fromEnd?: boolean;
  /** XEP-0059 §2.6: the page starts at this position of the result set. */
  index?: number;
  max: number;
}

export interface ArchivePage {
  messages: ArchivedMessage[];
  /** Size of the whole result set (the filters, without the RSM bounds). */
  count: number;
  /** Position of the first message in the result set (its RSM `index`). */
  index: number;
  /** No more messages in the paging direction (XEP-0313 §4.3 `complete`). */
  complete: boolean;
}

export type ArchiveDefault = 'always' | 'never' | 'roster';

/** XEP-0313 §6.1 preferences (bare JIDs). */
export interface ArchivePrefs {
  default: ArchiveDefault;
  always: string[];
  never: string[];
}

export interface ArchiveStore {
  /** Adds a message, drops what `limits` no longer allow (oldest first) and returns its id. */
  append(archive: string, message: NewArchivedMessage, limits: ArchiveLimits): Promise<string>;
  /**
   * Optional, for a backend that can hand out the id without a round trip (SQLite: one process
   * writes the file): the id at once, the write after, so that a message need not wait for a
   * commit to be delivered. Every other method sees the append as soon as this returns. A write
   * that fails is reported to `failed`. `stored` is there only when writes are queueing up: the
   * caller waits for it before it adds more (it settles once this append is written or failed).
   */
  appendInBackground?(archive: string, message: NewArchivedMessage, limits: ArchiveLimits, failed: (err: unknown) => void): BackgroundAppend;
  /**
   * One page of the archive, oldest first; undefined when `afterId`, `beforeId`, `rsmAfter` or
   * `rsmBefore` names no message of this archive (XEP-0313 item-not-found).
   */
  query(archive: string, query: ArchiveQuery): Promise<ArchivePage | undefined>;
  /** Drops the messages archived before `before` (ms); returns how many went. */
  expire(archive: string, before: number): Promise<number>;
  /** How many messages and bytes the archive holds. */
  usage(archive: string): Promise<{ messages: number; bytes: number }>;
  /** Preferences of a user (undefined: never set). */
  getPrefs(username: string): Promise<ArchivePrefs | undefined>;
  setPrefs(username: string, prefs: ArchivePrefs): Promise<void>;
  /** Removes one archive (a destroyed room). */
  removeArchive(archive: string): Promise<void>;
  /** Removes the user's archive and preferences (account removal). */
  removeUser(username: string): Promise<void>;
}

const ID_DIGITS = 11;
const NONCE_DIGITS = 6;
/** archiveId writes a seq as two numbers under 2^31: its last LOW_DIGITS base-36 digits, and the rest. */
const LOW_DIGITS = 6;
const LOW_PART = 36 ** LOW_DIGITS;

/** The sortable part of an id: a sequence number as 11 base-36 digits (bounds of range reads). */
export function archiveId(seq: number): string {
  // In two halves: V8's toString(36) of a number past 2^31 takes the floating-point path, ~3× the
  // time of two small ones (two calls per archived message).
  const high = Math.floor(seq / LOW_PART);
  return (high.toString(36) + (seq - high * LOW_PART).toString(36).padStart(LOW_DIGITS, '0')).padStart(ID_DIGITS, '0');
}

/** The random part of a new id. */
export function archiveNonce(): string {
  return randomInt(36 ** NONCE_DIGITS).toString(36).padStart(NONCE_DIGITS, '0');
}

/** The sequence number of an id, or undefined when it is not one of ours. */
export function archiveSeq(id: string): number | undefined {
  if (id.length !== ID_DIGITS + NONCE_DIGITS || !/^[0-9a-z]+$/.test(id)) return undefined;
  const seq = parseInt(id.slice(0, ID_DIGITS), 36);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/** The next sequence number of an archive whose last one is `last` (0: empty). */
export function nextArchiveSeq(at: number, last: number): number {
  return Math.max(Math.floor(at) * 1000, last + 1);
}

/** The time (ms) a sequence number stands for. */
export function archiveTime(seq: number): number {
  return Math.floor(seq / 1000);
}

/**
 * The sequence range [lo, hi] of the result set before RSM (start, end, after-id, before-id), or
 * undefined when an id is not one of ours. Backends then check that the named ids exist.
 */
export function archiveRange(query: ArchiveQuery): { lo: number; hi: number } | undefined {
  let lo = 0;
  let hi = Number.MAX_SAFE_INTEGER;
  if (query.start !== undefined) lo = Math.max(lo, Math.floor(query.start) * 1000);
  if (query.end !== undefined) hi = Math.min(hi, Math.floor(query.end) * 1000 + 999);
  if (query.afterId !== undefined) {
    const seq = archiveSeq(query.afterId);
    if (seq === undefined) return undefined;
    lo = Math.max(lo, seq + 1);
  }
  if (query.beforeId !== undefined) {
    const seq = archiveSeq(query.beforeId);
    if (seq === undefined) return undefined;
    hi = Math.min(hi, seq - 1);
  }
  return { lo, hi };
}

/** The ids a query names that must exist in the archive. */
export function namedArchiveIds(query: ArchiveQuery): string[] {
  return [query.afterId, query.beforeId, query.rsmAfter, query.rsmBefore].filter((id): id is string => id !== undefined);
}

/**
 * The result set of a query as a backend reads it: sequence numbers in order, read by range, so
 * that a page costs a range read (Redis ZRANGE … LIMIT, an SQLite index range) and never a scan.
 */
export interface ArchiveSetReader {
  /** How many of the set's messages have a sequence number in [lo, hi]. */
  count(lo: number, hi: number): Promise<number>;
  /** The ids of the set's messages in [lo, hi], ascending, after skipping `offset`, at most `limit`. */
  ascending(lo: number, hi: number, offset: number, limit: number): Promise<string[]>;
  /** The ids of the set's last (highest) `limit` messages in [lo, hi], descending. */
  descending(lo: number, hi: number, limit: number): Promise<string[]>;
}

/** A reader over ids already in memory, in ascending order. */
export function arraySetReader(ids: string[]): ArchiveSetReader {
  const within = (lo: number, hi: number) =>
    ids.filter((id) => {
      const s = archiveSeq(id)!;
      return s >= lo && s <= hi;
    });
  return {
    count: async (lo, hi) => within(lo, hi).length,
    ascending: async (lo, hi, offset, limit) => within(lo, hi).slice(offset, offset + limit),
    descending: async (lo, hi, limit) => within(lo, hi).reverse().slice(0, limit),
  };
}

/**
 * One page of the result set [lo, hi] of `reader` after RSM (XEP-0059): forward from the start,
 * after `rsmAfter` or from `index`; backward (`fromEnd`) from the end or before `rsmBefore`. The
 * named ids must already be known to exist.
 */
export async function pageOf(reader: ArchiveSetReader, range: { lo: number; hi: number }, query: ArchiveQuery): Promise<{ ids: string[]; count: number; index: number; complete: boolean }> {
  const { lo, hi } = range;
  const after = query.rsmAfter === undefined ? undefined : archiveSeq(query.rsmAfter)!;
  const before = query.rsmBefore === undefined ? undefined : archiveSeq(query.rsmBefore)!;
  const pageLo = after === undefined ? lo : Math.max(lo, after + 1);
  const pageHi = before === undefined ? hi : Math.min(hi, before - 1);
  const max = Math.max(0, Math.floor(query.max));
  const count = lo > hi ? 0 : await reader.count(lo, hi);
  if (query.fromEnd) {
    const to = before === undefined ? count : await reader.count(lo, Math.min(hi, before - 1));
    const ids = max === 0 || pageLo > pageHi ? [] : (await reader.descending(pageLo, pageHi, max)).reverse();
    const index = to - ids.length;
    return { ids, count, index, complete: index === 0 };
  }
  let from: number;
  let offset = 0;
  if (after !== undefined) from = after < lo ? 0 : await reader.count(lo, Math.min(hi, after));
  else if (before === undefined && query.index !== undefined) from = offset = Math.min(count, Math.max(0, Math.floor(query.index)));
  else from = 0;
  const ids = max === 0 || pageLo > pageHi ? [] : await reader.ascending(pageLo, pageHi, offset, max);
  return { ids, count, index: from, complete: from + ids.length === count };
}
