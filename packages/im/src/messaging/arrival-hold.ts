// Holds what arrives for a session until something else has been written first (offline.ts: the
// stored messages before the live ones). Bounded: after `maxMs` the hold lets everything through,
// so that a stuck flush delays messages but never keeps them.

export class ArrivalHold {
  private isReleased = false;
  private readonly released: Promise<void>;
  private resolve!: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(maxMs: number) {
    this.released = new Promise((resolve) => (this.resolve = resolve));
    this.timer = setTimeout(() => this.release(), maxMs);
    this.timer.unref();
  }

  get isHolding(): boolean {
    return !this.isReleased;
  }

  /** Resolves when the hold is released; waiters resume in the order they started waiting. */
  wait(): Promise<void> {
    return this.released;
  }

  release(): void {
    if (this.isReleased) return;
    this.isReleased = true;
    clearTimeout(this.timer);
    this.resolve();
  }
}
