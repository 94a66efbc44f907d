// A sliding-window counter per key (XEP-0077 §3.1's "rate-limit registrations per address"): at
// most `limit` events in any `windowMs`, counted from each event's own time (no reset at a window
// edge that a client could time a burst against). Bounded: at most `maxKeys` keys are tracked; the
// oldest is forgotten first.
export class SlidingWindow {
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** Records an event for `key` if it is under the limit; false (nothing recorded) when over it. */
  take(key: string): boolean {
    const t = this.now();
    const recent = (this.events.get(key) ?? []).filter((at) => at > t - this.windowMs);
    if (recent.length >= this.limit) {
      this.events.set(key, recent);
      return false;
    }
    recent.push(t);
    this.events.delete(key); // re-inserted last: the map's order is by last use
    this.events.set(key, recent);
    if (this.events.size > this.maxKeys) this.events.delete(this.events.keys().next().value!);
    return true;
  }

  /** Seconds until `key` may take again (0 when it may now). */
  retryAfterSeconds(key: string): number {
    const recent = (this.events.get(key) ?? []).filter((at) => at > this.now() - this.windowMs);
    if (recent.length < this.limit) return 0;
    return Math.ceil((recent[0]! + this.windowMs - this.now()) / 1000);
  }
}
