// Where BOSH sessions live (volatile state, conventions §5). In memory on one node; the interface
// is the seam for a shared store when a BOSH session must continue on another node (design §5).
import type { BoshSession } from './bosh-session.js';

export interface BoshSessionStore {
  get(sid: string): BoshSession | undefined;
  add(session: BoshSession): void;
  delete(sid: string): void;
  values(): IterableIterator<BoshSession>;
  readonly size: number;
}

export class MemoryBoshSessionStore implements BoshSessionStore {
  private readonly map = new Map<string, BoshSession>();

  get(sid: string): BoshSession | undefined {
    return this.map.get(sid);
  }

  add(session: BoshSession): void {
    this.map.set(session.sid, session);
  }

  delete(sid: string): void {
    this.map.delete(sid);
  }

  values(): IterableIterator<BoshSession> {
    return this.map.values();
  }

  get size(): number {
    return this.map.size;
  }
}
