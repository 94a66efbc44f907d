// The BOSH connection manager of one node (XEP-0124 §7, XEP-0206 §3): creates sessions with limits
// clamped to the configured maxima, dispatches requests by sid, batches responses (one setImmediate
// for every session with news) and runs one sweep for `wait` and inactivity instead of a timer per
// request, so that thousands of idle long-polls cost little.
import type { BoshResponse } from './bosh-response.js';
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { ownString, type Core, type Counter } from '@deskchat/core';
import { integer, negotiateVersion, readBoshRequest, readVersion, type BoshRequest } from './body-reader.js';
import { terminateBody } from './body-writer.js';
import { BoshError, terminateStatus } from './conditions.js';
import { DEFAULT_CONTENT_TYPE } from './constants.js';
import { writeReply } from './http-reply.js';
import { KeySequence } from './key-sequence.js';
import type { BoshOptions } from './options.js';
import { BoshSession } from './bosh-session.js';
import { MemoryBoshSessionStore, type BoshSessionStore } from './session-store.js';

export interface BoshServiceInit {
  store?: BoshSessionStore;
  /** Injected time (tests); Date.now by default. */
  clock?: () => number;
  /** Period of the shared sweep in ms; 0 starts no timer (tests call `sweep`). */
  sweepIntervalMs?: number;
}

/** What the HTTP layer knows about one request. */
export interface BoshHttpRequest {
  res: BoshResponse;
  isSecure: boolean;
  remoteAddress: string;
}

/** Whether a node's BOSH endpoint answers at all (any HTTP status) within a second. */
async function isReachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** XEP-0124 §7.1 `content`: a media type with optional parameters. */
const CONTENT_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"\r\n]*"|[\w!#$&^.+-]+))*$/;
const ROUTE = /^[a-z][a-z0-9+.-]*:[^:\s]+:\d{1,5}$/i;

export class BoshService {
  readonly sessions: BoshSessionStore;
  readonly now: () => number;
  private dirty = new Set<BoshSession>();
  /** Adoptions in progress, by sid (issue "Failover"). */
  private readonly adopting = new Map<string, Promise<void>>();
  private isFlushScheduled = false;
  private readonly sweepTimer?: NodeJS.Timeout;
  /** Sessions ended, by terminal condition (`normal`: a terminate without one). */
  readonly terminations: Counter;

  constructor(
    readonly core: Core,
    readonly options: BoshOptions,
    init: BoshServiceInit = {},
  ) {
    this.sessions = init.store ?? new MemoryBoshSessionStore();
    this.now = init.clock ?? Date.now;
    this.terminations = core.metrics.counter({ name: 'deskchat_bosh_terminations_total', help: 'BOSH sessions ended, by XEP-0124 terminal condition', labelNames: ['condition'] });
    // In a cluster: a session becomes continuable once bound; another node's poke means its shared outbox grew.
    core.hooks.on('session/bound', ({ session }) => {
      if (session.transport instanceof BoshSession) session.transport.persist();
    });
    core.hooks.on('bus/poke', ({ id }) => this.sessions.get(id)?.pull());
    const interval = init.sweepIntervalMs ?? 500;
    if (interval > 0) {
      this.sweepTimer = setInterval(() => this.sweep(), interval);
      this.sweepTimer.unref();
    }
  }

  /** One parsed `<body/>` from the HTTP layer. */
  handle(body: Element, http: BoshHttpRequest): void {
    let request: BoshRequest | undefined;
    try {
      request = readBoshRequest(body);
      if (request.sid === undefined) return this.create(request, http);
      const session = this.sessions.get(request.sid);
      if (!session && this.core.boshState) return void this.adopt(request, http);
      if (!session) throw new BoshError('item-not-found', `no session '${request.sid}' (XEP-0124 §17.2)`);
      // §19.1: a secure session never continues over an unencrypted connection; closing it must not end the session.
      if (session.isSecure() && !http.isSecure) return void http.res.destroy();
      session.receive(request, http.res, this.now());
    } catch (err) {
      // A malformed request of a known session ends that session (§17.2), not only the request.
      const session = body.attrs.sid === undefined ? undefined : this.sessions.get(body.attrs.sid);
      if (session && err instanceof BoshError) return session.terminate(err.condition, { text: err.text, res: http.res });
      const isLegacy = request !== undefined && request.sid === undefined && request.attrs.ver === undefined;
      this.refuse(http.res, err, isLegacy);
    }
  }

  /** Whether `sid` names a live session that has authenticated (its bodies may be larger). */
  isAuthenticated(sid: string | undefined): boolean {
    return sid !== undefined && this.sessions.get(sid)?.session.isAuthenticated === true;
  }

  /**
   * A body that could not be read (too large, not XML): the session it names, if any, ends with
   * `condition` (XEP-0124 §17.2) and this request gets the terminate; otherwise only the request does.
   */
  refuseBody(sid: string | undefined, condition: 'bad-request' | 'policy-violation', text: string, res: BoshResponse): void {
    const session = sid === undefined ? undefined : this.sessions.get(sid);
    if (session) return session.terminate(condition, { text, res });
    this.reply(res, 200, DEFAULT_CONTENT_TYPE, terminateBody(condition, text));
  }

  /** §7.1–§7.2: validates the creation request, clamps its limits, and opens the stream. */
  private create(request: BoshRequest, http: BoshHttpRequest): void {
    const a = request.attrs;
    const o = this.options;
    if (!a.to) throw new BoshError('improper-addressing', "the session creation request needs 'to' (XEP-0124 §7.1)");
    if (a.to.toLowerCase() !== this.core.domain) throw new BoshError('host-unknown', `this connection manager serves ${this.core.domain} only`);
    // A connection manager that serves one server may ignore 'route' (§7.1) but not a malformed one.
    if (a.route !== undefined && !ROUTE.test(a.route)) throw new BoshError('bad-request', "'route' must be proto:host:port (XEP-0124 §7.1)");
    if (a.content !== undefined && !CONTENT_TYPE.test(a.content)) throw new BoshError('bad-request', "'content' must be a media type (XEP-0124 §7.1)");
    const ver = readVersion(a.ver);
    const wait = Math.min(integer(a.wait, 'wait', 86_400) ?? o.defaultWait, o.maxWait);
    const hold = Math.min(integer(a.hold, 'hold', 1000) ?? 1, o.maxHold);
    const now = this.now();
    const bosh = new BoshSession(
      this,
      {
        sid: randomBytes(16).toString('base64url'),
        firstRid: request.rid,
        wait,
        hold,
        requests: hold + 1, // §7.2 RECOMMENDED; maxHold < maxRequests keeps it within bounds
        inactivity: o.inactivity,
        polling: o.polling,
        maxPause: o.maxPause,
        ver: ver && negotiateVersion(ver),
        // Kept for the session's life: not a view of the whole request body.
        contentType: a.content === undefined || a.content === DEFAULT_CONTENT_TYPE ? DEFAULT_CONTENT_TYPE : ownString(a.content),
        isAckEnabled: a.ack !== undefined,
        keys: request.newkey ? new KeySequence(request.newkey) : undefined,
        isSecure: http.isSecure,
        remoteAddress: http.remoteAddress,
      },
      now,
    );
    this.sessions.add(bosh);
    bosh.session = this.core.createSession(bosh);
    bosh.session.log = bosh.session.log.child({ sid: bosh.sid });
    bosh.start(request, http.res, now);
  }

  /**
   * A request for a session this node does not hold, in a cluster (issue "Failover"): the node that
   * served it died and the client resent its request here. Continue the session if the cluster says
   * this node may (the user's home, or its backup while the home is down; the old node dead),
   * otherwise send the client where it should go, or item-not-found for a session nobody has.
   */
  private async adopt(request: BoshRequest, http: BoshHttpRequest): Promise<void> {
    const sid = request.sid!;
    // A client with two requests open resends both: the second waits for the first one's adoption.
    const inFlight = this.adopting.get(sid);
    if (inFlight) {
      await inFlight;
      if (this.sessions.get(sid)) return this.handleKnown(request, http);
      return this.refuse(http.res, new BoshError('item-not-found', `no session '${sid}' (XEP-0124 §17.2)`), false);
    }
    let done!: () => void;
    this.adopting.set(sid, new Promise<void>((resolve) => (done = resolve)));
    try {
      await this.adoptNow(request, http);
    } finally {
      this.adopting.delete(sid);
      done();
    }
  }

  private async adoptNow(request: BoshRequest, http: BoshHttpRequest): Promise<void> {
    const sid = request.sid!;
    try {
      const state = await this.core.boshState!.load(sid);
      if (!state) throw new BoshError('item-not-found', `no session '${sid}' (XEP-0124 §17.2)`);
      const { record } = state;
      if (record.params.isSecure && !http.isSecure) return void http.res.destroy();
      if (record.node !== this.core.node) {
        for (const verdict of await this.core.hooks.collect('session/adoption', { username: record.username, fromNode: record.node })) {
          if (!('redirect' in verdict)) throw new BoshError('item-not-found', verdict.refuse);
          // The session's own node, alive as far as the registry knows (a crash takes the dead-after
          // time to show): if it does not answer, it is gone, and waiting would only stall the client.
          if (verdict.isOwner && !(await isReachable(verdict.redirect.bosh))) continue;
          throw new BoshError('see-other-uri', `this session continues at ${verdict.redirect.bosh}`, verdict.redirect.bosh);
        }
        if (!(await this.core.boshState!.claim(sid, record.node, this.core.node))) throw new BoshError('item-not-found', `session '${sid}' was taken over by another node`);
      }
      const entry = await this.core.directory.get(record.username, record.resource);
      if (entry?.sessionId !== record.sessionId || !(await this.core.directory.move(record.username, record.resource, record.sessionId, this.core.node))) {
        await this.core.boshState!.remove(sid);
        throw new BoshError('item-not-found', `session '${sid}' has ended`);
      }
      if (this.sessions.get(sid)) return this.handleKnown(request, http); // adopted by a parallel request meanwhile
      const now = this.now();
      const p = record.params;
      const params = { ...p, sid, remoteAddress: http.remoteAddress, keys: record.expectedKey ? new KeySequence(record.expectedKey) : undefined };
      const log = this.core.log.child({ sid });
      const bosh = BoshSession.adopt(this, params, state, log, now);
      this.sessions.add(bosh);
      bosh.session = this.core.adoptSession(bosh, {
        sessionId: record.sessionId,
        username: record.username,
        resource: record.resource,
        streamId: record.streamId,
        presence: { isAvailable: entry.isAvailable, priority: entry.priority },
      });
      bosh.session.log.info({ from: record.node }, 'BOSH session continued on this node after its node failed');
      bosh.receive(request, http.res, now);
      // Stanzas appended while this adoption was loading poked the old node: look now.
      bosh.pull();
      this.markDirty(bosh);
    } catch (err) {
      this.refuse(http.res, err, false);
    }
  }

  private handleKnown(request: BoshRequest, http: BoshHttpRequest): void {
    this.sessions.get(request.sid!)!.receive(request, http.res, this.now());
  }

  /** A terminate for a request that belongs to no session (or could not be read). */
  private refuse(res: BoshResponse, err: unknown, isLegacy: boolean): void {
    if (!(err instanceof BoshError)) {
      this.core.log.error({ err }, 'unexpected failure handling a BOSH request');
      err = new BoshError('internal-server-error');
    }
    const { condition, text, uri } = err as BoshError;
    this.terminations.inc({ condition });
    this.reply(res, terminateStatus(condition, isLegacy), DEFAULT_CONTENT_TYPE, terminateBody(condition, text, uri));
  }

  reply(res: BoshResponse, status: number, contentType: string, body: string): void {
    writeReply(res, status, contentType, body);
  }

  /** The session has something to answer; all such sessions are flushed together once the current I/O is handled. */
  markDirty(session: BoshSession): void {
    this.dirty.add(session);
    if (this.isFlushScheduled) return;
    this.isFlushScheduled = true;
    setImmediate(this.flushDirty);
  }

  readonly flushDirty = (): void => {
    this.isFlushScheduled = false;
    const sessions = this.dirty;
    this.dirty = new Set();
    const now = this.now();
    for (const session of sessions) session.flush(now);
  };

  remove(session: BoshSession): void {
    if (this.sessions.get(session.sid) === session) this.sessions.delete(session.sid);
  }

  /** The one sweep: held requests past `wait`, inactivity, and leftovers of terminated sessions. */
  sweep(now = this.now()): void {
    for (const session of this.sessions.values()) session.tick(now);
  }

  /** Stops the sweep after core's shutdown has terminated every session; what is left is dropped. */
  close(): void {
    clearInterval(this.sweepTimer);
    this.flushDirty();
    for (const session of [...this.sessions.values()]) {
      if (!session.isTerminated) session.terminate('system-shutdown', {});
      this.remove(session);
    }
  }
}
