// PubsubSubscriptionStore on SQLite (XEP-0060 subscriptions of pubsub.<domain>). Same contract as
// core's MemoryPubsubSubscriptionStore. Table `pubsub_subscriptions` (migration 16).
import type { Database, Statement } from 'better-sqlite3';
import { subscriptionBareOf, type PubsubSubscription, type PubsubSubscriptionStore } from '@deskchat/core';

export class SqlitePubsubSubscriptionStore implements PubsubSubscriptionStore {
  private readonly insert: Statement<[string, string, string]>;
  private readonly remove: Statement<[string, string]>;
  private readonly ofNode: Statement<[string], { jid: string }>;
  private readonly ofBare: Statement<[string], PubsubSubscription>;
  private readonly removeAll: Statement<[string]>;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT OR IGNORE INTO pubsub_subscriptions (node, jid, bare) VALUES (?, ?, ?)');
    this.remove = db.prepare('DELETE FROM pubsub_subscriptions WHERE node = ? AND jid = ?');
    this.ofNode = db.prepare('SELECT jid FROM pubsub_subscriptions WHERE node = ? ORDER BY jid');
    this.ofBare = db.prepare('SELECT node, jid FROM pubsub_subscriptions WHERE bare = ? ORDER BY node, jid');
    this.removeAll = db.prepare('DELETE FROM pubsub_subscriptions WHERE node = ?');
  }

  async subscribe(node: string, jid: string): Promise<boolean> {
    return this.insert.run(node, jid, subscriptionBareOf(jid)).changes > 0;
  }

  async unsubscribe(node: string, jid: string): Promise<boolean> {
    return this.remove.run(node, jid).changes > 0;
  }

  async subscribersOf(node: string): Promise<string[]> {
    return this.ofNode.all(node).map((row) => row.jid);
  }

  async subscriptionsOf(bareJid: string): Promise<PubsubSubscription[]> {
    return this.ofBare.all(bareJid).map((row) => ({ node: row.node, jid: row.jid }));
  }

  async removeNode(node: string): Promise<void> {
    this.removeAll.run(node);
  }
}
