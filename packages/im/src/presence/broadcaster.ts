// RFC 6121 §4: who receives a user's presence. Broadcast to subscribers ('from'/'both') and the
// user's own available resources (§4.2.2, §4.4.2, §4.5.2), the current presence for a probe or a
// new subscriber (§4.3.2, §3.1.5), and unavailable for a lost subscriber (§3.2.2). Everything
// passes 'presence/pre-broadcast' first (the composed-presence seam, see events.ts).
import xml, { Element } from '@xmpp/xml';
import { withAttrs } from '@deskchat/protocol';
import type { Core, Session } from '@deskchat/core';
import type { RosterService } from '../roster/roster-service.js';
import { hasFrom } from '../roster/subscription-state.js';
import type { PresenceBroadcastReason } from './events.js';
import './events.js';

const DELAY_NS = 'urn:xmpp:delay';
/** session.data key of the presence module's per-resource state. */
const RESOURCE_STATE = 'presence:resource';

export interface ResourceState {
  /** The last undirected available presence, stamped with the full JID; undefined while unavailable. */
  available?: Element;
  /** Entities given directed available presence that are not subscribers (RFC 6121 §4.6.3), as addressed. */
  directed: Set<string>;
}

export interface LastSeen {
  /** The last resource's unavailable presence, as the client sent it (or as the server made it on a broken connection). */
  presence: Element;
  at: number;
}

export function resourceState(session: Session): ResourceState {
  let state = session.data.get(RESOURCE_STATE) as ResourceState | undefined;
  if (!state) session.data.set(RESOURCE_STATE, (state = { directed: new Set() }));
  return state;
}

export class PresenceBroadcaster {
  private readonly lastSeen = new Map<string, LastSeen>();

  constructor(
    private readonly core: Core,
    private readonly rosters: RosterService,
    private readonly now: () => number,
  ) {}

  /** The user's available resources on this node (initial presence sent, not yet unavailable). */
  availableSessions(username: string): Session[] {
    return this.core.sessions.forUser(username).filter((s) => resourceState(s).available !== undefined);
  }

  lastSeenOf(username: string): LastSeen | undefined {
    return this.lastSeen.get(username);
  }

  recordLastSeen(username: string, presence: Element): void {
    this.lastSeen.set(username, { presence, at: this.now() });
  }

  /** Bare JIDs allowed to see the user's presence: items with 'from' or 'both' (RFC 6121 §4.2.2). */
  async subscribers(username: string): Promise<string[]> {
    const { items } = await this.rosters.getRoster(username);
    return items.filter(hasFrom).map((i) => i.jid);
  }

  /** Runs 'presence/pre-broadcast' and returns what is left to send. */
  async prepare(username: string, reason: PresenceBroadcastReason, stanzas: Element[], session?: Session): Promise<Element[]> {
    const payload = { username, reason, session, stanzas };
    await this.core.hooks.dispatch('presence/pre-broadcast', payload);
    return payload.stanzas;
  }

  /** RFC 6121 §4.2.2, §4.4.2, §4.5.2: to every subscriber's available resources and to the user's own. */
  async broadcast(username: string, stanzas: Element[], session?: Session): Promise<void> {
    const prepared = await this.prepare(username, 'broadcast', stanzas, session);
    if (prepared.length === 0) return;
    for (const contact of await this.subscribers(username)) await this.deliverToContact(contact, prepared);
    for (const own of this.availableSessions(username)) await deliverAll(own, prepared, own.jid!.toString());
  }

  /**
   * The user's presence now: the last presence of each available resource, or (none available)
   * the last unavailable with its time (XEP-0203 delay), or a bare unavailable (RFC 6121 §4.3.2).
   */
  async snapshot(username: string): Promise<Element[]> {
    const available = this.availableSessions(username).map((s) => resourceState(s).available!);
    return this.prepare(username, 'snapshot', available.length > 0 ? available : [this.unavailableOf(username)]);
  }

  /** RFC 6121 §3.1.5: a new subscriber gets the user's current presence. */
  async sendSnapshot(username: string, contact: string): Promise<void> {
    await this.deliverToContact(contact, await this.snapshot(username));
  }

  /** RFC 6121 §3.2.2: a contact whose subscription ended gets unavailable from each available resource. */
  async revoke(username: string, contact: string): Promise<void> {
    const stanzas = this.availableSessions(username).map((s) => xml('presence', { type: 'unavailable', from: s.jid!.toString() }));
    if (stanzas.length === 0) return;
    await this.deliverToContact(contact, await this.prepare(username, 'revoke', stanzas));
  }

  /** RFC 6121 §4.3: the probes of a newly available resource, answered here on behalf of each local contact. */
  async answerProbes(session: Session): Promise<void> {
    const user = session.jid!.bare().toString();
    const { items } = await this.rosters.getRoster(session.jid!.local);
    for (const item of items) {
      const contact = this.rosters.localUser(item.jid);
      if (!contact || !(item.subscription === 'to' || item.subscription === 'both')) continue;
      // §4.3.2: only a contact whose own roster grants the subscription answers.
      const back = await this.rosters.getItem(contact, user);
      if (!back || !hasFrom(back)) continue;
      await deliverAll(session, await this.snapshot(contact), session.jid!.toString());
    }
  }

  private unavailableOf(username: string): Element {
    const seen = this.lastSeen.get(username);
    if (!seen) return xml('presence', { type: 'unavailable', from: this.core.jid(username).toString() });
    const { presence, at } = seen;
    const copy = new Element('presence', { ...presence.attrs, type: 'unavailable' });
    for (const child of presence.children) {
      if (typeof child === 'string') copy.t(child);
      else if (!(child.name === 'delay' && child.attrs.xmlns === DELAY_NS)) copy.cnode(child);
    }
    copy.cnode(xml('delay', { xmlns: DELAY_NS, from: this.core.domain, stamp: new Date(at).toISOString() }));
    return copy;
  }

  /** Delivers to each available resource of a local contact, addressed to its bare JID. */
  private async deliverToContact(contact: string, stanzas: Element[]): Promise<void> {
    const username = this.rosters.localUser(contact);
    if (!username) return; // no federation: contacts of other domains are unreachable
    for (const session of this.availableSessions(username)) await deliverAll(session, stanzas, contact);
  }
}

async function deliverAll(session: Session, stanzas: Element[], to: string): Promise<void> {
  for (const stanza of stanzas) await session.deliver(withAttrs(stanza, { to }));
}
