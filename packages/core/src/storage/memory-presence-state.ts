// In-memory reference implementation of PresenceStateStore (tests, and the default of a bare Core).
import type { LastSeen } from '../volatile/presence-store.js';
import type { PresenceStateStore } from './presence-state.js';

export class MemoryPresenceStateStore implements PresenceStateStore {
  private readonly lastSeen = new Map<string, LastSeen>();
  private readonly sources = new Map<string, Record<string, string>>();

  async setLastSeen(username: string, lastSeen: LastSeen): Promise<void> {
    this.lastSeen.set(username, { ...lastSeen });
  }

  async getLastSeen(username: string): Promise<LastSeen | undefined> {
    const seen = this.lastSeen.get(username);
    return seen && { ...seen };
  }

  async setSource(username: string, source: string, state: string | undefined): Promise<void> {
    const current = { ...this.sources.get(username) };
    if (state === undefined) delete current[source];
    else current[source] = state;
    if (Object.keys(current).length === 0) this.sources.delete(username);
    else this.sources.set(username, current);
  }

  async getSources(username: string): Promise<Record<string, string>> {
    return { ...this.sources.get(username) };
  }

  async removeUser(username: string): Promise<void> {
    this.lastSeen.delete(username);
    this.sources.delete(username);
  }
}
