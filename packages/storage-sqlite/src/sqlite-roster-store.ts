// RosterStore on SQLite: RFC 6121 §2 roster items, their XEP-0237 version and RFC 6121 §3.1.3
// pending inbound subscription requests. Same contract as core's MemoryRosterStore (see
// @deskchat/testing rosterStoreContract).
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';
import type { Roster, RosterItem, RosterStore, Subscription, SubscriptionRequest } from '@deskchat/core';

interface ItemRow {
  jid: string;
  name: string | null;
  groups: string;
  subscription: Subscription;
  pending_out: number;
  pre_approved: number;
}

interface RequestRow {
  jid: string;
  stanza: string | null;
  received_at: number;
}

type ItemParams = ItemRow & { username: string };

const ITEM_COLUMNS = 'jid, name, groups, subscription, pending_out, pre_approved';

function toItem(row: ItemRow): RosterItem {
  const item: RosterItem = {
    jid: row.jid,
    groups: JSON.parse(row.groups) as string[],
    subscription: row.subscription,
    isPendingOut: row.pending_out === 1,
    isPreApproved: row.pre_approved === 1,
  };
  if (row.name !== null) item.name = row.name;
  return item;
}

function toParams(username: string, item: RosterItem): ItemParams {
  return {
    username,
    jid: item.jid,
    name: item.name ?? null,
    groups: JSON.stringify(item.groups),
    subscription: item.subscription,
    pending_out: item.isPendingOut ? 1 : 0,
    pre_approved: item.isPreApproved ? 1 : 0,
  };
}

function toRequest(row: RequestRow): SubscriptionRequest {
  const request: SubscriptionRequest = { jid: row.jid, receivedAt: row.received_at };
  if (row.stanza !== null) request.stanza = row.stanza;
  return request;
}

/**
 * Expects a database opened (and migrated) by `openDatabase`. A change of an item and of the
 * version is one transaction, so a reader never sees a roster whose version does not match it.
 */
export class SqliteRosterStore implements RosterStore {
  private readonly selectItems: Statement<[string], ItemRow>;
  private readonly selectItem: Statement<[string, string], ItemRow>;
  private readonly count: Statement<[string], { n: number }>;
  private readonly selectVersion: Statement<[string], { version: number }>;
  private readonly bumpVersion: Statement<[string], { version: number }>;
  private readonly upsertItem: Statement<[ItemParams]>;
  private readonly exists: Statement<[string, string], { found: number }>;
  private readonly deleteItem: Statement<[string, string]>;
  private readonly selectRequests: Statement<[string], RequestRow>;
  private readonly selectRequest: Statement<[string, string], RequestRow>;
  private readonly replaceRequest: Statement<[{ username: string; jid: string; stanza: string | null; received_at: number }]>;
  private readonly deleteRequest: Statement<[string, string]>;
  private readonly setItemTx: (username: string, item: RosterItem, maxItems: number) => number | undefined;
  private readonly removeItemTx: (username: string, jid: string) => number | undefined;
  private readonly removeUserTx: (username: string) => void;
  private readonly readRoster: (username: string) => Roster;

  constructor(db: Database) {
    // ORDER BY uses the BINARY collation: code point order, as the memory store sorts.
    this.selectItems = db.prepare(`SELECT ${ITEM_COLUMNS} FROM roster_items WHERE username = ? ORDER BY jid`);
    this.selectItem = db.prepare(`SELECT ${ITEM_COLUMNS} FROM roster_items WHERE username = ? AND jid = ?`);
    this.count = db.prepare('SELECT count(*) AS n FROM roster_items WHERE username = ?');
    this.selectVersion = db.prepare('SELECT version FROM roster_versions WHERE username = ?');
    this.bumpVersion = db.prepare(`INSERT INTO roster_versions (username, version) VALUES (?, 1)
      ON CONFLICT (username) DO UPDATE SET version = version + 1 RETURNING version`);
    this.upsertItem = db.prepare(`INSERT INTO roster_items (username, ${ITEM_COLUMNS})
      VALUES (@username, @jid, @name, @groups, @subscription, @pending_out, @pre_approved)
      ON CONFLICT (username, jid) DO UPDATE SET name = excluded.name, groups = excluded.groups,
        subscription = excluded.subscription, pending_out = excluded.pending_out, pre_approved = excluded.pre_approved`);
    this.exists = db.prepare('SELECT 1 AS found FROM roster_items WHERE username = ? AND jid = ?');
    this.deleteItem = db.prepare('DELETE FROM roster_items WHERE username = ? AND jid = ?');
    // rowid breaks ties between equal times: a replaced request gets a new rowid, as the memory store moves it to the end.
    this.selectRequests = db.prepare('SELECT jid, stanza, received_at FROM subscription_requests WHERE username = ? ORDER BY received_at, rowid');
    this.selectRequest = db.prepare('SELECT jid, stanza, received_at FROM subscription_requests WHERE username = ? AND jid = ?');
    this.replaceRequest = db.prepare(`INSERT OR REPLACE INTO subscription_requests (username, jid, stanza, received_at)
      VALUES (@username, @jid, @stanza, @received_at)`);
    this.deleteRequest = db.prepare('DELETE FROM subscription_requests WHERE username = ? AND jid = ?');

    // The count check, the write and the version bump are one transaction: atomic even with
    // another connection (the CLI) writing at the same time.
    this.setItemTx = writeTransaction(db, (username: string, item: RosterItem, maxItems: number) => {
      if (!this.exists.get(username, item.jid) && this.count.get(username)!.n >= maxItems) return undefined;
      this.upsertItem.run(toParams(username, item));
      return this.bumpVersion.get(username)!.version;
    });
    this.removeItemTx = writeTransaction(db, (username: string, jid: string) => {
      if (this.deleteItem.run(username, jid).changes === 0) return undefined;
      return this.bumpVersion.get(username)!.version;
    });
    // Items and version read in one transaction, so a write from another connection cannot fall between them.
    this.readRoster = db.transaction((username: string) => ({
      version: this.selectVersion.get(username)?.version ?? 0,
      items: this.selectItems.all(username).map(toItem),
    }));
    const deleteItems = db.prepare('DELETE FROM roster_items WHERE username = ?');
    const deleteVersion = db.prepare('DELETE FROM roster_versions WHERE username = ?');
    const deleteRequests = db.prepare('DELETE FROM subscription_requests WHERE username = ?');
    this.removeUserTx = writeTransaction(db, (username: string) => {
      deleteItems.run(username);
      deleteVersion.run(username);
      deleteRequests.run(username);
    });
  }

  async getRoster(username: string): Promise<Roster> {
    return this.readRoster(username);
  }

  async getItem(username: string, jid: string): Promise<RosterItem | undefined> {
    const row = this.selectItem.get(username, jid);
    return row && toItem(row);
  }

  async countItems(username: string): Promise<number> {
    return this.count.get(username)!.n;
  }

  async getVersion(username: string): Promise<number> {
    return this.selectVersion.get(username)?.version ?? 0;
  }

  async setItem(username: string, item: RosterItem, maxItems = Number.POSITIVE_INFINITY): Promise<number | undefined> {
    return this.setItemTx(username, item, maxItems);
  }

  async removeItem(username: string, jid: string): Promise<number | undefined> {
    return this.removeItemTx(username, jid);
  }

  async getRequests(username: string): Promise<SubscriptionRequest[]> {
    return this.selectRequests.all(username).map(toRequest);
  }

  async getRequest(username: string, jid: string): Promise<SubscriptionRequest | undefined> {
    const row = this.selectRequest.get(username, jid);
    return row && toRequest(row);
  }

  async setRequest(username: string, request: SubscriptionRequest): Promise<void> {
    this.replaceRequest.run({ username, jid: request.jid, stanza: request.stanza ?? null, received_at: request.receivedAt });
  }

  async removeRequest(username: string, jid: string): Promise<boolean> {
    return this.deleteRequest.run(username, jid).changes === 1;
  }

  async removeUser(username: string): Promise<void> {
    this.removeUserTx(username);
  }
}
