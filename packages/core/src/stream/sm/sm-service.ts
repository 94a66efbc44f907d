// XEP-0198 on one node: the stream feature (§2), <enable/> (§3), <r/> and <a/> (§4), <resume/>
// (§5, resume.ts), hibernation of unfinished streams (§7) and their end (§4: unacknowledged
// stanzas treated as if sent to an unavailable resource). Offered on TCP and WebSocket; never on
// BOSH, whose own acks and resends (XEP-0124 §9) already cover a lost response.
//
// The resumable state lives in the StreamResumptionStore port, so that any node can resume a
// stream; this service holds only what a node needs about its own sessions (which are
// hibernated, and which local session an SM-ID belongs to).
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { StreamError, isDelayedBy } from '@deskchat/protocol';
import type { Core } from '../../core.js';
import type { Session } from '../../session.js';
import type { StreamResumptionStore } from '../../volatile/index.js';
import { parseDocument, type XmlLimits } from '../../xml/index.js';
import { parseSeq } from './counters.js';
import { SM_NS, enabledElement, failedElement, smFeature } from './elements.js';
import { resume } from './resume.js';
import type { Clock, SmOptions } from './sm-options.js';
import { StreamManagement, type SmEnd } from './stream-management.js';


export class SmService {
  readonly options: SmOptions;
  /** Sessions of this node whose connection is gone and that may still be resumed (§7). */
  readonly hibernated = new Set<Session>();
  /** This node's resumable sessions by SM-ID, live or hibernated (a resumption on this node finds its predecessor here). */
  readonly local = new Map<string, Session>();

  /** Stored stanzas passed the stream limits once; a stored copy may carry a little more (delay, addressing). */
  readonly storedLimits: XmlLimits;

  constructor(
    readonly core: Core,
    readonly store: StreamResumptionStore,
    readonly clock: Clock,
  ) {
    this.options = core.options.sm;
    this.storedLimits = { ...core.options.xml, maxStanzaBytes: core.options.xml.maxStanzaBytes + 4096 };
  }

  /** §2: TCP and WebSocket streams, when enabled. */
  isOffered(session: Session): boolean {
    return this.options.enabled && session.transport.kind !== 'bosh';
  }

  /** The <sm/> feature after authentication, placed after <bind/> (§2, §3: enabled after binding, or resumed instead of it). */
  feature(session: Session): Element | undefined {
    return this.isOffered(session) ? smFeature() : undefined;
  }

  /** Every urn:xmpp:sm:3 element from a client. A StreamError thrown here closes the stream. */
  async handle(session: Session, el: Element): Promise<void> {
    if (el.name === 'enable') return this.enable(session, el);
    if (el.name === 'resume') return resume(this, session, el);
    if (el.name !== 'r' && el.name !== 'a') throw new StreamError('unsupported-stanza-type', `<${el.name}/> is not a stream management element this server takes (XEP-0198)`);
    if (!session.sm) throw new StreamError('unsupported-stanza-type', 'stream management is not enabled on this stream (XEP-0198 §3)');
    if (el.name === 'r') return session.sm.onRequest();
    const h = parseSeq(el.attrs.h);
    if (h === undefined) throw new StreamError('bad-format', "<a/> needs an 'h' attribute, an unsigned 32-bit integer (XEP-0198 §4)");
    const error = session.sm.onAck(h);
    if (error) throw error;
  }

  /** §3: after binding, at most once per stream; with resume='true' the stream becomes resumable (§5). */
  private async enable(session: Session, el: Element): Promise<void> {
    if (!this.isOffered(session)) return session.write(failedElement('feature-not-implemented'));
    if (session.state !== 'bound' || session.sm) return session.write(failedElement('unexpected-request'));
    const wantsResume = el.attrs.resume === 'true' || el.attrs.resume === '1';
    const maxSeconds = this.timeoutFor(el.attrs.max);
    let id: string | undefined;
    if (wantsResume) {
      id = randomBytes(18).toString('base64url');
      const { local, resource } = session.jid!;
      try {
        await this.store.create({ id, username: local, resource, sessionId: session.id, node: this.core.node, epoch: 0, maxSeconds, inbound: 0, acked: 0, unacked: [] });
      } catch (err) {
        // Acks still work; the stream is just not resumable (the server may refuse resumption, §5).
        session.log.error({ err }, 'could not store a resumable stream: enabling stream management without resumption');
        id = undefined;
      }
    }
    if (session.state !== 'bound') {
      if (id) await this.store.end(id, 0).catch(() => undefined);
      return;
    }
    session.sm = new StreamManagement(session, this, { id, epoch: 0, maxSeconds, inbound: 0, acked: 0, unacked: [] });
    // Written before anything counted: the client starts counting what it receives after <enabled/> (§4).
    session.transport.send(enabledElement(id ? { id, max: maxSeconds } : {}));
    session.log.debug({ resumable: id !== undefined, max: maxSeconds }, 'stream management enabled');
    if (id) {
      this.local.set(id, session);
      // The directory entry names the record, so that a takeover of this node, should it die, leaves the session to be resumed (takeover.ts).
      await session.setFlags({ resumeId: id });
    }
  }

  /** The resumption timeout: the client's `max` when it asks for one, within `sm.maxResumptionTimeout`. */
  private timeoutFor(max: string | undefined): number {
    const asked = max !== undefined && /^[0-9]{1,9}$/.test(max) ? Number(max) : 0;
    return asked > 0 ? Math.min(asked, this.options.maxResumptionTimeout) : this.options.resumptionTimeout;
  }

  /** §7: the session stays bound without a connection; stanzas to it wait in its queue until it resumes or expires. */
  hibernate(session: Session): void {
    this.hibernated.add(session);
    session.log.info({ seconds: session.sm!.maxSeconds, unacked: session.sm!.unackedCount }, 'connection lost: session hibernated until resumed (XEP-0198)');
    session.sm!.hibernate(() => session.close(new StreamError('connection-timeout', 'the stream was not resumed in time (XEP-0198 §5)')));
  }

  /** The session ended (closed, expired, or found resumed elsewhere): what became of its stream management. */
  async ended(session: Session): Promise<SmEnd> {
    this.forget(session);
    return session.sm!.end(session.isClosedByClient);
  }

  /** This node no longer holds the session (ended, or continued by another stream). */
  forget(session: Session): void {
    this.hibernated.delete(session);
    const id = session.sm?.id;
    if (id && this.local.get(id) === session) this.local.delete(id);
  }

  /**
   * §4: what the client never acknowledged goes back to the router as if sent to an unavailable
   * resource — except messages that came from offline storage (the server's XEP-0203 delay):
   * storage still holds them until the client proves receipt (offline.ts), so they are neither
   * lost nor stored twice.
   */
  redeliver(session: Session, unacked: Element[]): void {
    this.core.redeliver(session, this.unstored(unacked));
  }

  /**
   * A stanza for a session that another stream has resumed meanwhile: to the node holding it now
   * (the directory may not say so yet), else back to the router.
   */
  async forward(from: Session, stanza: Element, id: string): Promise<void> {
    const jid = from.jid!;
    const now = await this.store.get(id).catch(() => undefined);
    if (now && now.node !== this.core.node) return this.core.bus.publish(now.node, { type: 'stanza', to: jid.toString(), stanza: stanza.toString() });
    const holder = this.core.sessions.get(jid.local, jid.resource);
    if (now && holder && holder !== from && holder.state !== 'closed') return holder.write(stanza);
    await this.core.router.redeliver([stanza]);
  }

  /**
   * A takeover of the dead node `dead` (cluster/takeover.ts) meets one of its sessions whose
   * directory entry names the resumption record `id`: 'waiting' while the client may still resume
   * it here or on another node (a record the node held with its connection up gets its resumption
   * timeout from now); otherwise the record is ended and what it still held for the client is
   * returned, for `routeAgain` once the session has been ended (an unknown record: nothing).
   */
  async takeOver(id: string, dead: string, now: number): Promise<'waiting' | Element[]> {
    const record = await this.store.get(id);
    if (!record) return [];
    if (record.node !== dead) return 'waiting'; // resumed elsewhere; its directory entry is about to move
    if (record.expiresAt === undefined) {
      await this.store.hibernate(id, record.epoch, now + record.maxSeconds * 1000);
      return 'waiting';
    }
    if (record.expiresAt > now) return 'waiting';
    const ended = await this.store.end(id, record.epoch);
    return ended ? ended.unacked.map((text) => parseDocument(text, this.storedLimits)) : [];
  }

  /**
   * A stanza that waited on a dead node's bus for a stream still waiting to be resumed: into its
   * resumption record, where the resuming client gets it (routing it again would come back to the
   * same waiting session, and copies to the user's other resources every time). False when the
   * record is gone or was claimed meanwhile: the caller routes it as usual.
   */
  async holdForResumption(id: string, stanza: string): Promise<boolean> {
    const record = await this.store.get(id);
    return record !== undefined && record.expiresAt !== undefined && (await this.store.push(id, record.epoch, stanza));
  }

  /** §4 for a session of a dead node (see `takeOver`), as `redeliver` does for this node's; returns the messages routed again. */
  async routeAgain(unacked: Element[]): Promise<number> {
    return this.core.router.redeliver(this.unstored(unacked));
  }

  /** Leaves out messages that came from offline storage (the server's own XEP-0203 delay): storage keeps them until their own proof of receipt. */
  private unstored(unacked: Element[]): Element[] {
    const domain = this.core.domain;
    return unacked.filter((el) => !isDelayedBy(el, domain));
  }

  outputBoundError(limit: number): StreamError {
    return new StreamError('policy-violation', `more than ${limit} bytes of stanzas wait for an acknowledgement (limits.maxOutputBytes)`);
  }

  /** Core.shutdown: hibernated sessions end like the others (their unacknowledged messages go to offline storage). */
  closeHibernated(error: StreamError): void {
    for (const session of [...this.hibernated]) session.close(error);
  }
}

export { SM_NS };
