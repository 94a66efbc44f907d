// RFC 6120 §10 / RFC 6121 §8: decides which hook event a stanza belongs to (host, bare, full,
// self) and fires it. Default delivery rules are fallbacks at negative priority (delivery.ts);
// feature modules hook in above them. See docs/routing.md for the table.
import type { Element } from '@xmpp/xml';
import { StanzaError, errorReply, parseJid, withAttrs, type JID } from '@deskchat/protocol';
import type { Core } from './core.js';
import type { StanzaEvent } from './hook-events.js';
import type { Session } from './session.js';

type Kind = 'message' | 'presence' | 'iq';

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
      this.core.log.error({ err, kind, addressing }, 'routing failed');
      this.bounce(stanza, new StanzaError('internal-server-error'));
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
    void this.deliverTo(reply);
  }

  /** Sends a stanza to the local session named by its full `to`, if there is one; returns whether it was written. */
  async deliverTo(stanza: Element): Promise<boolean> {
    const to = parseJid(stanza.attrs.to);
    const session = to?.local && to.resource ? this.core.sessions.get(to.local, to.resource) : undefined;
    if (!session) return false;
    await session.deliver(stanza);
    return true;
  }

  /** The local session for a full JID. */
  sessionFor(jid: JID): Session | undefined {
    return jid.local && jid.resource ? this.core.sessions.get(jid.local, jid.resource) : undefined;
  }
}
