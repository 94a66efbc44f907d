// RFC 6121 §4: one resource's own presence. Initial presence (§4.2) with probes (§4.3) and the
// redelivery of unanswered subscription requests (§3.1.3), updates (§4.4), unavailable (§4.5),
// directed presence and its unavailable at sign-out (§4.6), and the unavailable the server sends
// for a resource whose connection ended without one.
import xml, { type Element } from '@xmpp/xml';
import { withAttrs } from '@deskchat/protocol';
import { parseDocument, type Core, type Session, type StanzaEvent } from '@deskchat/core';
import type { RosterService } from '../roster/roster-service.js';
import { hasFrom } from '../roster/subscription-state.js';
import { resourceState, type PresenceBroadcaster } from './broadcaster.js';

export class ResourcePresence {
  constructor(
    private readonly core: Core,
    private readonly rosters: RosterService,
    private readonly broadcaster: PresenceBroadcaster,
  ) {}

  /** RFC 6121 §4.2.2 (initial) and §4.4.2 (update): broadcast; on initial presence, also probe and redeliver. */
  async available(session: Session, stanza: Element): Promise<void> {
    const username = session.jid!.local;
    const state = resourceState(session);
    const isInitial = state.available === undefined;
    state.available = stanza;
    // 1. To subscribers and to all of the user's available resources, this one included.
    await this.broadcaster.broadcast(username, [stanza], session);
    if (!isInitial) return;
    // 2. The new resource learns the presence of the user's other available resources.
    for (const other of this.broadcaster.availableSessions(username)) {
      if (other !== session) await session.deliver(withAttrs(resourceState(other).available!, { to: session.jid!.toString() }));
    }
    // 3. §4.3: probes to the contacts the user is subscribed to, answered on their behalf.
    await this.broadcaster.answerProbes(session);
    // 4. §3.1.3: every request still unanswered, again, until the user approves or declines it.
    await this.redeliverRequests(session);
  }

  /** RFC 6121 §4.5.2: unavailable to subscribers and the user's other resources; §4.6.3: and to directed-presence recipients. */
  async unavailable(session: Session, stanza: Element): Promise<void> {
    const username = session.jid!.local;
    const state = resourceState(session);
    const wasAvailable = state.available !== undefined;
    state.available = undefined;
    if (wasAvailable) {
      await this.broadcaster.broadcast(username, [stanza], session);
      if (this.broadcaster.availableSessions(username).length === 0) this.broadcaster.recordLastSeen(username, stanza);
    }
    const directed = [...state.directed];
    state.directed.clear();
    for (const target of directed) await this.core.router.route(withAttrs(stanza, { to: target }));
  }

  /** A bound session ended (closed, replaced or broken): the server sends the unavailable the client did not. */
  async unbound(session: Session): Promise<void> {
    const state = resourceState(session);
    if (state.available === undefined && state.directed.size === 0) return;
    await this.unavailable(session, xml('presence', { type: 'unavailable', from: session.jid!.toString() }));
  }

  /**
   * RFC 6121 §4.6.2: directed presence is delivered by the routing fallback; here the server only
   * remembers recipients outside the user's subscribers, who are owed an unavailable later (§4.6.3).
   */
  async directed({ stanza, from, to, origin }: StanzaEvent): Promise<void> {
    if (!origin || to.bare().equals(from.bare())) return;
    const state = resourceState(origin);
    const target = to.toString();
    if (stanza.attrs.type === 'unavailable') {
      state.directed.delete(target);
      return;
    }
    const item = await this.rosters.getItem(from.local, to.bare().toString());
    if (item && hasFrom(item)) return; // broadcasts reach subscribers anyway
    state.directed.add(target);
  }

  private async redeliverRequests(session: Session): Promise<void> {
    const user = session.jid!.bare().toString();
    for (const request of await this.core.stores.roster.getRequests(session.jid!.local)) {
      await session.deliver(readStored(request.stanza) ?? xml('presence', { type: 'subscribe', from: request.jid, to: user }));
    }
  }
}

function readStored(text: string | undefined): Element | undefined {
  if (!text) return undefined;
  try {
    return parseDocument(text);
  } catch {
    return undefined; // a stored request that cannot be read is delivered without its extra content
  }
}
