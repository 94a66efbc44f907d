// XEP-0198 §4 (acks), §5 (the resumable state of one stream) and §7 (unfinished streams) for one
// session, after <enable/> or a successful <resume/>.
//
// Everything it writes goes through one ordered queue (`tail`): a stanza is written to the client
// only after it is in the StreamResumptionStore, so that whatever the client may have read can be
// sent again from any node; an <a/> only after the inbound count it reports is stored. Counters are
// assigned when a stanza is handed over (in order), never when it is written.
//
// A write refused by the store means that another stream resumed this session (it claimed the
// record): this stream stops writing and forwards what it still had to the new holder.
import type { Element } from '@xmpp/xml';
import { NS, isStanza, type StreamError } from '@deskchat/protocol';
import type { Session } from '../../session.js';
import type { SmService } from './sm-service.js';
import { nextSeq } from './counters.js';
import { ackElement, handledCountTooHighError, requestElement } from './elements.js';
import { OutboundQueue } from './outbound-queue.js';

export interface SmState {
  /** The SM-ID when the stream is resumable. */
  id?: string;
  epoch: number;
  /** Resumption timeout in seconds (what <enabled max/> said). */
  maxSeconds: number;
  inbound: number;
  acked: number;
  unacked: Element[];
}

/** What became of a session's stream management when the session ended. */
export type SmEnd = { isTakenOver: true } | { isTakenOver: false; unacked: Element[] };

export class StreamManagement {
  readonly id?: string;
  readonly epoch: number;
  readonly maxSeconds: number;
  /** Stanzas handled from the client: the 'h' this server reports. */
  inbound: number;
  private readonly queue: OutboundQueue;
  private tail: Promise<void> = Promise.resolve();
  /** Another stream resumed this session: nothing more is written here. */
  private isTakenOver = false;
  /** Stanzas handed to the transport of a live stream (a clean close counts them as delivered, see `end`). */
  private readonly written = new WeakSet<Element>();
  private isInboundWritePending = false;
  private isAckWritePending = false;
  /** An <r/> went out and its <a/> has not come back. */
  private isRequestOutstanding = false;
  private sinceRequest = 0;
  private requestTimer?: unknown;
  private expiryTimer?: unknown;

  constructor(
    private readonly session: Session,
    private readonly service: SmService,
    state: SmState,
  ) {
    this.id = state.id;
    this.epoch = state.epoch;
    this.maxSeconds = state.maxSeconds;
    this.inbound = state.inbound;
    this.queue = new OutboundQueue(state.acked, state.unacked);
  }

  get isResumable(): boolean {
    return this.id !== undefined;
  }

  /** Stanzas sent and not acknowledged (for tests and logs). */
  get unackedCount(): number {
    return this.queue.length;
  }

  /** §4: one more stanza from the client was handled. */
  onInbound(): void {
    this.inbound = nextSeq(this.inbound);
    if (!this.id || this.isInboundWritePending) return;
    this.isInboundWritePending = true;
    this.enqueue(async () => {
      this.isInboundWritePending = false;
      await this.service.store.setInbound(this.id!, this.epoch, this.inbound);
    });
  }

  /** §4: <r/> is answered with the number of stanzas handled so far, once that number is stored. */
  onRequest(): void {
    const h = this.inbound;
    this.enqueue(async () => this.write(ackElement(h)));
  }

  /** §4: the client's <a h/>; §6: an 'h' beyond what was sent ends the stream (the caller closes with the error). */
  onAck(h: number): StreamError | undefined {
    if (this.queue.covered(h) === undefined) return handledCountTooHighError(h, this.queue.sent);
    this.queue.ack(h);
    this.isRequestOutstanding = false;
    if (this.id && !this.isAckWritePending) {
      this.isAckWritePending = true;
      this.enqueue(async () => {
        this.isAckWritePending = false;
        await this.service.store.ack(this.id!, this.epoch, this.queue.acked);
      });
    }
    if (this.queue.length > 0 && this.sinceRequest > 0) this.scheduleRequest();
    return undefined;
  }

  /** Everything the session writes after <enabled/>: stanzas are counted and kept until acknowledged. */
  send(el: Element): void {
    if (!isCountedStanza(el)) {
      this.enqueue(async () => this.write(el));
      return;
    }
    const text = this.queue.push(el);
    const limit = this.session.core.options.limits.maxOutputBytes;
    if (this.queue.bytes > limit) {
      // Bounded like any output (issue #7 §2): the session ends and what it held is routed again.
      this.session.close(this.service.outputBoundError(limit));
      return;
    }
    this.enqueue(async () => {
      if (this.id && !this.isTakenOver && !(await this.push(text))) this.isTakenOver = true;
      if (this.isTakenOver) return this.service.forward(this.session, el, this.id!);
      this.write(el);
    });
    this.sinceRequest++;
    this.scheduleRequest();
  }

  /** §5: after <resumed/>, the stanzas the client did not acknowledge go out again (they keep their numbers). */
  resend(): void {
    for (const el of this.queue.stanzas()) this.enqueue(async () => this.write(el));
    this.sinceRequest += this.queue.length;
    if (this.queue.length > 0) this.request();
  }

  /** §7: the connection is gone and the stream may be resumed until the timeout. */
  hibernate(onExpired: () => void): void {
    this.stopRequests();
    const expiresAt = this.service.clock.now() + this.maxSeconds * 1000;
    this.expiryTimer = this.service.clock.setTimeout(onExpired, this.maxSeconds * 1000);
    const id = this.id!;
    this.enqueue(async () => {
      await this.service.store.hibernate(id, this.epoch, expiresAt);
    });
  }

  /** This session continues on another stream (a resumption on this node): stop writing, forward what is left. */
  detach(): void {
    this.isTakenOver = true;
    this.stop();
  }

  /**
   * The session is ending: after every pending write, the record is removed (or found claimed by a
   * resumption, in which case nothing of the session ends here) and the unacknowledged stanzas are
   * returned for the router (§4: treated as if sent to an unavailable resource).
   *
   * When the client closed its stream cleanly, the stanzas written to it before our closing tag
   * count as delivered, as they do without stream management: RFC 6120 §4.4 has the client read
   * on until the server closes too, and clients that acknowledge too few (xmpp.js 0.14 does not
   * count the IQ replies its own IQ handling consumes) would otherwise get their last messages
   * again at their other resources or from offline storage at every sign-out. Only what never
   * went out goes back to the router then (the transport hands back what it could not write).
   */
  async end(isCleanClose = false): Promise<SmEnd> {
    this.stop();
    await this.tail;
    if (this.isTakenOver) return { isTakenOver: true };
    if (this.id) {
      let ended: unknown = true;
      try {
        ended = await this.service.store.end(this.id, this.epoch);
      } catch (err) {
        this.session.log.error({ err }, 'could not remove a resumable stream from the store');
      }
      if (!ended) return { isTakenOver: true };
    }
    const unacked = this.queue.stanzas();
    return { isTakenOver: false, unacked: isCleanClose ? unacked.filter((el) => !this.written.has(el)) : unacked };
  }

  /** Asks for an ack (§4): at once after a burst, else within `sm.ackRequestInterval`; one outstanding at a time. */
  private scheduleRequest(): void {
    if (this.isRequestOutstanding || this.session.state !== 'bound') return;
    const { ackRequestBurst, ackRequestInterval } = this.service.options;
    if (this.sinceRequest >= ackRequestBurst) return this.request();
    this.requestTimer ??= this.service.clock.setTimeout(() => {
      this.requestTimer = undefined;
      if (this.queue.length > 0 && !this.isRequestOutstanding) this.request();
    }, ackRequestInterval * 1000);
  }

  private request(): void {
    if (this.session.state !== 'bound') return;
    this.clearRequestTimer();
    this.isRequestOutstanding = true;
    this.sinceRequest = 0;
    this.enqueue(async () => this.write(requestElement()));
  }

  /** False when the record is held by another stream now. A store that fails does not stop the stream: it only loses the guarantee on other nodes. */
  private async push(text: string): Promise<boolean> {
    try {
      return await this.service.store.push(this.id!, this.epoch, text);
    } catch (err) {
      this.session.log.error({ err }, 'stream management: could not store a stanza for resumption');
      return true;
    }
  }

  private write(el: Element): void {
    if (this.session.state !== 'bound' || this.isTakenOver) return;
    this.session.transport.send(el);
    this.written.add(el);
  }

  private enqueue(step: () => Promise<void>): void {
    this.tail = this.tail.then(step).catch((err: unknown) => this.session.log.error({ err }, 'stream management: a write failed'));
  }

  private clearRequestTimer(): void {
    if (this.requestTimer !== undefined) this.service.clock.clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
  }

  private stopRequests(): void {
    this.clearRequestTimer();
    this.isRequestOutstanding = false;
  }

  private stop(): void {
    this.stopRequests();
    if (this.expiryTimer !== undefined) this.service.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }
}

/** XEP-0198 counts RFC 6120 stanzas only (§1: its own elements, stream features, SASL are not counted). */
function isCountedStanza(el: Element): boolean {
  return isStanza(el) && (el.attrs.xmlns === undefined || el.attrs.xmlns === NS.CLIENT);
}
