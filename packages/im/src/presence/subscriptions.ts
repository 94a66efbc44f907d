// RFC 6121 §3: presence subscription stanzas (with §3.4 pre-approval), in the two halves the RFC
// describes: the user's server processing what the user's client sent (Appendix A.2, "outbound"),
// then the contact's server processing it when it arrives (Appendix A.3, "inbound"). Each half
// changes one user's roster under that user's lock; the stanza travels between them through the
// router like any other (without an origin session: it comes from the server), so other modules
// see it on the way and each half may run on whichever node routes it. Then comes the presence
// that the change of a 'from' subscription calls for (§3.1.5, §3.2.2).
import xml, { type Element } from '@xmpp/xml';
import { withAttrs, type JID } from '@deskchat/protocol';
import type { ModuleApi } from '@deskchat/core';
import type { RosterItemRemoved } from '../roster/events.js';
import type { RosterService } from '../roster/roster-service.js';
import { hasFrom, inbound, outbound, type SubscriptionState, type SubscriptionType } from '../roster/subscription-state.js';
import type { PresenceBroadcaster } from './broadcaster.js';

export const isSubscriptionType = (type: string | undefined): type is SubscriptionType =>
  type === 'subscribe' || type === 'subscribed' || type === 'unsubscribe' || type === 'unsubscribed';

/** A state change and what follows it once the lock is released. */
interface Change {
  before: SubscriptionState;
  after: SubscriptionState;
  /** Stanzas to route next, from the server (the other half, an automatic answer). */
  next: Element[];
  isApproved: boolean;
}

export class Subscriptions {
  constructor(
    private readonly api: ModuleApi<unknown>,
    private readonly rosters: RosterService,
    private readonly broadcaster: PresenceBroadcaster,
  ) {}

  /**
   * Outbound (Appendix A.2): a user's client sent a subscription stanza. RFC 6121 §3.1.2 (and
   * §3.2.2, §3.3.2): it goes on to the contact's bare JID, from the user's bare JID. A stanza to
   * oneself has no defined state and is ignored. Throws not-allowed when a contact list is full
   * (the router bounces it).
   */
  async fromClient(from: JID, to: JID, type: SubscriptionType, stanza: Element): Promise<void> {
    if (from.domain !== this.api.domain || !from.local) return;
    const contact = to.bare();
    if (contact.equals(from.bare())) return;
    const username = from.local;
    const user = this.api.jid(username).toString();
    // The limit (options.maxContacts): a request to a full list is refused before anything changes,
    // because answering it would need a new item there.
    if (type === 'subscribe') await this.checkRoomAtContact(contact.toString(), user);
    const change = await this.rosters.exclusive(username, async () => {
      const current = await this.rosters.contactState(username, contact.toString());
      const result = outbound(current.state, type);
      await this.rosters.applyState(username, contact.toString(), current, result.state);
      const next = result.isRouted ? [withAttrs(stanza, { from: user, to: contact.toString() })] : [];
      return { before: current.state, after: result.state, next, isApproved: false };
    });
    await this.finish(username, contact.toString(), change);
  }

  /**
   * Inbound (Appendix A.3): a subscription stanza reached the contact's server. A contact with no
   * account here gets nothing and the sender learns nothing (RFC 6121 §8.5.1: subscription
   * stanzas to no such user are ignored).
   */
  async fromServer(from: JID, to: JID, type: SubscriptionType, stanza: Element): Promise<void> {
    const owner = this.rosters.localUser(to.bare().toString());
    if (!owner || !from.local || !(await this.api.stores.accounts.hasAccount(owner))) return;
    const user = from.bare().toString();
    const contact = this.api.jid(owner).toString();
    const change = await this.rosters.exclusive(owner, async () => {
      const current = await this.rosters.contactState(owner, user);
      const result = inbound(current.state, type);
      // §3.1.3: a request is kept, whole, until answered; it is delivered now and at each later sign-in.
      await this.rosters.applyState(owner, user, current, result.state, stanza);
      if (result.isDelivered) {
        for (const resource of await this.broadcaster.availableResources(owner)) await this.api.router.deliver(resource.jid, stanza);
      }
      // §3.1.3 step 2, §3.4.2: the contact's server answers for the contact.
      const next = result.isAutoApproved ? [xml('presence', { type: 'subscribed', from: contact, to: user })] : [];
      return { before: current.state, after: result.state, next, isApproved: result.isAutoApproved };
    });
    await this.finish(owner, user, change);
  }

  /** RFC 6121 §2.5.2: a removed item's notices go to the contact as if the user had sent them (their own state is gone with the item). */
  async afterRemoval({ username, item, state, notices }: RosterItemRemoved): Promise<void> {
    const user = this.api.jid(username).toString();
    for (const type of notices) await this.api.router.route(xml('presence', { type, from: user, to: item.jid }));
    if (hasFrom(state)) await this.broadcaster.revoke(username, item.jid);
  }

  /** After the lock: route what comes next, then §3.1.5 (a new subscriber gets the owner's presence) or §3.2.2 (a lost one gets unavailable). */
  private async finish(owner: string, other: string, { before, after, next, isApproved }: Change): Promise<void> {
    for (const stanza of next) await this.api.router.route(stanza);
    if (hasFrom(after) && (!hasFrom(before) || isApproved)) {
      await this.broadcaster.sendSnapshot(owner, other);
      if (!hasFrom(before)) await this.api.notify('presence/subscriber-added', { username: owner, subscriber: other });
    } else if (hasFrom(before) && !hasFrom(after)) await this.broadcaster.revoke(owner, other);
  }

  private async checkRoomAtContact(contact: string, user: string): Promise<void> {
    const owner = this.rosters.localUser(contact);
    if (!owner || !(await this.api.stores.accounts.hasAccount(owner))) return;
    if (!(await this.rosters.hasRoomFor(owner, user))) throw this.rosters.listFull('contact');
  }
}
