// RFC 6121 §3: presence subscription stanzas. Every user is local (no federation), so one call
// does both halves: the user's server processing the outbound stanza (Appendix A.2) and the
// contact's server processing it inbound (Appendix A.3), then the presence that the change of a
// 'from' subscription calls for (§3.1.5, §3.2.2). Callers hold RosterService.exclusive.
import xml, { type Element } from '@xmpp/xml';
import { withAttrs, type JID } from '@deskchat/protocol';
import type { Core } from '@deskchat/core';
import type { RosterItemRemoved } from '../roster/events.js';
import type { RosterService } from '../roster/roster-service.js';
import {
  hasFrom,
  inbound,
  outbound,
  type SubscriptionState,
  type SubscriptionType,
} from '../roster/subscription-state.js';
import type { PresenceBroadcaster } from './broadcaster.js';

export const isSubscriptionType = (type: string | undefined): type is SubscriptionType =>
  type === 'subscribe' || type === 'subscribed' || type === 'unsubscribe' || type === 'unsubscribed';

export class Subscriptions {
  constructor(
    private readonly core: Core,
    private readonly rosters: RosterService,
    private readonly broadcaster: PresenceBroadcaster,
  ) {}

  /**
   * A user's client sent a subscription stanza. RFC 6121 §3.1.2 (and §3.2.2, §3.3.2): it goes to
   * the contact's bare JID, from the user's bare JID. A stanza to oneself has no defined state and
   * is ignored. Throws not-allowed when a contact list is full (the router bounces it).
   */
  async fromClient(from: JID, to: JID, type: SubscriptionType, stanza: Element): Promise<void> {
    if (from.domain !== this.core.domain || !from.local) return;
    const contact = to.bare();
    if (contact.equals(from.bare())) return;
    await this.rosters.exclusive(() => this.outbound(from.local, contact.toString(), type, stanza));
  }

  /** RFC 6121 §2.5.2: a removed item's notices, as if the user had sent them (their own state is gone with the item). */
  async afterRemoval({ username, item, state, notices }: RosterItemRemoved): Promise<void> {
    const user = this.core.jid(username).toString();
    await this.rosters.exclusive(async () => {
      for (const type of notices) {
        await this.inbound(item.jid, user, type, xml('presence', { type, from: user, to: item.jid }));
      }
      if (hasFrom(state)) await this.broadcaster.revoke(username, item.jid);
    });
  }

  /** The user's server (Appendix A.2), then the contact's when the stanza is routed. */
  private async outbound(username: string, contact: string, type: SubscriptionType, stanza: Element): Promise<void> {
    const user = this.core.jid(username).toString();
    const current = await this.rosters.contactState(username, contact);
    const result = outbound(current.state, type);
    // The limit (options.maxContacts): a request to a full list is refused before anything changes,
    // because answering it would need a new item there.
    if (type === 'subscribe') await this.checkRoomAtContact(contact, user);
    await this.rosters.applyState(username, contact, current, result.state);
    if (result.isRouted) await this.inbound(contact, user, type, withAttrs(stanza, { from: user, to: contact }));
    await this.afterChange(username, contact, current.state, result.state, false);
  }

  /**
   * The contact's server (Appendix A.3). A contact with no account here gets nothing and the
   * sender learns nothing (RFC 6121 §8.5.1: subscription stanzas to no such user are ignored).
   */
  private async inbound(contact: string, user: string, type: SubscriptionType, stanza: Element): Promise<void> {
    const owner = this.rosters.localUser(contact);
    if (!owner || !(await this.core.stores.accounts.hasAccount(owner))) return;
    const current = await this.rosters.contactState(owner, user);
    const result = inbound(current.state, type);
    // §3.1.3: a request is kept, whole, until answered; it is delivered now and at each later sign-in.
    await this.rosters.applyState(owner, user, current, result.state, stanza);
    if (result.isDelivered) {
      for (const session of this.broadcaster.availableSessions(owner)) await session.deliver(stanza);
    }
    if (result.isAutoApproved) {
      // §3.1.3 step 2, §3.4.2: the contact's server answers for the contact.
      await this.inbound(user, contact, 'subscribed', xml('presence', { type: 'subscribed', from: contact, to: user }));
    }
    await this.afterChange(owner, user, current.state, result.state, result.isAutoApproved);
  }

  /** §3.1.5: a new subscriber gets the owner's presence; §3.2.2: one that lost it gets unavailable. */
  private async afterChange(owner: string, other: string, before: SubscriptionState, after: SubscriptionState, isApproved: boolean): Promise<void> {
    if (hasFrom(after) && (!hasFrom(before) || isApproved)) await this.broadcaster.sendSnapshot(owner, other);
    else if (hasFrom(before) && !hasFrom(after)) await this.broadcaster.revoke(owner, other);
  }

  private async checkRoomAtContact(contact: string, user: string): Promise<void> {
    const owner = this.rosters.localUser(contact);
    if (!owner || !(await this.core.stores.accounts.hasAccount(owner))) return;
    if (!(await this.rosters.hasRoomFor(owner, user))) throw this.rosters.listFull('contact');
  }
}
