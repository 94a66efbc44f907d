// RFC 6120 §10 / RFC 6121 §8: decides which hook event a stanza belongs to (host, bare, full,
// self) and fires it; and the one way anything reaches a session (`deliver`), on this node or
// another (design.md §5: the session directory says where, the node bus carries). Default
// delivery rules are fallbacks at negative priority (modules/delivery.ts); feature modules hook in
// above them. See docs/routing.md for the table.
import type { Element } from '@xmpp/xml';
import { StanzaError, errorReply, parseJid, withAttrs, type JID } from '@deskchat/protocol';
import type { Core } from './core.js';
import type { HostedService, StanzaEvent } from './hook-events.js';
import { isReachable, type Session } from './session.js';
import { StoreUnavailableError } from './storage/store-unavailable.js';
import type { DirectoryEntry, DirectoryReadOptions } from './volatile/index.js';

type Kind = 'message' | 'presence' | 'iq';

/** One bound resource of a user, wherever it is (a plain descriptor: no live session behind it). */
export interface Resource {
  jid: JID;
  node: string;
  sessionId: string;
  isAvailable: boolean;
  priority: number;
  carbons: boolean;
  interested: boolean;
}

export class Router {
  constructor(private readonly core: Core) {}

  /** Routes a stanza whose `from` is already stamped; `origin` is the local session that sent it. */
  async route(stanza: Element, origin?: Session): Promise<void> {
    const kind = stanza.name as Kind;
    const from = parseJid(stanza.attrs.from) ?? parseJid(this.core.domain)!;
    const rawTo = stanza.attrs.to;
    let event: StanzaEvent;
    let addressing: 'host' | 'bare' | 'full' | 'self';
    if (rawTo === undefined) {
      // RFC 6120 §10.3: no 'to' means the sender's own account (presence: a broadcast, RFC 6121 §4.2).
      // Errors then come from that account too (RFC 6120 §8.1.2.1), as results do.
      stanza = withAttrs(stanza, { to: from.bare().toString() });
      event = { stanza, from, to: from.bare(), origin };
      addressing = kind === 'presence' ? 'self' : 'bare';
    } else {
      const to = parseJid(rawTo);
      if (!to) return this.bounce(stanza, new StanzaError('jid-malformed'));
      if (to.domain !== this.core.domain) {
        // A service this server hosts on a subdomain (conference.<domain>) routes its own stanzas.
        const service = this.core.hostedServices.get(to.domain);
        if (service) return this.toHostedService(service, { stanza, from, to, origin });
        // No server-to-server federation: remote domains are unreachable (RFC 6120 §10.4.3).
        return this.bounce(stanza, new StanzaError('remote-server-not-found', 'this server does not federate'));
      }
      event = { stanza, from, to, origin };
      addressing = !to.local ? 'host' : to.resource ? 'full' : 'bare';
    }
    try {
      const handled = await this.core.hooks.dispatch(`${kind}/${addressing}` as `${Kind}/host`, event);
      if (!handled && kind !== 'presence') this.bounce(stanza, new StanzaError('service-unavailable'));
    } catch (err) {
      if (err instanceof StanzaError) return this.bounce(stanza, err);
      // The cluster store is unreachable for a moment (Redis failing over, issue 14): retry later.
      if (err instanceof StoreUnavailableError) {
        this.core.log.warn({ err, kind, addressing }, 'routing failed: the cluster store is unavailable');
        return this.bounce(stanza, new StanzaError('internal-server-error', err.text, { type: 'wait' }));
      }
      this.core.log.error({ err, kind, addressing }, 'routing failed');
      this.bounce(stanza, new StanzaError('internal-server-error'));
    }
  }

  private async toHostedService(service: HostedService, event: StanzaEvent): Promise<void> {
    try {
      await service(event);
    } catch (err) {
      if (err instanceof StanzaError) return this.bounce(event.stanza, err);
      this.core.log.error({ err, kind: event.stanza.name, to: event.to.domain }, 'hosted service failed');
      this.bounce(event.stanza, new StanzaError('internal-server-error'));
    }
  }

  /**
   * Returns an error to the sender of `stanza` (RFC 6120 §8.3.1): never for an error, and never
   * for an IQ result (which must not be answered).
   */
  bounce(stanza: Element, error: StanzaError): void {
    const type = stanza.attrs.type;
    if (type === 'error' || (stanza.name === 'iq' && type === 'result')) return;
    const reply = errorReply(stanza, error);
    if (!reply.attrs.from) reply.attrs.from = this.core.domain;
    const to = parseJid(reply.attrs.to);
    // Never an unhandled rejection: while the cluster store is down (a Redis failover), the sender's
    // session on another node cannot be looked up, and the error reply is dropped with a warning.
    if (to?.local && to.resource) this.deliver(to, reply).catch((err: unknown) => this.core.log.warn({ err, to: to.toString() }, 'an error reply could not be delivered'));
  }

  /**
   * Delivers a stanza to the session of a full JID, wherever it is: this node's session directly
   * (through 'pre-stanza/deliver'), another node's over the bus. False when no session holds the
   * JID. The stanza goes as it is; callers set its addressing.
   */
  async deliver(to: JID, stanza: Element): Promise<boolean> {
    if (!to.local || !to.resource) return false;
    const local = this.core.sessions.get(to.local, to.resource);
    if (local && local.state !== 'closed') {
      await local.deliver(stanza);
      return true;
    }
    const entry = await this.core.directory.get(to.local, to.resource);
    if (!entry || entry.node === this.core.node) return false;
    // A BOSH session that another node could continue: the stanza goes to its durable outbox first
    // (safe even if its node has just died), then its node is asked to look.
    if (entry.transport === 'bosh' && entry.resumeId && this.core.boshState) {
      if ((await this.core.boshState.append(entry.resumeId, [stanza.toString()])).length === 0) return false;
      await this.core.bus.publish(entry.node, { type: 'poke', id: entry.resumeId });
      return true;
    }
    await this.core.bus.publish(entry.node, { type: 'stanza', to: to.toString(), stanza: stanza.toString() });
    return true;
  }

  /**
   * Every bound resource of the user, on any node (RFC 6121 §8.5 needs them all). While the shared
   * directory cannot be read (the cluster store is down, issue 8 §8), this node's own sessions:
   * traffic between users of this node goes on, and the rest fails as before.
   */
  async resourcesOf(username: string, options?: DirectoryReadOptions): Promise<Resource[]> {
    let entries: DirectoryEntry[];
    try {
      entries = await this.core.directory.resourcesOf(username, options);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      return this.localResourcesOf(username);
    }
    return entries.map((e) => this.resourceOf(e));
  }

  /** The user's resources bound on this node, from the sessions themselves. */
  private localResourcesOf(username: string): Resource[] {
    return this.core.sessions
      .forUser(username)
      .filter((s) => s.state === 'bound' && s.jid)
      .map((s) => ({ jid: s.jid!, node: this.core.node, sessionId: s.id, isAvailable: s.presence.isAvailable, priority: s.presence.priority, ...s.flags }));
  }

  /** RFC 6121 §8.5.2: the resources that take messages to the bare JID (available, priority ≥ 0). */
  async availableResourcesOf(username: string): Promise<Resource[]> {
    return (await this.resourcesOf(username)).filter(isReachable);
  }

  resourceOf(entry: DirectoryEntry): Resource {
    const { node, sessionId, isAvailable, priority, carbons, interested } = entry;
    // A resource of this node: its session's JID, not a new one (@xmpp/jid checks every localpart
    // it is given for XEP-0106 escapes: 3.6 % of a node's time at 12,000 BOSH msg/s, profiled).
    const local = node === this.core.node ? this.core.sessions.get(entry.username, entry.resource)?.jid : undefined;
    return { jid: local ?? this.core.jid(entry.username, entry.resource), node, sessionId, isAvailable, priority, carbons, interested };
  }

  /**
   * Stanzas that were on their way to a session that is gone (its connection broke or stopped
   * reading, BOSH inactivity, it was replaced, its node no longer holds it) go back through the
   * rules as if they had been sent to the user's bare JID (issue #7 §2–3, conventions §7):
   *   message, chat/normal/headline → routed again to the bare JID (RFC 6121 §8.5.2): the user's
   *     other available resources, else offline storage ('message/offline'), else the sender
   *     gets the error the router gives;
   *   message, error → dropped (RFC 6120 §8.3.1: never answer an error);
   *   message carrying a XEP-0280 carbon → dropped (a copy; the original reached its recipients);
   *   iq get/set → the sender gets service-unavailable (RFC 6121 §8.5.3.2.2, the resource is gone);
   *   anything else (presence, iq results) → dropped: presence is state the next sign-in receives
   *     again, and answers to the session's requests have nobody to go to.
   * Returns how many messages were routed again.
   */
  async redeliver(stanzas: Element[]): Promise<number> {
    let messages = 0;
    for (const stanza of stanzas) {
      const owner = parseJid(stanza.attrs.to)?.bare();
      if (!owner?.local) continue;
      const type = stanza.attrs.type;
      if (stanza.name === 'message') {
        if (type === 'error' || isCarbon(stanza)) continue;
        messages++;
        await this.route(withAttrs(stanza, { to: owner.toString() }));
      } else if (stanza.name === 'iq' && (type === 'get' || type === 'set')) {
        this.bounce(stanza, new StanzaError('service-unavailable', 'the resource went away before this request was delivered'));
      }
    }
    return messages;
  }
}

const CARBONS = 'urn:xmpp:carbons:2';
const isCarbon = (el: Element) => el.getChild('received', CARBONS) !== undefined || el.getChild('sent', CARBONS) !== undefined;
