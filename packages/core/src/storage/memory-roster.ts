// In-memory reference implementation of RosterStore (RFC 6121 §2–3, XEP-0237). Same contract as SQLite and Redis.
import type { Roster, RosterItem, RosterStore, SubscriptionRequest } from './roster.js';
import { byCodePoint } from './code-point-order.js';

interface UserRoster {
  version: number;
  items: Map<string, RosterItem>;
  requests: Map<string, SubscriptionRequest>;
}

const clone = <T>(value: T): T => structuredClone(value);

export class MemoryRosterStore implements RosterStore {
  private readonly users = new Map<string, UserRoster>();

  private user(username: string): UserRoster {
    let user = this.users.get(username);
    if (!user) this.users.set(username, (user = { version: 0, items: new Map(), requests: new Map() }));
    return user;
  }

  async getRoster(username: string): Promise<Roster> {
    const user = this.users.get(username);
    if (!user) return { version: 0, items: [] };
    const items = [...user.items.values()].sort((a, b) => byCodePoint(a.jid, b.jid)).map(clone);
    return { version: user.version, items };
  }

  async getItem(username: string, jid: string): Promise<RosterItem | undefined> {
    const item = this.users.get(username)?.items.get(jid);
    return item && clone(item);
  }

  async countItems(username: string): Promise<number> {
    return this.users.get(username)?.items.size ?? 0;
  }

  async getVersion(username: string): Promise<number> {
    return this.users.get(username)?.version ?? 0;
  }

  async setItem(username: string, item: RosterItem, maxItems = Number.POSITIVE_INFINITY): Promise<number | undefined> {
    const user = this.user(username);
    if (!user.items.has(item.jid) && user.items.size >= maxItems) return undefined;
    user.items.set(item.jid, clone(item));
    return ++user.version;
  }

  async removeItem(username: string, jid: string): Promise<number | undefined> {
    const user = this.users.get(username);
    if (!user?.items.delete(jid)) return undefined;
    return ++user.version;
  }

  async getRequests(username: string): Promise<SubscriptionRequest[]> {
    const requests = [...(this.users.get(username)?.requests.values() ?? [])];
    return requests.sort((a, b) => a.receivedAt - b.receivedAt).map(clone);
  }

  async getRequest(username: string, jid: string): Promise<SubscriptionRequest | undefined> {
    const request = this.users.get(username)?.requests.get(jid);
    return request && clone(request);
  }

  async setRequest(username: string, request: SubscriptionRequest): Promise<void> {
    const requests = this.user(username).requests;
    requests.delete(request.jid); // a replaced request moves to the end: Map order is the tie-break for equal times
    requests.set(request.jid, clone(request));
  }

  async removeRequest(username: string, jid: string): Promise<boolean> {
    return this.users.get(username)?.requests.delete(jid) ?? false;
  }

  async removeUser(username: string): Promise<void> {
    this.users.delete(username);
  }
}
