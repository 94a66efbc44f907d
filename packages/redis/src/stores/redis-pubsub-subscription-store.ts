// PubsubSubscriptionStore on Redis (XEP-0060 subscriptions of pubsub.<domain>). Same contract as
// core's MemoryPubsubSubscriptionStore.
//
// Every key is in the slot `{pubsub}` (KeySpace.pubsubSubscriptions): `{pubsub}:node:<node>` (set of
// subscribed JIDs) and `{pubsub}:subscriber:<bare JID>` (set of JSON [node, jid]), so a subscription's
// two entries change in one MULTI, on a Redis Cluster too. Writes are serialized by the caller (the
// pubsub module's lock): removeNode reads a node's subscribers, then removes them in one MULTI.
import { subscriptionBareOf, type PubsubSubscription, type PubsubSubscriptionStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const memberOf = (node: string, jid: string) => JSON.stringify([node, jid]);

export class RedisPubsubSubscriptionStore implements PubsubSubscriptionStore {
  constructor(private readonly redis: RedisConnection) {}

  private get keys() {
    return this.redis.keys.pubsubSubscriptions();
  }

  async subscribe(node: string, jid: string): Promise<boolean> {
    const k = this.keys;
    const [added] = await this.redis.runDurable('pubsubSubscribe', (c) => c.multi().sAdd(k.node(node), jid).sAdd(k.subscriber(subscriptionBareOf(jid)), memberOf(node, jid)).exec());
    return Number(added) === 1;
  }

  async unsubscribe(node: string, jid: string): Promise<boolean> {
    const k = this.keys;
    const [removed] = await this.redis.runDurable('pubsubUnsubscribe', (c) => c.multi().sRem(k.node(node), jid).sRem(k.subscriber(subscriptionBareOf(jid)), memberOf(node, jid)).exec());
    return Number(removed) === 1;
  }

  async subscribersOf(node: string): Promise<string[]> {
    return (await this.redis.run('pubsubSubscribers', (c) => c.sMembers(this.keys.node(node)))).sort(byBytes);
  }

  async subscriptionsOf(bareJid: string): Promise<PubsubSubscription[]> {
    const members = await this.redis.run('pubsubSubscriptionsOf', (c) => c.sMembers(this.keys.subscriber(bareJid)));
    return members
      .map((m) => JSON.parse(m) as [string, string])
      .sort((a, b) => byBytes(a[0], b[0]) || byBytes(a[1], b[1]))
      .map(([node, jid]) => ({ node, jid }));
  }

  async removeNode(node: string): Promise<void> {
    const k = this.keys;
    const jids = await this.redis.run('pubsubSubscribers', (c) => c.sMembers(k.node(node)));
    await this.redis.runDurable('pubsubRemoveNode', (c) => {
      const multi = c.multi();
      for (const jid of jids) multi.sRem(k.subscriber(subscriptionBareOf(jid)), memberOf(node, jid));
      return multi.del(k.node(node)).exec();
    });
  }
}
