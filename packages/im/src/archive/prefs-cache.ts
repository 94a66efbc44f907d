// Each user's XEP-0441 archive preferences as this node last read them. Every archived message
// needs both parties' preferences: two store reads per message (two Redis round trips in a
// cluster) for data that changes a few times in a user's life. A change made on this node applies
// at once (`changed`); one made on another node (the owner's sessions live on their home node, the
// message may be routed elsewhere) applies here within `ttlMs`.
import type { ArchivePrefs } from '@deskchat/core';

interface Entry {
  prefs: ArchivePrefs | undefined;
  until: number;
}

export class PrefsCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by each change: a read that began before one must not store what it got. */
  private generation = 0;

  constructor(
    private readonly read: (owner: string) => Promise<ArchivePrefs | undefined>,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The owner's preferences if this node holds a fresh copy (`{ prefs }`, prefs possibly none), else undefined. */
  known(owner: string): { prefs: ArchivePrefs | undefined } | undefined {
    const hit = this.entries.get(owner);
    return hit && hit.until > this.now() ? hit : undefined;
  }

  async get(owner: string): Promise<ArchivePrefs | undefined> {
    const hit = this.known(owner);
    if (hit) return hit.prefs;
    const generation = this.generation;
    const prefs = await this.read(owner);
    if (this.ttlMs > 0 && generation === this.generation) {
      // Bounded: past the limit the oldest entry goes (Map keeps insertion order).
      this.entries.delete(owner);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(owner, { prefs, until: this.now() + this.ttlMs });
    }
    return prefs;
  }

  /** The owner's preferences were just written on this node. */
  changed(owner: string): void {
    this.generation++;
    this.entries.delete(owner);
  }
}
