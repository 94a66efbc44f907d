// RFC 6121 §4: who receives a user's presence. Broadcast to subscribers ('from'/'both') and the
// user's own available resources (§4.2.2, §4.4.2, §4.5.2), the current presence for a probe or a
// new subscriber (§4.3.2, §3.1.5), and unavailable for a lost subscriber (§3.2.2). Everything
// passes 'presence/pre-broadcast' first (the composed-presence seam, see events.ts).
//
// Presence itself lives in the shared PresenceStore and resources are reached through the router,
// so this works whichever nodes hold the user's and the contacts' resources.
import xml, { Element } from '@xmpp/xml';
import { withAttrs, type JID } from '@deskchat/protocol';
import { parseDocument, type ModuleApi, type Resource } from '@deskchat/core';
import type { RosterService } from '../roster/roster-service.js';
import { hasFrom } from '../roster/subscription-state.js';
import type { PresenceBroadcast, PresenceBroadcastReason } from './events.js';
import './events.js';

const DELAY_NS = 'urn:xmpp:delay';

export class PresenceBroadcaster {
  constructor(
    private readonly api: ModuleApi<unknown>,
    private readonly rosters: RosterService,
    private readonly now: () => number,
  ) {}

  /** The user's resources that sent initial presence and no unavailable since, on any node. */
  async availableResources(username: string): Promise<Resource[]> {
    return (await this.api.router.resourcesOf(username)).filter((r) => r.isAvailable);
  }

  /** The last available presence of each of the user's available resources (server-owned ones excluded: they are added by the seam). */
  async availablePresence(username: string): Promise<Element[]> {
    const records = await this.api.presence.availableOf(username);
    const connected = new Set((await this.availableResources(username)).map((r) => `${r.jid.resource}\u0000${r.sessionId}`));
    return records.filter((r) => connected.has(`${r.resource}\u0000${r.sessionId}`)).map((r) => this.read(r.stanza));
  }

  async recordLastSeen(username: string, presence: Element): Promise<void> {
    await this.api.presence.setLastSeen(username, { stanza: presence.toString(), at: this.now() });
  }

  /** Bare JIDs allowed to see the user's presence: items with 'from' or 'both' (RFC 6121 §4.2.2). */
  async subscribers(username: string): Promise<string[]> {
    const { items } = await this.rosters.getRoster(username);
    return items.filter(hasFrom).map((i) => i.jid);
  }

  /** Runs 'presence/pre-broadcast' and returns what is left to send. */
  async prepare(username: string, reason: PresenceBroadcastReason, stanzas: Element[], trigger?: PresenceBroadcast['trigger']): Promise<Element[]> {
    const payload: PresenceBroadcast = { username, reason, stanzas, ...(trigger ? { trigger } : {}) };
    await this.api.dispatch('presence/pre-broadcast', payload);
    return payload.stanzas;
  }

  /** RFC 6121 §4.2.2, §4.4.2, §4.5.2: to every subscriber's available resources and to the user's own. */
  async broadcast(username: string, stanzas: Element[], trigger?: PresenceBroadcast['trigger']): Promise<void> {
    const prepared = await this.prepare(username, 'broadcast', stanzas, trigger);
    if (prepared.length === 0) return;
    for (const contact of await this.subscribers(username)) await this.deliverToContact(contact, prepared);
    for (const own of await this.availableResources(username)) await this.deliverAll(own.jid, prepared, own.jid.toString());
  }

  /**
   * The user's presence now: the last presence of each available resource, or (none available)
   * the last unavailable with its time (XEP-0203 delay), or a bare unavailable (RFC 6121 §4.3.2).
   */
  async snapshot(username: string): Promise<Element[]> {
    const available = await this.availablePresence(username);
    return this.prepare(username, 'snapshot', available.length > 0 ? available : [await this.unavailableOf(username)]);
  }

  /** RFC 6121 §3.1.5: a new subscriber gets the user's current presence. */
  async sendSnapshot(username: string, contact: string): Promise<void> {
    await this.deliverToContact(contact, await this.snapshot(username));
  }

  /** RFC 6121 §3.2.2: a contact whose subscription ended gets unavailable from each available resource. */
  async revoke(username: string, contact: string): Promise<void> {
    const stanzas = (await this.availableResources(username)).map((r) => xml('presence', { type: 'unavailable', from: r.jid.toString() }));
    if (stanzas.length === 0) return;
    await this.deliverToContact(contact, await this.prepare(username, 'revoke', stanzas));
  }

  /** RFC 6121 §4.3: the probes of a newly available resource, answered here on behalf of each local contact. */
  async answerProbes(resource: JID): Promise<void> {
    const user = resource.bare().toString();
    const { items } = await this.rosters.getRoster(resource.local);
    for (const item of items) {
      const contact = this.rosters.localUser(item.jid);
      if (!contact || !(item.subscription === 'to' || item.subscription === 'both')) continue;
      // §4.3.2: only a contact whose own roster grants the subscription answers.
      const back = await this.rosters.getItem(contact, user);
      if (!back || !hasFrom(back)) continue;
      await this.deliverAll(resource, await this.snapshot(contact), resource.toString());
    }
  }

  /** Delivers stanzas to one resource, each addressed to `to`. */
  async deliverAll(resource: JID, stanzas: Element[], to: string): Promise<void> {
    for (const stanza of stanzas) await this.api.router.deliver(resource, withAttrs(stanza, { to }));
  }

  /** A stored presence stanza (it passed the stream limits when it was sent). */
  read(text: string): Element {
    return parseDocument(text, { ...this.api.coreOptions.xml, maxStanzaBytes: this.api.coreOptions.xml.maxStanzaBytes + 1024 });
  }

  private async unavailableOf(username: string): Promise<Element> {
    const seen = await this.api.presence.getLastSeen(username);
    if (!seen) return xml('presence', { type: 'unavailable', from: this.api.jid(username).toString() });
    const presence = this.read(seen.stanza);
    const copy = new Element('presence', { ...presence.attrs, type: 'unavailable' });
    for (const child of presence.children) {
      if (typeof child === 'string') copy.t(child);
      else if (!(child.name === 'delay' && child.attrs.xmlns === DELAY_NS)) copy.cnode(child);
    }
    copy.cnode(xml('delay', { xmlns: DELAY_NS, from: this.api.domain, stamp: new Date(seen.at).toISOString() }));
    return copy;
  }

  /** Delivers to each available resource of a local contact, addressed to its bare JID. */
  private async deliverToContact(contact: string, stanzas: Element[]): Promise<void> {
    const username = this.rosters.localUser(contact);
    if (!username) return; // no federation: contacts of other domains are unreachable
    for (const resource of await this.availableResources(username)) await this.deliverAll(resource.jid, stanzas, contact);
  }
}
