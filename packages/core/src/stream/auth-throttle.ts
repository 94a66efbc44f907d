// Failed-auth lockout (design.md §7): past `maxFailures` failed SASL attempts from one address
// within `windowMs`, further attempts from it fail with temporary-auth-failure until the window
// has passed. Per address, not per account: locking accounts would let anyone lock an agent out.
export class AuthThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(address: string): boolean {
    return this.recent(address).length >= this.maxFailures;
  }

  recordFailure(address: string): void {
    const list = this.recent(address);
    list.push(this.now());
    this.failures.set(address, list);
    // Bounded memory under a spray from many addresses: forget the oldest address first.
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(address);
    else this.failures.set(address, list);
    return list;
  }
}
