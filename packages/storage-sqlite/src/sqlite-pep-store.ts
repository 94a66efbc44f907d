// PepStore on SQLite (XEP-0163 nodes and items, XEP-0115 caps cache). Same contract as core's MemoryPepStore.
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';
import type { PepItem, PepNode, PepNodeConfig, PepStore } from '@deskchat/core';

interface ItemRow {
  id: string;
  xml: string;
  publisher: string;
  published_at: number;
}

const toItem = (row: ItemRow): PepItem => ({ id: row.id, xml: row.xml, publisher: row.publisher, publishedAt: row.published_at });
const keep = (config: PepNodeConfig) => (config.persistItems ? config.maxItems : 0);

export class SqlitePepStore implements PepStore {
  private readonly nodes: Statement<[string], { node: string; config: string }>;
  private readonly node: Statement<[string, string], { config: string }>;
  private readonly items: Statement<[string, string, number], ItemRow>;
  private readonly capsGet: Statement<[string], { features: string }>;
  private readonly capsSet: Statement<[string, string]>;
  private readonly setNodeTx: (username: string, node: string, config: PepNodeConfig) => void;
  private readonly deleteNodeTx: (username: string, node: string) => boolean;
  private readonly publishTx: (username: string, node: string, item: PepItem) => void;
  private readonly retract: Statement<[string, string, string]>;
  private readonly purge: Statement<[string, string]>;
  private readonly removeTx: (username: string) => void;

  constructor(db: Database) {
    this.nodes = db.prepare('SELECT node, config FROM pep_nodes WHERE username = ? ORDER BY node');
    this.node = db.prepare('SELECT config FROM pep_nodes WHERE username = ? AND node = ?');
    this.items = db.prepare('SELECT id, xml, publisher, published_at FROM pep_items WHERE username = ? AND node = ? ORDER BY seq DESC LIMIT ?');
    this.capsGet = db.prepare('SELECT features FROM caps_cache WHERE key = ?');
    this.capsSet = db.prepare('INSERT OR IGNORE INTO caps_cache (key, features) VALUES (?, ?)');
    this.retract = db.prepare('DELETE FROM pep_items WHERE username = ? AND node = ? AND id = ?');
    this.purge = db.prepare('DELETE FROM pep_items WHERE username = ? AND node = ?');
    const upsertNode = db.prepare<[string, string, string]>('INSERT INTO pep_nodes (username, node, config) VALUES (?, ?, ?) ON CONFLICT (username, node) DO UPDATE SET config = excluded.config');
    const deleteNode = db.prepare<[string, string]>('DELETE FROM pep_nodes WHERE username = ? AND node = ?');
    // Keeps the newest `max` items: deletes those below the max-th highest seq.
    const trim = db.prepare<[string, string, string, string, number]>(
      'DELETE FROM pep_items WHERE username = ? AND node = ? AND seq NOT IN (SELECT seq FROM pep_items WHERE username = ? AND node = ? ORDER BY seq DESC LIMIT ?)',
    );
    const nextSeq = db.prepare<[string, string], { seq: number }>('SELECT coalesce(max(seq), 0) + 1 AS seq FROM pep_items WHERE username = ? AND node = ?');
    const insertItem = db.prepare<[string, string, string, number, string, string, number]>(
      'INSERT OR REPLACE INTO pep_items (username, node, id, seq, xml, publisher, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const removeNodes = db.prepare<[string]>('DELETE FROM pep_nodes WHERE username = ?');
    const removeItems = db.prepare<[string]>('DELETE FROM pep_items WHERE username = ?');
    this.setNodeTx = writeTransaction(db, (username: string, node: string, config: PepNodeConfig) => {
      upsertNode.run(username, node, JSON.stringify(config));
      trim.run(username, node, username, node, keep(config));
    });
    this.deleteNodeTx = writeTransaction(db, (username: string, node: string) => {
      this.purge.run(username, node);
      return deleteNode.run(username, node).changes > 0;
    });
    this.publishTx = writeTransaction(db, (username: string, node: string, item: PepItem) => {
      const row = this.node.get(username, node);
      if (!row) throw new Error(`no PEP node '${node}' of ${username}`);
      insertItem.run(username, node, item.id, nextSeq.get(username, node)!.seq, item.xml, item.publisher, item.publishedAt);
      trim.run(username, node, username, node, keep(JSON.parse(row.config) as PepNodeConfig));
    });
    this.removeTx = writeTransaction(db, (username: string) => {
      removeItems.run(username);
      removeNodes.run(username);
    });
  }

  async listNodes(username: string): Promise<PepNode[]> {
    return this.nodes.all(username).map((row) => ({ node: row.node, config: JSON.parse(row.config) as PepNodeConfig }));
  }

  async getNode(username: string, node: string): Promise<PepNode | undefined> {
    const row = this.node.get(username, node);
    return row && { node, config: JSON.parse(row.config) as PepNodeConfig };
  }

  async setNode(username: string, node: string, config: PepNodeConfig): Promise<void> {
    this.setNodeTx(username, node, config);
  }

  async deleteNode(username: string, node: string): Promise<boolean> {
    return this.deleteNodeTx(username, node);
  }

  async publishItem(username: string, node: string, item: PepItem): Promise<void> {
    this.publishTx(username, node, item);
  }

  async getItems(username: string, node: string, max?: number): Promise<PepItem[]> {
    return this.items.all(username, node, max ?? -1).map(toItem);
  }

  async retractItem(username: string, node: string, id: string): Promise<boolean> {
    return this.retract.run(username, node, id).changes > 0;
  }

  async purgeNode(username: string, node: string): Promise<void> {
    this.purge.run(username, node);
  }

  async removeUser(username: string): Promise<void> {
    this.removeTx(username);
  }

  async getCaps(key: string): Promise<string[] | undefined> {
    const row = this.capsGet.get(key);
    return row && (JSON.parse(row.features) as string[]);
  }

  async setCaps(key: string, features: string[]): Promise<void> {
    this.capsSet.run(key, JSON.stringify(features));
  }
}
