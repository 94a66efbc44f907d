// The roster of each user as the other IM modules see it (RFC 6121 §2): reads, writes that keep
// the version (XEP-0237), pushes to interested resources (§2.1.6) and the contact-list limit.
// Provided by the roster module as `roster`; the presence module changes subscription states here.
import { StanzaError, parseJid } from '@deskchat/protocol';
import type { Element } from '@xmpp/xml';
import type { ModuleApi, Roster, RosterItem, Session, SubscriptionRequest } from '@deskchat/core';
import type { RosterOptions } from './options.js';
import { isSameItem, rosterPush } from './roster-xml.js';
import { needsItem, type SubscriptionState } from './subscription-state.js';

export const ROSTER_SERVICE = 'roster';

/** How long one roster change may hold the user's lock before it lapses (a dead node's lock). */
const LOCK_TTL_MS = 10_000;

/** What the user's roster holds about one contact. */
export interface ContactState {
  item?: RosterItem;
  request?: SubscriptionRequest;
  state: SubscriptionState;
}

export class RosterService {
  constructor(
    private readonly api: ModuleApi<unknown>,
    readonly options: RosterOptions,
  ) {}

  private get store() {
    return this.api.stores.roster;
  }

  /**
   * Runs a read-modify-write of one user's roster state with no other change of that user's
   * roster in between, on any node (a per-user lock). Not re-entrant: code inside must not take
   * it again, and must not wait for a change of another user's roster (route such a change after).
   */
  exclusive<T>(username: string, task: () => Promise<T>): Promise<T> {
    return this.api.locks.withLock(`roster:${username}`, task, { ttlMs: LOCK_TTL_MS });
  }

  /** RFC 6121 §2.1.6: the resource asked for the roster, so it receives pushes from now on. */
  markInterested(session: Session): Promise<void> {
    return session.setFlags({ interested: true });
  }

  getRoster(username: string): Promise<Roster> {
    return this.store.getRoster(username);
  }

  getItem(username: string, jid: string): Promise<RosterItem | undefined> {
    return this.store.getItem(username, jid);
  }

  async contactState(username: string, jid: string): Promise<ContactState> {
    const [item, request] = await Promise.all([this.store.getItem(username, jid), this.store.getRequest(username, jid)]);
    const state: SubscriptionState = {
      subscription: item?.subscription ?? 'none',
      isPendingOut: item?.isPendingOut ?? false,
      isPendingIn: request !== undefined,
      isPreApproved: item?.isPreApproved ?? false,
    };
    return { item, request, state };
  }

  /** The error for a roster at its limit (see docs/contact-list.md for the choice of condition). */
  listFull(whose: 'own' | 'contact' = 'own'): StanzaError {
    const prefix = whose === 'own' ? '' : "the contact's ";
    return new StanzaError('not-allowed', `${prefix}contact list is full (max ${this.options.maxContacts})`);
  }

  /** Whether `jid` can be in the user's roster: it already is, or there is room for one more item. */
  async hasRoomFor(username: string, jid: string): Promise<boolean> {
    if (await this.store.getItem(username, jid)) return true;
    return (await this.store.countItems(username)) < this.options.maxContacts;
  }

  /**
   * Stores a new subscription state for the contact: the item is created when the state needs one
   * (never for a pending request alone, RFC 6121 §3.1.3), a visible change is pushed, and the
   * pending request is kept (with `request`, the stanza to deliver again) or dropped. Throws
   * not-allowed when a new item does not fit.
   */
  async applyState(username: string, jid: string, current: ContactState, next: SubscriptionState, request?: Element): Promise<void> {
    const { item } = current;
    if (item || needsItem(next)) {
      const updated: RosterItem = {
        ...(item ?? { jid, groups: [] }),
        subscription: next.subscription,
        isPendingOut: next.isPendingOut,
        isPreApproved: next.isPreApproved,
      };
      if (!isSameItem(item, updated)) {
        const version = await this.store.setItem(username, updated, this.options.maxContacts);
        if (version === undefined) throw this.listFull();
        await this.push(username, updated, version);
      }
    }
    if (next.isPendingIn && !current.request) {
      await this.store.setRequest(username, { jid, receivedAt: Date.now(), ...(request ? { stanza: request.toString() } : {}) });
    } else if (!next.isPendingIn && current.request) {
      await this.store.removeRequest(username, jid);
    }
  }

  /** RFC 6121 §2.3–2.4: adds or updates an item's name and groups; its subscription state is kept. */
  async updateItem(username: string, update: { jid: string; name?: string; groups: string[] }): Promise<RosterItem> {
    const existing = await this.store.getItem(username, update.jid);
    const item: RosterItem = {
      jid: update.jid,
      groups: update.groups,
      subscription: existing?.subscription ?? 'none',
      isPendingOut: existing?.isPendingOut ?? false,
      isPreApproved: existing?.isPreApproved ?? false,
    };
    if (update.name !== undefined) item.name = update.name;
    const version = await this.store.setItem(username, item, this.options.maxContacts);
    if (version === undefined) throw this.listFull();
    await this.push(username, item, version);
    return item;
  }

  /** RFC 6121 §2.5: removes the item and any pending request from the contact; undefined when there was no item. */
  async removeItem(username: string, jid: string): Promise<ContactState | undefined> {
    const current = await this.contactState(username, jid);
    if (!current.item) return undefined;
    const version = await this.store.removeItem(username, jid);
    if (current.request) await this.store.removeRequest(username, jid);
    if (version !== undefined) await this.push(username, { jid, subscription: 'remove' }, version);
    return current;
  }

  /** RFC 6121 §2.1.6: a push to every interested resource of the user (and to no other). */
  private async push(username: string, item: RosterItem | { jid: string; subscription: 'remove' }, version: number): Promise<void> {
    const resources = (await this.api.router.resourcesOf(username)).filter((r) => r.interested);
    await Promise.all(resources.map((r) => this.api.router.deliver(r.jid, rosterPush(r.jid, version, item))));
  }

  /** Whether `jid` names an account of this server (only those can hold a roster here). */
  localUser(jid: string): string | undefined {
    const parsed = parseJid(jid);
    return parsed?.local && !parsed.resource && parsed.domain === this.api.domain ? parsed.local : undefined;
  }
}
