// One client stream (RFC 6120 §4–7) behind any transport: header, features, STARTTLS, SASL,
// bind, then stanzas handed to the router. State: opening → authenticated → bound → closed, and
// with XEP-0198 resumption bound → hibernated (connection lost) → closed or resumed by another
// stream (stream/sm/).
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { NS, StreamError, StanzaError, errorReply, parseJid, type JID } from '@deskchat/protocol';
import { TaggedLogger, type Logger } from './log.js';
import type { Transport } from './transport.js';
import { isLoopbackAddress } from './transport.js';
import type { Core } from './core.js';
import { SaslNegotiation } from './stream/sasl-negotiation.js';
import { SessionData } from './session-data.js';
import { handleBind } from './stream/bind.js';
import { prepareOutgoing } from './stream/stanza-checks.js';
import type { EntryFlags } from './volatile/index.js';
import { StoreUnavailableError } from './storage/store-unavailable.js';
import { clip } from './xml/chars.js';
import type { NodeAddress } from './cluster/cluster-registry.js';
import type { StreamManagement } from './stream/sm/stream-management.js';

/** `hibernated`: bound, its connection lost, resumable (XEP-0198 §5); stanzas to it wait in its stream management queue. */
export type SessionState = 'opening' | 'open' | 'authenticated' | 'bound' | 'hibernated' | 'closed';

/**
 * The session's own availability as delivery sees it (RFC 6121 §8.5): written to the session
 * directory and mirrored here at the same moment. The presence stanzas themselves live in the
 * PresenceStore (im's presence module); full presence logic lives in `im`.
 */
export interface SessionPresence {
  isAvailable: boolean;
  priority: number;
}

export class Session {
  /** Random, or the id of the session this one continues: adopted from another node (BOSH), or resumed by this stream (XEP-0198 §5, replaced once). */
  id: string;
  log: Logger;
  state: SessionState = 'opening';
  /** Stream id of the current stream (new on each restart). */
  streamId = '';
  /** RFC 6120 §4.7.1: the `from` of the client's opening header, known before authentication (home-node discovery uses it). */
  streamFrom?: JID;
  lang = 'en';
  username?: string;
  jid?: JID;
  presence: SessionPresence = { isAvailable: false, priority: 0 };
  /** This session's carbons and roster-interest flags as last set (`setFlags`); the directory holds them for the cluster. */
  readonly flags = { carbons: false, interested: false };
  /** Per-session data for modules that only this node needs, keyed by module. Shared facts go to the session directory (`setFlags`). */
  readonly data = new SessionData();
  /** Counted by core's admission (limits per node and per address); a refused stream is not. */
  isAdmitted = false;
  /** XEP-0198 stream management, once enabled or resumed on this stream. */
  sm?: StreamManagement;
  /** The server or the client ended the stream on purpose (not a lost connection, which a resumable stream survives). */
  private isClosingDeliberately = false;
  /** The client closed its stream cleanly (`</stream:stream>`, `<close/>`): the transport called `close()` with no error. */
  isClosedByClient = false;
  /** A resumption is running: a connection lost meanwhile is handled when it is done. */
  private resuming?: { lost?: { error?: StreamError } };
  /** Until authenticated (dropped then: a node keeps thousands of signed-in sessions). */
  private sasl?: SaslNegotiation;
  private redirectOnRestart?: StreamError;
  private negotiationTimer?: NodeJS.Timeout;

  constructor(
    readonly core: Core,
    readonly transport: Transport,
    /** A session adopted from another node keeps its id (it owns directory entries and presence records). */
    id?: string,
  ) {
    this.id = id ?? randomBytes(8).toString('hex');
    // Tags read from the session at each line (its JID once bound), not an object of them per session.
    this.log = new TaggedLogger(core.log, this);
    this.sasl = new SaslNegotiation(this);
    this.armNegotiationTimer(core.options.limits.authTimeout, 'no authentication within limits.authTimeout');
  }

  /** One timer per stream at a time: first until SASL success (short), then until bind. */
  private armNegotiationTimer(seconds: number, text: string): void {
    clearTimeout(this.negotiationTimer);
    this.negotiationTimer = setTimeout(() => {
      if (this.state !== 'bound' && this.state !== 'closed') this.close(new StreamError('connection-timeout', text));
    }, seconds * 1000);
    this.negotiationTimer.unref?.();
  }

  get isSecure(): boolean {
    return this.transport.isSecure();
  }

  get isLoopback(): boolean {
    return isLoopbackAddress(this.transport.remoteAddress);
  }

  get isAuthenticated(): boolean {
    return this.state === 'authenticated' || this.state === 'bound';
  }

  /** TLS must come first: required by config, offered by the transport, not done yet. */
  get mustStartTls(): boolean {
    return this.core.options.requireTls && !this.isSecure && this.transport.canStartTls();
  }

  /** 1–4. Validates the client's header, answers with ours, then offers the features of this stage (RFC 6120 §4.7, §4.3.2). */
  async onStreamOpen(attrs: Record<string, string>): Promise<void> {
    if (this.state === 'closed') return;
    this.streamId = randomBytes(12).toString('base64url');
    const domain = this.core.domain;
    const from = parseJid(attrs.from);
    if (from && !this.isAuthenticated) this.streamFrom = from;
    if (attrs['xml:lang']) this.lang = attrs['xml:lang'];
    const header: Record<string, string> = { id: this.streamId, from: domain, version: '1.0', 'xml:lang': 'en' };
    if (from) header.to = from.toString();
    // 1. The header is always answered first, so that even an error is well-formed (RFC 6120 §4.9.1.2).
    this.transport.openStream(header);
    if (this.redirectOnRestart) return this.close(this.redirectOnRestart);
    // 2. Namespace, host and version checks.
    if (attrs.xmlns !== undefined && attrs.xmlns !== NS.CLIENT) return this.close(new StreamError('invalid-namespace', `default namespace must be ${NS.CLIENT}`));
    if (attrs.to !== undefined && attrs.to.toLowerCase() !== domain) return this.close(new StreamError('host-unknown', `this server serves ${domain}`));
    const major = Number((attrs.version ?? '0.9').split('.')[0]);
    if (!(major >= 1)) return this.close(new StreamError('unsupported-version', 'XMPP 1.0 streams only (RFC 6120 §4.7.5)'));
    if (major > 1) return this.close(new StreamError('unsupported-version', 'this server speaks version 1.0'));
    // 3. Features for the stage we are in.
    if (this.state === 'opening') this.state = 'open';
    this.transport.send(await this.features());
  }

  private async features(): Promise<Element> {
    const features = xml('stream:features', {});
    if (this.state === 'open') {
      if (this.transport.canStartTls() && !this.isSecure) {
        features.cnode(xml('starttls', { xmlns: NS.TLS }, ...(this.core.options.requireTls ? [xml('required')] : [])));
        if (this.mustStartTls) return features; // RFC 6120 §5.3.1: nothing else until TLS is done
      }
      const mechanisms = this.sasl!.mechanismsElement();
      // Extensions inside <mechanisms/> (XEP-0233 <hostname/>: the home and backup nodes of the user named in the header).
      for (const el of await this.core.hooks.collect('stream-features/mechanisms', { session: this })) mechanisms.cnode(el);
      features.cnode(mechanisms);
      for (const el of await this.core.hooks.collect('stream-features/pre-auth', { session: this })) features.cnode(el);
    } else if (this.state === 'authenticated') {
      features.cnode(xml('bind', { xmlns: NS.BIND }));
      // RFC 3921 session establishment is still sent by older clients; advertised as optional (RFC 6121 Appendix E).
      features.cnode(xml('session', { xmlns: NS.SESSION }, xml('optional')));
      // XEP-0198 §2: after <bind/> (enabled after binding, or a resumption instead of binding).
      const sm = this.core.sm.feature(this);
      if (sm) features.cnode(sm);
      for (const el of await this.core.hooks.collect('stream-features/post-auth', { session: this })) features.cnode(el);
    }
    return features;
  }

  /** Every top-level element from the transport. */
  async onElement(el: Element): Promise<void> {
    try {
      await this.handleElement(el);
    } catch (err) {
      if (err instanceof StreamError) return this.close(err);
      // The cluster's shared store is unreachable (Redis down): say so, and let the client retry later.
      if (err instanceof StoreUnavailableError) return this.close(new StreamError('internal-server-error', 'the cluster store is unavailable; try again shortly'));
      this.log.error({ err }, 'unexpected failure handling an element');
      this.close(new StreamError('internal-server-error'));
    }
  }

  private async handleElement(el: Element): Promise<void> {
    // A cluster node whose heartbeat lease lapsed fences itself here, closing this stream too.
    if (!this.core.holdsLease()) return;
    if (this.state === 'closed') return;
    const ns = el.attrs.xmlns;
    if (ns === NS.TLS && el.name === 'starttls') return this.startTls();
    if (this.mustStartTls) throw new StreamError('policy-violation', 'STARTTLS is required before anything else (RFC 6120 §5.3.1)');
    if (ns === NS.SM) return this.core.sm.handle(this, el);
    if (ns === NS.SASL) {
      if (this.state !== 'open') throw new StreamError('policy-violation', 'already authenticated');
      return this.sasl!.handle(el);
    }
    const isStanza = el.name === 'iq' || el.name === 'message' || el.name === 'presence';
    // Not counted by XEP-0198 (§4: only stanzas are).
    if (!isStanza && this.state === 'bound' && (await this.core.hooks.dispatch('stream/nonza', { session: this, element: el }))) return;
    if (!isStanza) throw new StreamError('unsupported-stanza-type', `<${clip(el.name)}/> is not a stanza this stream accepts`);
    if (ns !== undefined && ns !== NS.CLIENT) throw new StreamError('invalid-namespace', `stanzas must be in ${NS.CLIENT}`);
    if (!this.isAuthenticated) {
      // XEP-0077 §3.1: in-band registration answers IQs before authentication, when a module offers it.
      if (this.state === 'open' && el.name === 'iq' && (await this.core.hooks.dispatch('stream/pre-auth-iq', { session: this, stanza: el }))) return;
      throw new StreamError('not-authorized', 'authenticate first (RFC 6120 §6)');
    }
    if (this.state === 'authenticated') {
      if (el.name === 'iq' && (await handleBind(this, el))) return;
      throw new StreamError('not-authorized', 'bind a resource first (RFC 6120 §7)');
    }
    await this.handleStanza(el);
    this.sm?.onInbound(); // XEP-0198 §4: handled
  }

  private async startTls(): Promise<void> {
    if (this.state !== 'open' || this.isSecure || !this.transport.canStartTls() || !this.transport.startTls) {
      // RFC 6120 §5.4.2.2: <failure/> and close.
      this.transport.send(xml('failure', { xmlns: NS.TLS }));
      return this.close();
    }
    this.transport.send(xml('proceed', { xmlns: NS.TLS }));
    await this.transport.startTls();
    this.state = 'opening';
  }

  /** Called by SASL negotiation on success (RFC 6120 §6.4.6). */
  async onAuthenticated(username: string): Promise<void> {
    this.username = username;
    this.state = 'authenticated';
    this.sasl = undefined;
    if (this.isAdmitted) this.core.admission.authenticated(this.transport.remoteAddress);
    this.armNegotiationTimer(this.core.options.limits.negotiationTimeout, 'no resource bound within limits.negotiationTimeout');
    this.transport.resetStream();
    await this.core.hooks.dispatch('session/authenticated', { session: this });
  }

  /** XEP-0198 §5: this stream continues a bound session (its id, full JID and availability). */
  onResumed(sessionId: string, jid: JID, presence: SessionPresence): void {
    this.id = sessionId;
    this.presence = presence;
    this.onBound(jid);
  }

  /**
   * Runs a XEP-0198 resumption: if the connection is lost meanwhile, that is handled once the
   * resumption is done, on whatever state it left (a resumed session hibernates again).
   */
  async whileResuming(task: () => Promise<void>): Promise<void> {
    this.resuming = {};
    try {
      await task();
    } finally {
      const lost = this.resuming.lost;
      this.resuming = undefined;
      if (lost) this.onTransportClosed(lost.error);
    }
  }

  /** Called by bind with the JID now routed to this session. */
  onBound(jid: JID): void {
    this.jid = jid;
    this.state = 'bound';
    clearTimeout(this.negotiationTimer);
    this.negotiationTimer = undefined; // nothing of negotiation stays with an idle session
    this.log.info({}, 'session bound');
  }

  /** The tags of this session's log lines (LogTagSource). */
  logTags(): Record<string, unknown> {
    const tags: Record<string, unknown> = { session: this.id, transport: this.transport.kind, remote: this.transport.remoteAddress };
    if (this.jid) tags.jid = this.jid.toString();
    return tags;
  }

  /** A session adopted from another node (Core.adoptSession): bound at once, negotiation long done. */
  restore(username: string, jid: JID, streamId: string, presence: SessionPresence): void {
    this.username = username;
    this.streamId = streamId;
    this.presence = presence;
    this.onBound(jid);
  }

  /**
   * 1. Validate and stamp `from` (RFC 6120 §8.1.2.1). 2. Undirected presence: record the new
   * availability in the directory first, so that routing the presence (and anything routed
   * meanwhile) already sees it. 3. Route. 4. Tell modules that availability changed (offline
   * flush, lock release), after the presence went out.
   */
  private async handleStanza(el: Element): Promise<void> {
    const prepared = prepareOutgoing(this, el);
    if (!prepared) return;
    const isOwnPresence = prepared.name === 'presence' && !prepared.attrs.to;
    try {
      const previous = isOwnPresence ? await this.trackPresence(prepared) : undefined;
      await this.core.router.route(prepared, this);
      if (previous) await this.core.hooks.notify('session/presence-changed', { session: this, previous });
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      // The cluster store is unreachable for a moment (Redis failing over, issue 14): this stanza
      // fails with a retryable error (type 'wait'); the stream, signed in, stays.
      this.log.warn({ err, kind: prepared.name }, 'a stanza failed: the cluster store is unavailable');
      this.core.router.bounce(prepared, new StanzaError('internal-server-error', err.text, { type: 'wait' }));
    }
  }

  /** Records undirected available/unavailable presence (RFC 6121 §4.2, §4.4, §4.5); returns the previous state (undefined for other types). */
  private async trackPresence(presence: Element): Promise<SessionPresence | undefined> {
    const type = presence.attrs.type;
    let next: SessionPresence;
    if (type === undefined) next = { isAvailable: true, priority: clampPriority(presence.getChildText('priority')) };
    else if (type === 'unavailable') next = { isAvailable: false, priority: 0 };
    else return undefined;
    const previous = this.presence;
    if (isReachable(next) && !isReachable(previous) && this.state === 'bound') await this.core.hooks.notify('session/becoming-reachable', { session: this });
    this.presence = next;
    await this.setFlags(next);
    return previous;
  }

  /** Changes this session's entry in the session directory (availability, carbons, roster interest). */
  async setFlags(flags: EntryFlags): Promise<void> {
    if (this.state !== 'bound' || !this.jid) return;
    // Kept here too: while the shared directory cannot be read, the router answers from this node's own sessions.
    if (flags.carbons !== undefined) this.flags.carbons = flags.carbons;
    if (flags.interested !== undefined) this.flags.interested = flags.interested;
    await this.core.directory.update(this.jid.local, this.jid.resource, this.id, flags);
  }

  /** Writes a stanza routed to this session, unless a `pre-stanza/deliver` handler swallows it. */
  async deliver(stanza: Element): Promise<void> {
    // A stanza routed here while the stream was closing is not dropped: it goes back to core (undelivered.ts).
    if (this.state === 'closed') return this.core.redeliver(this, [stanza]);
    if (await this.core.hooks.dispatch('pre-stanza/deliver', { stanza, session: this })) return;
    if ((this.state as SessionState) === 'closed') return this.core.redeliver(this, [stanza]);
    this.write(stanza);
  }

  /** Writes to the client; with stream management, stanzas are counted and kept until acknowledged (a hibernated session only keeps them). */
  write(el: Element): void {
    if (this.sm) this.sm.send(el);
    else this.transport.send(el);
  }

  /** Replies to a stanza this session sent with an error (never to an error, RFC 6120 §8.3.1). */
  replyError(stanza: Element, error: StanzaError): void {
    if (stanza.attrs.type === 'error' || this.state === 'closed') return;
    this.write(errorReply(stanza, error));
  }

  /**
   * Sends the client to another node (design.md §5): the transport's own signal when it has one
   * (BOSH terminate see-other-uri, WebSocket <close see-other-uri/>), else the stream error
   * see-other-host with the node's c2s host and port (RFC 6120 §4.9.3.19).
   */
  redirect(target: NodeAddress, text: string): void {
    if (this.state === 'closed') return;
    if (this.transport.seeOther) {
      this.transport.seeOther(target, text);
      this.onTransportClosed(new StreamError('see-other-host', text));
      return;
    }
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const error = new StreamError('see-other-host', text, `${host}:${target.port}`);
    // Right after SASL success the client is about to restart the stream: answer that new
    // stream's header with the error, so that the client reads it on the stream it parses.
    if (this.state === 'authenticated') this.redirectOnRestart = error;
    else this.close(error);
  }

  /**
   * Closes the stream (with an error if given) and unregisters: the session ends, also a
   * resumable one — except on connection-timeout, a lost connection. A hibernated session (no
   * connection left) ends. Idempotent.
   */
  close(error?: StreamError): void {
    if (this.state === 'closed') return;
    if (this.state === 'hibernated') {
      this.state = 'closed';
      this.core.unbind(this, error);
      return;
    }
    this.isClosingDeliberately = true;
    this.transport.close(error);
    this.onTransportClosed(error);
  }

  /**
   * The transport is gone (client closed, socket broke, BOSH inactivity). A bound stream with
   * resumable stream management whose connection was lost — not closed by either side, or timed
   * out — hibernates instead of ending (XEP-0198 §7).
   */
  onTransportClosed(error?: StreamError): void {
    if (this.state === 'closed' || this.state === 'hibernated') return;
    if (this.resuming) {
      this.resuming.lost ??= { error };
      return;
    }
    const wasBound = this.state === 'bound';
    clearTimeout(this.negotiationTimer);
    if (error) this.log.info({ condition: error.condition, text: error.text }, 'stream closed with error');
    else this.log.debug({}, 'stream closed');
    this.releaseStream();
    const isLost = error ? error.condition === 'connection-timeout' : !this.isClosingDeliberately;
    this.isClosedByClient = this.isClosingDeliberately && !error;
    if (wasBound && isLost && this.sm?.isResumable) {
      this.state = 'hibernated';
      this.core.sm.hibernate(this);
      void this.core.hooks.notify('session/hibernated', { session: this });
      return;
    }
    this.state = 'closed';
    if (wasBound) this.core.unbind(this, error);
  }

  /**
   * XEP-0198 §5: another stream on this node resumed this session. This stream closes (with
   * `error`, conflict, if its connection is still up) and nothing of the session ends: no unbind.
   */
  detach(error: StreamError): void {
    if (this.state === 'closed') return;
    const wasLive = this.state !== 'hibernated';
    this.state = 'closed';
    this.sm?.detach();
    this.core.sm.forget(this);
    if (!wasLive) return;
    this.log.info({}, 'stream replaced by a resumption');
    this.transport.close(error);
    this.releaseStream();
  }

  /** The connection no longer counts: shutdown's list and admission. */
  private releaseStream(): void {
    this.core.streams.delete(this);
    if (this.isAdmitted) {
      this.isAdmitted = false;
      this.core.admission.released(this.transport.remoteAddress, this.username !== undefined);
    }
  }

  /**
   * A transport hands back what it could not deliver, once this session is closed (a client that
   * stopped reading, BOSH inactivity): see core's `redeliver` (undelivered.ts). With stream
   * management they are still in its queue, which decides what happens to them — except after a
   * clean close by the client, when the queue keeps only what was never written (see
   * StreamManagement.end).
   */
  returnUndelivered(stanzas: Element[]): void {
    if (this.sm && !this.isClosedByClient) return;
    this.core.redeliver(this, stanzas);
  }
}

/** RFC 6121 §4.7.2.3: an integer −128..127; 0 when absent or not a number. */
export function clampPriority(text: string | null | undefined): number {
  const n = Number(text ?? 0);
  return Number.isInteger(n) ? Math.max(-128, Math.min(127, n)) : 0;
}

/** RFC 6121 §8.5.2.1: whether a resource with this presence takes messages to the bare JID. */
export function isReachable(presence: SessionPresence): boolean {
  return presence.isAvailable && presence.priority >= 0;
}
