// XEP-0124 §15 key sequencing for sessions that are not encrypted: each request's `key` must hash
// (SHA-1, hex) to the previous request's `newkey` or `key`; a request may start a new sequence.
import { createHash } from 'node:crypto';

export class KeySequence {
  private expected: string;

  /** @param newkey K(n), the `newkey` of the session creation request (or, continuing a session on another node, the hash it expects next) */
  constructor(newkey: string) {
    this.expected = newkey.toLowerCase();
  }

  /** What the next key must hash to (kept in shared state, so that another node can continue the sequence). */
  get next(): string {
    return this.expected;
  }

  /** §15.4: verifies `key` and moves along the sequence (or to the new one); false means item-not-found. */
  accept(key: string | undefined, newkey: string | undefined): boolean {
    if (key === undefined) return false;
    const hash = createHash('sha1').update(key).digest('hex');
    if (hash !== this.expected) return false;
    // §15.5: with a `newkey` the client switches to a new sequence; the next key must hash to it.
    this.expected = (newkey ?? key).toLowerCase();
    return true;
  }
}
