// One BOSH session (XEP-0124 §7–§15, XEP-0206) behind core's Transport port: holds requests up to
// `wait` and `hold`, answers early when payloads arrive, processes rids in order inside the window,
// answers a repeated rid with the buffered response, checks keys, acks, pauses and overactivity,
// and terminates with the conditions of §17.2. Stream negotiation (SASL, restart, bind) is core's.
// Timing comes from the service's one sweep; nothing here starts a timer.
//
// Nothing is lost (issue #7 §3): a held request whose connection the client closed (a page reload)
// leaves `held` at once and is never written to; its rid stays received-but-unanswered, so a resend
// takes over (§14.3); payloads wait for the next live request, and with none the inactivity clock
// runs (§10). What the session never sends (inactivity, the queue bound, shutdown) is handed back to
// core, which routes the messages to the user's other resources or offline storage.
import type { BoshResponse } from './bosh-response.js';
import type { Element } from '@xmpp/xml';
import { StreamError } from '@deskchat/protocol';
import type { BoshProgress, BoshState, NodeAddress, Session, Transport } from '@deskchat/core';
import { BoshPersistence } from './bosh-persistence.js';
import { ActivityRules } from './activity-rules.js';
import { streamHeader, type BoshRequest } from './body-reader.js';
import { buildBody, reasonElement, renderAttrs, serializePayload, streamErrorPayload, terminateAttrs, uriElement } from './body-writer.js';
import { STREAM_ERROR_TERMINATE, terminateStatus, type TerminalCondition } from './conditions.js';
import { OutQueue, undeliveredElements } from './out-queue.js';
import { RidWindow } from './rid-window.js';
import { creationAttrs, type BoshSessionParams } from './session-params.js';
import type { BoshService } from './bosh-service.js';

/** A request the connection manager keeps open to push payloads on (§8). */
export class HeldRequest {
  /** Set while held, for the shared 'close' listener. */
  owner?: BoshSession;

  constructor(
    readonly rid: number,
    public res: BoshResponse,
    readonly deadline: number,
    /** Extra response attributes (`report`/`time`, §9.2). */
    readonly attrs: string,
    /** §10: the response to a pause request carries no payloads and is not buffered. */
    readonly isPause: boolean,
  ) {}
}

/** Where a held response's 'close' listener finds its request (one shared listener, no closure per request). */
const HELD = Symbol('bosh held request');
type WatchedResponse = BoshResponse & { [HELD]?: HeldRequest };

/** 'close' before we answered: the client gave up on this connection (a reload, a network change). */
function onResponseClosed(this: WatchedResponse): void {
  const held = this[HELD];
  this[HELD] = undefined;
  if (held?.owner && held.res === this && !this.writableEnded) held.owner.detach(held);
}

interface AheadRequest {
  request: BoshRequest;
  res: BoshResponse;
  arrivedAt: number;
}

export class BoshSession implements Transport {
  readonly kind = 'bosh' as const;
  /** Assigned by the service right after construction (core creates the Session from this transport). */
  session!: Session;
  readonly sid: string;
  readonly remoteAddress: string;
  private readonly window: RidWindow;
  private held: HeldRequest[] = [];
  /** Held requests whose connection closed before they were answered, by rid, until resent (§14.3) or too old. */
  private detached?: Map<number, HeldRequest>;
  private ahead?: Map<number, AheadRequest>;
  private readonly out = new OutQueue();
  /** Elements are handled strictly in rid order; negotiation steps are async. */
  private queue: Promise<void> = Promise.resolve();
  private isOpening = true;
  private isCreationAnswered = false;
  private isRestartArmed = false;
  /** §13: a terminate request was received; every response waits for its payloads to be handled. */
  private isTerminating = false;
  /** Held requests with a rid up to this one are answered at the next flush (pause, report). */
  private answerThrough = 0;
  private lastResponseAt: number;
  /** §10: the inactivity period while paused, in ms. */
  private pauseMs?: number;
  private readonly rules: ActivityRules;
  /**
   * Once terminated: the response still owed to the next request when none was held, and the
   * payloads inside it, handed back to core if nobody comes for them.
   */
  private terminated?: { body: string; status: number; unsent?: string[] };
  /** In a cluster: what the session writes to shared state so that another node can continue it. */
  private persistence?: BoshPersistence;
  /**
   * The highest rid whose payloads have been handled (every lower one too): the rid recorded in
   * shared state. A resend of a later rid to another node is handled there; this one and earlier
   * ones are not handled twice.
   */
  private handledThrough: number;

  constructor(
    private readonly service: BoshService,
    private readonly params: BoshSessionParams,
    now: number,
  ) {
    this.sid = params.sid;
    this.remoteAddress = params.remoteAddress;
    this.window = new RidWindow(params.firstRid, params.requests);
    this.handledThrough = params.firstRid;
    this.rules = new ActivityRules(params);
    this.lastResponseAt = now;
  }

  /**
   * A session continued on this node after the node serving it died (issue "Failover"): its
   * parameters, rid window, responses and outbox come from shared state; its core session is
   * adopted by the caller. The rid that node processed without answering waits for its resend.
   */
  static adopt(service: BoshService, params: BoshSessionParams, state: BoshState, log: Session['log'], now: number): BoshSession {
    const bosh = new BoshSession(service, params, now);
    const { record } = state;
    // Every rid of the last `requests` handled without a recorded response was open when the node
    // died (a long poll and a send, with requests = 2): each is held again when the client resends
    // it (§14.3); their payloads were already handled. Later rids were not: their resends are
    // processed here.
    bosh.handledThrough = record.highestRid;
    const pending: number[] = [];
    for (let rid = Math.max(params.firstRid + 1, record.highestRid - params.requests + 1); rid <= record.highestRid; rid++) {
      if (!state.responses.some((r) => r.rid === rid)) pending.push(rid);
    }
    bosh.window.restore(record.highestRid, state.responses, pending);
    for (const rid of pending) (bosh.detached ??= new Map()).set(rid, new HeldRequest(rid, undefined as unknown as BoshResponse, now + params.wait * 1000, '', false));
    for (const entry of state.outbox) bosh.out.push(entry.xml);
    bosh.isOpening = false;
    bosh.isCreationAnswered = true;
    bosh.persistence = new BoshPersistence(service.core.boshState!, params.sid, log, state.outbox);
    return bosh;
  }

  /** In a cluster, once bound: from now on the session can be continued by another node. */
  persist(): void {
    const store = this.service.core.boshState;
    const jid = this.session.jid;
    if (!store || !jid || this.persistence || this.terminated) return;
    this.persistence = new BoshPersistence(store, this.sid, this.session.log);
    const p = this.params;
    this.persistence.save({
      sid: this.sid,
      node: this.service.core.node,
      username: jid.local,
      resource: jid.resource,
      sessionId: this.session.id,
      streamId: this.session.streamId,
      params: { firstRid: p.firstRid, wait: p.wait, hold: p.hold, requests: p.requests, inactivity: p.inactivity, polling: p.polling, maxPause: p.maxPause, ver: p.ver, contentType: p.contentType, isAckEnabled: p.isAckEnabled, isSecure: p.isSecure },
      ...this.progress(this.service.now()),
    });
    // Without the flag, other nodes send this session's stanzas over the bus instead of its durable
    // outbox: it still gets them, it only cannot be continued elsewhere with them. Logged, not fatal.
    this.session.setFlags({ resumeId: this.sid }).catch((err: unknown) => this.session.log.warn({ err }, 'could not mark the BOSH session continuable in the session directory'));
  }

  /** Stanzas another node appended to the shared outbox (a poke): into the memory queue, in order. */
  pull(): void {
    void this.persistence?.pull((entries) => {
      for (const entry of entries) this.out.push(entry.xml);
      this.service.markDirty(this);
    });
  }

  private progress(now: number): BoshProgress {
    const key = this.params.keys?.next;
    return { highestRid: this.handledThrough, lastActivity: now, ...(key ? { expectedKey: key } : {}) };
  }

  /** Requests held on live connections (a closed one is not counted: it is detached); a gauge on /metrics. */
  get openRequests(): number {
    return this.held.length;
  }

  get isTerminated(): boolean {
    return this.terminated !== undefined;
  }

  /** The session creation request: hold it and open the stream (its features fill the response). */
  start(request: BoshRequest, res: BoshResponse, now: number): void {
    if (this.terminated) return this.deliverTerminate(res); // core refused the session at once
    this.hold(new HeldRequest(request.rid, res, now + this.params.wait * 1000, '', false));
    const attrs = streamHeader(request, request.xmppVersion);
    this.enqueue(async () => {
      try {
        await this.session.onStreamOpen(attrs);
      } finally {
        this.isOpening = false;
        this.service.markDirty(this);
      }
    });
  }

  /** Every later request of the session. */
  receive(request: BoshRequest, res: BoshResponse, now: number): void {
    if (this.terminated) return this.deliverTerminate(res);
    const verdict = this.window.classify(request.rid);
    if (verdict === 'cached') return this.service.reply(res, 200, this.params.contentType, this.window.cached(request.rid)!.body);
    if (verdict === 'pending') return this.takeOver(request.rid, res);
    if (verdict === 'unknown') {
      return this.terminate('item-not-found', { text: `rid ${request.rid} is outside the window or its response is gone (XEP-0124 §14; highest ${this.window.highest}, window ${this.params.requests})`, res });
    }
    let isPauseOrTerminateOpen = false;
    let isLatest = true;
    for (const a of this.ahead?.values() ?? []) {
      isPauseOrTerminateOpen ||= a.request.isTerminate || a.request.pause !== undefined;
      isLatest &&= a.request.rid < request.rid;
    }
    const violation = this.rules.check(request, this.held.length + (this.ahead?.size ?? 0), isPauseOrTerminateOpen, now, isLatest);
    if (violation) return this.terminate('policy-violation', { text: violation, res });
    this.window.receive(request.rid);
    if (verdict === 'ahead') {
      (this.ahead ??= new Map()).set(request.rid, { request, res, arrivedAt: now });
      return;
    }
    this.process(request, res, now);
    // §14.2: requests that arrived early are processed as soon as the gap is filled.
    while (this.ahead && !this.terminated) {
      const next = this.ahead.get(this.window.highest + 1);
      if (!next) break;
      this.ahead.delete(this.window.highest + 1);
      if (this.ahead.size === 0) this.ahead = undefined;
      this.process(next.request, next.res, now);
    }
  }

  /** §14.3: a resent request whose original is still open (or whose connection closed): answer on the new HTTP request instead. */
  private takeOver(rid: number, res: BoshResponse): void {
    const detached = this.detached?.get(rid);
    if (detached) {
      this.detached!.delete(rid);
      detached.res = res;
      this.hold(detached);
      this.service.markDirty(this);
      return;
    }
    const held = this.held.find((h) => h.rid === rid);
    const target = held ?? this.ahead?.get(rid);
    if (!target) return void res.destroy();
    const previous = target.res;
    target.res = res;
    if (held) watch(this, held);
    previous.destroy(); // the client gave up on it; one response per rid
  }

  /** Holds a request in rid order, watching its connection; one already closed is detached at once. */
  private hold(held: HeldRequest): void {
    if (held.res.destroyed) return this.detach(held, false);
    let i = this.held.length;
    while (i > 0 && this.held[i - 1].rid > held.rid) i--;
    // A new array of exactly the held requests (concat sizes it exactly; an insertion, a push or a
    // spread would give it room for 17 or more).
    this.held = i === this.held.length ? this.held.concat([held]) : this.held.slice(0, i).concat([held], this.held.slice(i));
    watch(this, held);
  }

  /**
   * The client closed a held request's connection: it leaves `held` so that it counts for no rule
   * (§11) and receives nothing; its rid stays pending for a resend (§14.3). With no request left
   * open, the inactivity period starts now (§10).
   */
  detach(held: HeldRequest, isHeld = true): void {
    if (isHeld) {
      const i = this.held.indexOf(held);
      if (i < 0) return;
      this.held.splice(i, 1);
    }
    (this.detached ??= new Map()).set(held.rid, held);
    if (this.held.length === 0) this.lastResponseAt = this.service.now();
  }

  /** A new request, in rid order. */
  private process(request: BoshRequest, res: BoshResponse, now: number): void {
    const { rid } = request;
    this.window.advance(rid);
    this.forgetOldDetached(rid);
    if (this.params.keys && !this.params.keys.accept(request.key, request.newkey)) {
      return this.terminate('item-not-found', { text: 'the key does not continue the key sequence (XEP-0124 §15.4)', res });
    }
    if (this.params.isAckEnabled) {
      const ack = request.ack ?? rid - 1;
      this.window.acknowledge(ack);
      this.persistence?.acknowledge(ack);
    }
    this.pauseMs = undefined; // §10: back to normal on the next request
    let attrs = '';
    if (request.pause !== undefined) {
      if (this.params.maxPause === 0) return this.terminate('bad-request', { text: 'pause without maxpause (XEP-0124 §10)', res });
      this.pauseMs = Math.min(request.pause, this.params.maxPause) * 1000;
      this.answerThrough = rid;
    } else if (this.params.isAckEnabled && request.ack !== undefined) {
      const report = this.window.report(request.ack, now);
      if (report) {
        attrs = renderAttrs(report);
        this.answerThrough = rid;
      }
    }
    this.hold(new HeldRequest(rid, res, now + this.params.wait * 1000, attrs, request.pause !== undefined));
    if (request.isRestart) {
      if (!this.isRestartArmed) return this.terminate('bad-request', { text: 'xmpp:restart is only valid after SASL success (XEP-0206 §5)' });
      this.isRestartArmed = false;
      const header = streamHeader(request, '1.0');
      this.enqueue(() => this.session.onStreamOpen(header));
    }
    const { payloads } = request;
    if (payloads.length > 0) this.enqueue(() => this.deliver(payloads));
    // In a cluster the rid is recorded once its payloads are handled (routed): a node that dies
    // before leaves them to be handled again when the client resends the request to another node.
    // (One that dies between routing and recording makes a duplicate: losing nothing comes first.)
    this.enqueue(async () => {
      this.handledThrough = Math.max(this.handledThrough, rid);
      if (payloads.length > 0) await this.persistence?.received(this.progress(this.service.now()));
    });
    if (request.isTerminate) {
      this.isTerminating = true;
      this.enqueue(async () => this.terminate(undefined, {}));
    }
    this.service.markDirty(this);
  }

  /** A detached rid more than a window behind can no longer be resent usefully: a resend gets item-not-found (§14.3). */
  private forgetOldDetached(highest: number): void {
    if (!this.detached) return;
    for (const rid of this.detached.keys()) {
      if (rid >= highest - this.params.requests) continue;
      this.detached.delete(rid);
      this.window.forget(rid);
    }
    if (this.detached.size === 0) this.detached = undefined;
  }

  private async deliver(payloads: Element[]): Promise<void> {
    for (const el of payloads) await this.session.onElement(el);
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((err: unknown) => {
      this.session.log.error({ err }, 'unexpected failure handling a BOSH request');
      this.session.close(new StreamError('internal-server-error'));
    });
  }

  /** Answers held requests that are due: payloads waiting, more than `hold` held, `wait` over, pause or report. */
  flush(now: number): void {
    if (this.terminated || this.isOpening || this.isTerminating) return;
    const { hold } = this.params;
    while (this.held.length > 0) {
      const first = this.held[0];
      if (this.held.length <= hold && this.out.length === 0 && first.deadline > now && first.rid > this.answerThrough) break;
      // A request whose connection closed without our seeing it yet: never write into it.
      if (first.res.destroyed) {
        this.detach(first);
        continue;
      }
      this.held.shift();
      this.answer(first, now);
    }
  }

  private answer(held: HeldRequest, now: number): void {
    let attrs = held.attrs;
    if (!this.isCreationAnswered) {
      attrs = creationAttrs(this.params, this.service.core.domain, this.session.streamId) + attrs;
      this.isCreationAnswered = true;
    } else if (this.params.isAckEnabled && this.window.highest > held.rid) {
      attrs += ` ack='${this.window.highest}'`; // §9.1: later requests arrived while this one was held
    }
    const payload = held.isPause ? '' : this.out.take(this.service.options.maxResponseBytes);
    const count = held.isPause ? 0 : this.out.lastTaken;
    this.window.answered(held.rid, attrs, payload, now, !held.isPause);
    const body = buildBody(attrs, payload);
    this.rules.answered(held.rid, payload !== '');
    this.lastResponseAt = now;
    const persistence = this.persistence;
    if (!persistence) return this.service.reply(held.res, 200, this.params.contentType, body);
    // In a cluster the response is recorded (and its stanzas leave the shared outbox) before it is
    // written — and never before the request's own payloads are handled and recorded: a client that
    // has rid R's response never resends R, so a node that died between the two would lose R's
    // payloads (R is answered at once when stanzas wait). Waiting behind the handling queue keeps
    // responses in rid order: a later rid is never handled before an earlier one.
    const res = held.res;
    const record = () => persistence.responded(held.rid, body, count, this.progress(this.service.now()), now);
    const recorded = held.rid > this.handledThrough ? this.queue.then(record) : record();
    void recorded.then(() => this.service.reply(res, 200, this.params.contentType, body));
  }

  /** The service's sweep: `wait` expiry, gaps that never fill, inactivity (§10). */
  tick(now: number): void {
    if (this.terminated) {
      if (now - this.lastResponseAt > this.params.inactivity * 1000) {
        this.service.remove(this);
        this.handBack(this.terminated.unsent); // the owed terminate body was never fetched
        this.terminated.unsent = undefined;
      }
      return;
    }
    if (this.held.length > 0 && this.held[0].deadline <= now) this.flush(now);
    if (this.ahead) {
      const oldest = this.ahead.values().next().value!;
      if (now - oldest.arrivedAt > this.params.inactivity * 1000) {
        this.terminate('item-not-found', { text: `rid ${this.window.highest + 1} never arrived (XEP-0124 §14.2)` });
      }
      return;
    }
    if (this.held.length === 0 && !this.isOpening && now - this.lastResponseAt > (this.pauseMs ?? this.params.inactivity * 1000)) {
      // §10: end the session without telling the client; a later request gets item-not-found.
      this.terminated = { body: '', status: 200 };
      this.service.remove(this);
      this.forget();
      this.session.onTransportClosed(new StreamError('connection-timeout', 'no BOSH request within the inactivity period (XEP-0124 §10)'));
      this.handBack(this.out.takeAll());
    }
  }

  /**
   * Ends the session (§13, §17.2): every open request gets a terminate body (the first one with the
   * payloads still queued); with none open, the next request gets it.
   */
  terminate(
    condition: TerminalCondition | undefined,
    options: { inner?: string; text?: string; res?: BoshResponse; cause?: StreamError; isQueueHandedBack?: boolean },
  ): void {
    if (this.terminated) {
      if (options.res) this.deliverTerminate(options.res);
      return;
    }
    this.service.terminations.inc({ condition: condition ?? 'normal' });
    const inner = (options.inner ?? '') + reasonElement(options.text);
    const attrs = terminateAttrs(condition);
    const status = terminateStatus(condition, this.params.ver === undefined);
    const targets: BoshResponse[] = [];
    for (const h of this.held) if (!h.res.destroyed) targets.push(h.res);
    for (const a of this.ahead?.values() ?? []) if (!a.res.destroyed) targets.push(a.res);
    if (options.res) targets.push(options.res);
    this.held = [];
    this.ahead = undefined;
    this.detached = undefined;
    // The queue goes out in the first terminate response; it goes back to core instead when the
    // session ends because of it (the bound), or when nobody will come for it (shutdown).
    const isHandedBack = options.isQueueHandedBack || (targets.length === 0 && condition === 'system-shutdown');
    const queued = this.out.takeAll();
    const payload = isHandedBack ? '' : queued.join('');
    const full = buildBody(attrs, payload + inner);
    this.terminated = targets.length > 0 ? { body: buildBody(attrs, inner), status } : { body: full, status, unsent: isHandedBack ? undefined : queued };
    this.lastResponseAt = this.service.now();
    targets.forEach((res, i) => this.service.reply(res, status, this.params.contentType, i === 0 ? full : this.terminated!.body));
    if (targets.length > 0) this.service.remove(this);
    this.forget();
    const cause = options.cause ?? (condition ? new StreamError('undefined-condition', `BOSH ${condition}${options.text ? `: ${options.text}` : ''}`) : undefined);
    this.session?.onTransportClosed(cause);
    if (isHandedBack) this.handBack(queued);
  }

  /** The session ended for good: nobody may continue it elsewhere. */
  private forget(): void {
    this.persistence?.remove();
    this.persistence = undefined;
  }

  private deliverTerminate(res: BoshResponse): void {
    this.service.reply(res, this.terminated!.status, this.params.contentType, this.terminated!.body);
    this.terminated!.unsent = undefined;
    this.service.remove(this);
  }

  /** Payloads this session will never send go back to core (after the session is closed). */
  private handBack(payloads: string[] | undefined): void {
    if (!payloads?.length || !this.session) return;
    this.session.returnUndelivered(undeliveredElements(payloads));
  }

  /** XEP-0124 §17.2 see-other-uri: the client should continue at `uri` (clustering). */
  seeOtherUri(uri: string): void {
    this.terminate('see-other-uri', { inner: uriElement(uri), cause: new StreamError('see-other-host', `moved to ${uri}`) });
  }

  /** Transport port: another node serves this user; BOSH clients go to its BOSH URL. */
  seeOther(target: NodeAddress): void {
    this.seeOtherUri(target.bosh);
  }

  // Transport port

  isSecure(): boolean {
    return this.params.isSecure;
  }

  canStartTls(): boolean {
    return false;
  }

  /** The stream id and domain go out in the creation response (`authid`, `from`); a restart needs nothing. */
  openStream(): void {}

  send(element: Element): void {
    if (this.terminated) return;
    const text = serializePayload(element);
    this.out.push(text);
    this.persistence?.appended(text);
    // A client that stops asking (or pauses, §10) must not make the node hold without bound (issue #7 §2).
    const max = this.service.core.options.limits.maxOutputBytes;
    if (this.out.bytes > max) {
      return this.terminate('policy-violation', { text: `more than ${max} bytes wait for this client (limits.maxOutputBytes)`, isQueueHandedBack: true });
    }
    this.service.markDirty(this);
  }

  /** XEP-0206 §5: after SASL success the client sends `xmpp:restart='true'`. */
  resetStream(): void {
    this.isRestartArmed = true;
  }

  /** XEP-0206 §5: a stream error ends the session as remote-stream-error (system-shutdown as itself, a load-limit refusal as policy-violation, §17.2). */
  close(error?: StreamError): void {
    if (!error) return this.terminate(undefined, {});
    const condition = STREAM_ERROR_TERMINATE[error.condition] ?? 'remote-stream-error';
    this.terminate(condition, { inner: streamErrorPayload(error), text: condition === 'remote-stream-error' ? undefined : error.text, cause: error });
  }
}

/** Watches a held response for the client closing its connection (one shared listener). */
function watch(session: BoshSession, held: HeldRequest): void {
  const res = held.res as WatchedResponse;
  held.owner = session;
  if (res[HELD] === undefined) res.once('close', onResponseClosed);
  res[HELD] = held;
}
