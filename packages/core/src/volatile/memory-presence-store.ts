// In-memory reference implementation of PresenceStore. Same contract as Redis. Last seen and the
// outside sources go to a PresenceStateStore (durable on a single node: SQLite), everything else
// stays in memory and dies with the process, as presence should.
import { flatString } from '../flat-string.js';
import { ResourceTable } from '../resource-table.js';
import { MemoryPresenceStateStore } from '../storage/memory-presence-state.js';
import type { PresenceStateStore } from '../storage/presence-state.js';
import type { AvailableRecord, LastSeen, PresenceStore } from './presence-store.js';

export class MemoryPresenceStore implements PresenceStore {
  private readonly available = new ResourceTable<AvailableRecord>((record) => record.resource);
  private readonly directed = new Map<string, { sessionId: string; targets: Set<string> }>();

  constructor(private readonly durable: PresenceStateStore = new MemoryPresenceStateStore()) {}
  async setAvailable(username: string, resource: string, sessionId: string, stanza: string): Promise<string | undefined> {
    // Kept as long as the resource is available: flat, not the serialiser's tree of pieces.
    return this.available.set(username, { resource, sessionId, stanza: flatString(stanza) })?.stanza;
  }

  async clearAvailable(username: string, resource: string, sessionId: string): Promise<string | undefined> {
    const record = this.available.get(username, resource);
    if (!record || record.sessionId !== sessionId) return undefined;
    this.available.delete(username, resource);
    return record.stanza;
  }

  async getAvailable(username: string, resource: string): Promise<AvailableRecord | undefined> {
    const record = this.available.get(username, resource);
    return record && { ...record };
  }

  async availableOf(username: string): Promise<AvailableRecord[]> {
    return this.available.valuesOf(username).map((r) => ({ ...r }));
  }

  async addDirected(username: string, resource: string, sessionId: string, target: string): Promise<void> {
    const key = `${username}/${resource}`;
    const current = this.directed.get(key);
    if (current?.sessionId === sessionId) current.targets.add(target);
    else this.directed.set(key, { sessionId, targets: new Set([target]) });
  }

  async removeDirected(username: string, resource: string, sessionId: string, target: string): Promise<void> {
    const current = this.directed.get(`${username}/${resource}`);
    if (current?.sessionId === sessionId) current.targets.delete(target);
  }

  async takeDirected(username: string, resource: string, sessionId: string): Promise<string[]> {
    const key = `${username}/${resource}`;
    const current = this.directed.get(key);
    if (current?.sessionId !== sessionId) return [];
    this.directed.delete(key);
    return [...current.targets];
  }

  setLastSeen(username: string, lastSeen: LastSeen): Promise<void> {
    return this.durable.setLastSeen(username, lastSeen);
  }

  getLastSeen(username: string): Promise<LastSeen | undefined> {
    return this.durable.getLastSeen(username);
  }

  setSource(username: string, source: string, state: string | undefined): Promise<void> {
    return this.durable.setSource(username, source, state);
  }

  getSources(username: string): Promise<Record<string, string>> {
    return this.durable.getSources(username);
  }

  async removeUser(username: string): Promise<void> {
    this.available.deleteUser(username);
    for (const key of this.directed.keys()) if (key.startsWith(`${username}/`)) this.directed.delete(key);
    await this.durable.removeUser(username);
  }
}
