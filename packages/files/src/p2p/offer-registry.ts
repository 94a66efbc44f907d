// What the peer-to-peer offers routed through this node said about their files (name, size), by
// stream id and the two parties, so that the bytestreams carrying them can be held to it: the
// SOCKS5 proxy and in-band bytestreams check the first bytes against the offered name, and the
// proxy only activates a stream whose negotiation it saw (XEP-0065 §6.3).
//
// A bounded map in process memory, on purpose: it describes streams being set up right now between
// sessions whose stanzas this node routes, lives for minutes, and losing it only loses the content
// check of a stream (the size cap and the policy still apply). The cluster issue may move it next
// to the proxy's own state.
import type { OfferedFile } from '../policy/check.js';

interface Entry {
  file: OfferedFile;
  expiresAt: number;
}

export class OfferRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly max = 10_000,
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The same key whichever party is named first: a stream is between two full JIDs. */
  private static key(a: string, b: string, sid: string): string {
    return `${sid}\n${a < b ? `${a}\n${b}` : `${b}\n${a}`}`;
  }

  remember(a: string, b: string, sid: string, file: OfferedFile): void {
    const key = OfferRegistry.key(a, b, sid);
    this.entries.delete(key);
    this.entries.set(key, { file, expiresAt: this.now() + this.ttlMs });
    // Oldest first out: Map keeps insertion order.
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  find(a: string, b: string, sid: string): OfferedFile | undefined {
    const key = OfferRegistry.key(a, b, sid);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.file;
  }

  forget(a: string, b: string, sid: string): void {
    this.entries.delete(OfferRegistry.key(a, b, sid));
  }
}
