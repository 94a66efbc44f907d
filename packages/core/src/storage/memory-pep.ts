// In-memory reference implementation of PepStore. Same contract as SQLite and Redis.
import type { PepItem, PepNode, PepNodeConfig, PepStore } from './pep.js';
import { byCodePoint } from './code-point-order.js';

interface NodeState {
  config: PepNodeConfig;
  /** Oldest first. */
  items: PepItem[];
}

export class MemoryPepStore implements PepStore {
  private readonly users = new Map<string, Map<string, NodeState>>();
  private readonly caps = new Map<string, string[]>();

  async listNodes(username: string): Promise<PepNode[]> {
    const nodes = this.users.get(username);
    if (!nodes) return [];
    return [...nodes.keys()].sort(byCodePoint).map((node) => ({ node, config: { ...nodes.get(node)!.config } }));
  }

  async getNode(username: string, node: string): Promise<PepNode | undefined> {
    const state = this.users.get(username)?.get(node);
    return state && { node, config: { ...state.config } };
  }

  async setNode(username: string, node: string, config: PepNodeConfig): Promise<void> {
    let nodes = this.users.get(username);
    if (!nodes) this.users.set(username, (nodes = new Map()));
    const state = nodes.get(node);
    if (state) {
      state.config = { ...config };
      trim(state);
    } else nodes.set(node, { config: { ...config }, items: [] });
  }

  async deleteNode(username: string, node: string): Promise<boolean> {
    const nodes = this.users.get(username);
    const existed = nodes?.delete(node) ?? false;
    if (nodes?.size === 0) this.users.delete(username);
    return existed;
  }

  async publishItem(username: string, node: string, item: PepItem): Promise<void> {
    const state = this.users.get(username)?.get(node);
    if (!state) throw new Error(`no PEP node '${node}' of ${username}`);
    state.items = state.items.filter((i) => i.id !== item.id);
    state.items.push({ ...item });
    trim(state);
  }

  async getItems(username: string, node: string, max?: number): Promise<PepItem[]> {
    const items = [...(this.users.get(username)?.get(node)?.items ?? [])].reverse();
    return (max === undefined ? items : items.slice(0, max)).map((i) => ({ ...i }));
  }

  async retractItem(username: string, node: string, id: string): Promise<boolean> {
    const state = this.users.get(username)?.get(node);
    if (!state) return false;
    const before = state.items.length;
    state.items = state.items.filter((i) => i.id !== id);
    return state.items.length < before;
  }

  async purgeNode(username: string, node: string): Promise<void> {
    const state = this.users.get(username)?.get(node);
    if (state) state.items = [];
  }

  async removeUser(username: string): Promise<void> {
    this.users.delete(username);
  }

  async getCaps(key: string): Promise<string[] | undefined> {
    const features = this.caps.get(key);
    return features && [...features];
  }

  async setCaps(key: string, features: string[]): Promise<void> {
    if (!this.caps.has(key)) this.caps.set(key, [...features]);
  }
}

function trim(state: NodeState): void {
  const max = state.config.persistItems ? state.config.maxItems : 0;
  if (state.items.length > max) state.items.splice(0, state.items.length - max);
}
