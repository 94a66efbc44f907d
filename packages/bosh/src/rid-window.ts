// XEP-0124 §14 request ids for one session: the window of acceptable rids (§14.2), in-order
// processing, and the buffer of sent responses that a repeated rid gets again (§14.3), trimmed by
// the client's acknowledgements (§9.2). Pure: no I/O, no timers; the caller passes the time.
import { flatString } from '@deskchat/core';
import { buildBody } from './body-writer.js';
import { REPORT_AFTER_MS } from './constants.js';

/** What to do with a request, by its rid. */
export type RidVerdict =
  /** The next rid in sequence: process it now. */
  | 'next'
  /** Inside the window but a lower rid is missing: keep it until the gap is filled (§14.2). */
  | 'ahead'
  /** Already answered and the answer is buffered: send the same bytes again (§14.3). */
  | 'cached'
  /** Already received and not yet answered (held or waiting for a gap): the new HTTP request takes its place. */
  | 'pending'
  /** Beyond the window, or answered so long ago that the answer is gone: item-not-found (§14.2, §14.3). */
  | 'unknown';

export interface CachedResponse {
  readonly body: string;
  readonly sentAt: number;
}

/** A buffered response and its rid. */
export interface Cached extends CachedResponse {
  readonly rid: number;
}

/**
 * A response kept for a resend as its attributes and payload, the body made again if it is asked
 * for: the sign-in's responses stay buffered until a few `wait` periods later on an idle session,
 * and the `<body/>` around each is ~60 characters more per response on every session.
 */
class BufferedResponse implements Cached {
  constructor(
    readonly rid: number,
    readonly sentAt: number,
    /** Undefined when `text` is a whole body (one recorded by another node). */
    private readonly attrs: string | undefined,
    private readonly text: string,
  ) {}

  get body(): string {
    return this.attrs === undefined ? this.text : buildBody(this.attrs, this.text);
  }
}

/**
 * Stream features (RFC 6120 §4.3.2) are the same text for every session of a node at the same step
 * of its negotiation: buffered once for all of them, not once per session until later responses
 * replace them (~450 characters each after authentication). A few variants at most; bounded.
 */
const FEATURES = '<stream:features';
const sharedFeatures = new Map<string, string>();
function sharedText(payload: string): string {
  if (!payload.startsWith(FEATURES)) return payload;
  const known = sharedFeatures.get(payload);
  if (known !== undefined) return known;
  if (sharedFeatures.size < 32) sharedFeatures.set(payload, payload);
  return payload;
}

export class RidWindow {
  /** The highest rid received with every lower one received too (§9.1 `ack`). */
  highest: number;
  /**
   * Buffered responses in rid order, and rids received but not answered. Small arrays, not a Map and
   * a Set: a session holds one to three of each, and an idle node holds thousands of sessions. They
   * are replaced by `concat`, which sizes the new array exactly (a push or a spread gives a small
   * array room for 17 or more).
   */
  private cache: BufferedResponse[] = [];
  private unanswered: number[];
  /**
   * After a session moved nodes, the client may be up to a window further than the recorded rid
   * (requests answered while earlier payloads were still being handled): accepted until the
   * window has caught up.
   */
  private restoredSlack = 0;
  private restoredAt = 0;

  /**
   * @param firstRid the rid of the session creation request (already received)
   * @param size the number of simultaneous requests allowed (`requests`): the window and the buffer size
   */
  constructor(
    firstRid: number,
    readonly size: number,
  ) {
    this.highest = firstRid;
    this.unanswered = [firstRid];
  }

  /**
   * Continuing a session on another node (issue "Failover"): where the rids stand, the responses
   * the client may ask for again, and — when the last processed rid has no response yet — that rid
   * as received and unanswered, so that its resend is held rather than processed again.
   */
  restore(highest: number, responses: readonly Cached[], pending: readonly number[]): void {
    this.highest = highest;
    this.restoredSlack = this.size;
    this.restoredAt = highest;
    this.cache = responses.map((r) => new BufferedResponse(r.rid, r.sentAt, undefined, r.body)).sort((a, b) => a.rid - b.rid);
    this.unanswered = pending.slice();
  }

  classify(rid: number): RidVerdict {
    if (this.unanswered.includes(rid)) return 'pending';
    if (this.cached(rid)) return 'cached';
    if (rid <= this.highest || rid > this.highest + this.size + this.restoredSlack) return 'unknown';
    return rid === this.highest + 1 ? 'next' : 'ahead';
  }

  /** A new rid arrived (`next` or `ahead`). */
  receive(rid: number): void {
    if (!this.unanswered.includes(rid)) this.unanswered = this.unanswered.concat([rid]);
  }

  /** The rid is being processed in order; `highest` moves up to it. */
  advance(rid: number): void {
    this.highest = rid;
    // After a session moved nodes: a response recorded for a later rid (a poll answered while an
    // earlier request's payloads were still being handled) was already received.
    while (this.cached(this.highest + 1)) this.highest++;
    if (this.restoredSlack > 0 && this.highest >= this.restoredAt + this.size) this.restoredSlack = 0;
    this.dropUnaskable();
  }

  /**
   * §14.3: a client with at most `size` requests open that has sent `highest` (and every rid below
   * it) has every response up to `highest - size`: it cannot ask for them again. On an idle session
   * this keeps one response instead of a full window. Not right after a move between nodes, whose
   * window is wider for a while.
   */
  private dropUnaskable(): void {
    if (this.restoredSlack === 0) this.acknowledge(this.highest - this.size);
  }

  /**
   * The response to `rid` — `buildBody(attrs, payload)` — was sent; it is buffered unless it must not
   * be (pause responses, §14.3).
   */
  answered(rid: number, attrs: string, payload: string, now: number, isBuffered = true): void {
    this.forget(rid);
    if (!isBuffered) return;
    // Kept flat: a serialised stanza is a tree of pieces until something reads it whole.
    this.cache = this.cache.concat([new BufferedResponse(rid, now, flatString(attrs), sharedText(flatString(payload)))]);
    if (this.cache.length > 1 && this.cache[this.cache.length - 2].rid > rid) this.cache.sort((a, b) => a.rid - b.rid);
    // At most a window and one more (a response may be answered before `advance` reaches its rid).
    if (this.cache.length > this.size + 1) this.cache.shift();
    this.dropUnaskable();
  }

  /** A received rid that will never be answered (its connection closed long ago): a resend is 'unknown'. */
  forget(rid: number): void {
    const i = this.unanswered.indexOf(rid);
    if (i >= 0) this.unanswered.splice(i, 1);
  }

  cached(rid: number): CachedResponse | undefined {
    for (const c of this.cache) if (c.rid === rid) return c;
    return undefined;
  }

  /** §9.2: the client has every response up to `ack`; they need not be kept. */
  acknowledge(ack: number): void {
    let n = 0;
    while (n < this.cache.length && this.cache[n].rid <= ack) n++;
    if (n > 0) this.cache = this.cache.slice(n);
  }

  /**
   * §9.2: after an `ack` below a response sent a while ago, tell the client which response it seems
   * to have missed (`report`) and how long ago it was sent (`time`, ms), so that it can resend that request.
   */
  report(ack: number, now: number): { report: number; time: number } | undefined {
    const missed = this.cached(ack + 1);
    if (!missed || now - missed.sentAt < REPORT_AFTER_MS) return undefined;
    return { report: ack + 1, time: now - missed.sentAt };
  }
}
