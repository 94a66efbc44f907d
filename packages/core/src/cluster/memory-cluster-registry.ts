// In-memory ClusterRegistry with an injected clock. Same contract as Redis.
import type { ClusterRegistry, JoinResult, NodeInfo, NodeStatus } from './cluster-registry.js';

interface Registration {
  info: NodeInfo;
  lastSeen: number;
  expiresAt: number;
}

export class MemoryClusterRegistry implements ClusterRegistry {
  private readonly registrations = new Map<string, Registration>();
  private readonly assignments = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  async join(node: NodeInfo, ttlMs: number): Promise<JoinResult> {
    const current = this.registrations.get(node.name);
    if (current && current.info.instance !== node.instance && this.isAlive(current)) return { status: 'name-in-use', holder: this.status(current) };
    const members = [...this.registrations.values()].filter((r) => r.info.pair === node.pair && r.info.name !== node.name).map((r) => r.info.name);
    if (members.length >= 2) return { status: 'pair-full', members: members.sort() };
    const at = this.now();
    this.registrations.set(node.name, { info: { ...node }, lastSeen: at, expiresAt: at + ttlMs });
    return { status: 'joined' };
  }

  async heartbeat(name: string, instance: string, ttlMs: number): Promise<boolean> {
    const current = this.registrations.get(name);
    // Lapsed: the others may already have taken this node's duties over; it must not carry on as if alive.
    if (!current || current.info.instance !== instance || !this.isAlive(current)) return false;
    const at = this.now();
    current.lastSeen = at;
    current.expiresAt = at + ttlMs;
    return true;
  }

  async leave(name: string, instance: string): Promise<void> {
    const current = this.registrations.get(name);
    if (current?.info.instance === instance) current.expiresAt = this.now();
  }

  async nodes(): Promise<NodeStatus[]> {
    return [...this.registrations.values()].map((r) => this.status(r)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async assignmentOf(username: string): Promise<string | undefined> {
    return this.assignments.get(username);
  }

  async assign(username: string, node: string): Promise<void> {
    this.assignments.set(username, node);
  }

  async unassign(username: string): Promise<void> {
    this.assignments.delete(username);
  }

  async assignedCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const node of this.assignments.values()) counts[node] = (counts[node] ?? 0) + 1;
    return counts;
  }

  private isAlive(r: Registration): boolean {
    return this.now() < r.expiresAt;
  }

  private status(r: Registration): NodeStatus {
    return { ...r.info, isAlive: this.isAlive(r), lastSeen: r.lastSeen };
  }
}
