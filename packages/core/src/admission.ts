// Which streams a node accepts (design.md §7, issue #7 §1–2): a node-wide cap on streams of every
// transport (`limits.maxSessions`), per client address a cap on streams and a much lower one on
// streams that have not authenticated yet, and nothing while shutting down. Counting is by the
// address the transport reports (behind a trusted proxy: the forwarded client address).
import { StreamError } from '@deskchat/protocol';
import type { CoreOptions } from './options.js';

interface AddressCount {
  streams: number;
  unauthenticated: number;
}

export class Admission {
  private readonly byAddress = new Map<string, AddressCount>();
  private total = 0;
  isClosing = false;

  constructor(private readonly limits: CoreOptions['limits']) {}

  /** The refusal for a new stream from `address`, or undefined when it is admitted (and counted). */
  admit(address: string): StreamError | undefined {
    if (this.isClosing) return new StreamError('system-shutdown', 'this node is not accepting sessions');
    if (this.total >= this.limits.maxSessions) return new StreamError('resource-constraint', 'this node is at its stream limit (limits.maxSessions)');
    const count = this.byAddress.get(address);
    if (count && count.streams >= this.limits.streamsPerAddress) {
      return new StreamError('policy-violation', 'too many streams from this address (limits.streamsPerAddress)');
    }
    if (count && count.unauthenticated >= this.limits.unauthenticatedPerAddress) {
      return new StreamError('policy-violation', 'too many unauthenticated streams from this address (limits.unauthenticatedPerAddress)');
    }
    this.total++;
    if (count) {
      count.streams++;
      count.unauthenticated++;
    } else {
      this.byAddress.set(address, { streams: 1, unauthenticated: 1 });
    }
    return undefined;
  }

  /** An admitted stream authenticated: it no longer counts against the unauthenticated cap. */
  authenticated(address: string): void {
    const count = this.byAddress.get(address);
    if (count) count.unauthenticated--;
  }

  /** An admitted stream ended. */
  released(address: string, wasAuthenticated: boolean): void {
    const count = this.byAddress.get(address);
    if (!count) return;
    this.total--;
    count.streams--;
    if (!wasAuthenticated) count.unauthenticated--;
    if (count.streams === 0) this.byAddress.delete(address);
  }

  get size(): number {
    return this.total;
  }
}
