// In-memory reference implementation of PubsubSubscriptionStore. Same contract as SQLite and Redis.
import { byCodePoint } from './code-point-order.js';
import { subscriptionBareOf, type PubsubSubscription, type PubsubSubscriptionStore } from './pubsub-subscriptions.js';

export class MemoryPubsubSubscriptionStore implements PubsubSubscriptionStore {
  /** node → subscribed JIDs. */
  private readonly byNode = new Map<string, Set<string>>();

  async subscribe(node: string, jid: string): Promise<boolean> {
    let jids = this.byNode.get(node);
    if (!jids) this.byNode.set(node, (jids = new Set()));
    if (jids.has(jid)) return false;
    jids.add(jid);
    return true;
  }

  async unsubscribe(node: string, jid: string): Promise<boolean> {
    const jids = this.byNode.get(node);
    const existed = jids?.delete(jid) ?? false;
    if (jids?.size === 0) this.byNode.delete(node);
    return existed;
  }

  async subscribersOf(node: string): Promise<string[]> {
    return [...(this.byNode.get(node) ?? [])].sort(byCodePoint);
  }

  async subscriptionsOf(bareJid: string): Promise<PubsubSubscription[]> {
    const out: PubsubSubscription[] = [];
    for (const node of [...this.byNode.keys()].sort(byCodePoint)) {
      for (const jid of [...this.byNode.get(node)!].sort(byCodePoint)) if (subscriptionBareOf(jid) === bareJid) out.push({ node, jid });
    }
    return out;
  }

  async removeNode(node: string): Promise<void> {
    this.byNode.delete(node);
  }
}
