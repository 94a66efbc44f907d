// RFC 6121 §4: one resource's own presence. Initial presence (§4.2) with probes (§4.3) and the
// redelivery of unanswered subscription requests (§3.1.3), updates (§4.4), unavailable (§4.5),
// directed presence and its unavailable at sign-out (§4.6.3), and the unavailable the server sends
// for a resource whose connection ended without one — also when its node died and another node
// cleans up after it, which is why everything here works from the resource's JID and session id,
// never from a live session object.
import xml, { type Element } from '@xmpp/xml';
import { withAttrs, type JID } from '@deskchat/protocol';
import { parseDocument, type ModuleApi, type StanzaEvent } from '@deskchat/core';
import type { RosterService } from '../roster/roster-service.js';
import { hasFrom } from '../roster/subscription-state.js';
import type { PresenceBroadcaster } from './broadcaster.js';

/** A bound resource as the presence module knows it: its full JID and the stream that holds it. */
export interface ResourceRef {
  jid: JID;
  sessionId: string;
}

export class ResourcePresence {
  constructor(
    private readonly api: ModuleApi<unknown>,
    private readonly rosters: RosterService,
    private readonly broadcaster: PresenceBroadcaster,
  ) {}

  /** RFC 6121 §4.2.2 (initial) and §4.4.2 (update): broadcast; on initial presence, also probe and redeliver. */
  async available({ jid, sessionId }: ResourceRef, stanza: Element): Promise<void> {
    const username = jid.local;
    const previous = await this.api.presence.setAvailable(username, jid.resource, sessionId, stanza.toString());
    const isInitial = previous === undefined;
    // 1. To subscribers and to all of the user's available resources, this one included.
    await this.broadcaster.broadcast(username, [stanza], { resource: jid, isInitial });
    if (!isInitial) return;
    // 2. The new resource learns the presence of the user's other available resources.
    for (const other of await this.broadcaster.availablePresence(username)) {
      if (other.attrs.from !== jid.toString()) await this.api.router.deliver(jid, withAttrs(other, { to: jid.toString() }));
    }
    // 3. §4.3: probes to the contacts the user is subscribed to, answered on their behalf.
    await this.broadcaster.answerProbes(jid);
    // 4. §3.1.3: every request still unanswered, again, until the user approves or declines it.
    await this.redeliverRequests(jid);
  }

  /** RFC 6121 §4.5.2: unavailable to subscribers and the user's other resources; §4.6.3: and to directed-presence recipients. */
  async unavailable({ jid, sessionId }: ResourceRef, stanza: Element): Promise<void> {
    const username = jid.local;
    const wasAvailable = (await this.api.presence.clearAvailable(username, jid.resource, sessionId)) !== undefined;
    if (wasAvailable) {
      await this.broadcaster.broadcast(username, [stanza], { resource: jid, isInitial: false });
      if ((await this.broadcaster.availableResources(username)).length === 0) await this.broadcaster.recordLastSeen(username, stanza);
    }
    for (const target of await this.api.presence.takeDirected(username, jid.resource, sessionId)) {
      await this.api.router.route(withAttrs(stanza, { to: target }));
    }
  }

  /** A bound resource ended (closed, replaced, broken, or its node died): the server sends the unavailable the client did not. */
  async unbound(resource: ResourceRef): Promise<void> {
    await this.unavailable(resource, xml('presence', { type: 'unavailable', from: resource.jid.toString() }));
  }

  /**
   * RFC 6121 §4.6.2: directed presence is delivered by the routing fallback; here the server only
   * remembers recipients outside the user's subscribers, who are owed an unavailable later (§4.6.3).
   */
  async directed({ stanza, from, to, origin }: StanzaEvent): Promise<void> {
    if (!origin?.jid || to.bare().equals(from.bare())) return;
    const { local, resource } = origin.jid;
    const target = to.toString();
    if (stanza.attrs.type === 'unavailable') {
      await this.api.presence.removeDirected(local, resource, origin.id, target);
      return;
    }
    const item = await this.rosters.getItem(from.local, to.bare().toString());
    if (item && hasFrom(item)) return; // broadcasts reach subscribers anyway
    await this.api.presence.addDirected(local, resource, origin.id, target);
  }

  private async redeliverRequests(jid: JID): Promise<void> {
    const user = jid.bare().toString();
    for (const request of await this.api.stores.roster.getRequests(jid.local)) {
      await this.api.router.deliver(jid, readStored(request.stanza) ?? xml('presence', { type: 'subscribe', from: request.jid, to: user }));
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
