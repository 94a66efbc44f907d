// XEP-0198 §4: the server's side of acknowledgements for one stream. Stanzas sent to the client
// stay here until an <a h/> covers them; `acked` is the client's last 'h' and `sent` the number of
// the last stanza sent (both modulo 2^32), so the queue holds stanzas acked + 1 .. sent. The
// queue is bounded in bytes (limits.maxOutputBytes) by its owner.
import type { Element } from '@xmpp/xml';
import { seqAdd, seqDistance } from './counters.js';

interface Entry {
  stanza: Element;
  bytes: number;
}

export class OutboundQueue {
  private entries: Entry[] = [];
  private head = 0;
  /** Bytes of the stanzas waiting for an ack (UTF-8 of their serialization). */
  bytes = 0;

  constructor(
    /** The client's last 'h'. */
    public acked = 0,
    stanzas: Element[] = [],
  ) {
    for (const stanza of stanzas) this.push(stanza);
  }

  /** Stanzas waiting for an ack. */
  get length(): number {
    return this.entries.length - this.head;
  }

  /** The sequence number of the last stanza sent ('send-count'). */
  get sent(): number {
    return seqAdd(this.acked, this.length);
  }

  /** Adds a stanza just sent; returns its serialization (what the store keeps). */
  push(stanza: Element): string {
    const text = stanza.toString();
    const bytes = Buffer.byteLength(text);
    this.entries.push({ stanza, bytes });
    this.bytes += bytes;
    return text;
  }

  /** How many stanzas an <a h/> acknowledges, or undefined when 'h' is beyond what was sent (§6 handled-count-too-high). */
  covered(h: number): number | undefined {
    const count = seqDistance(h, this.acked);
    return count <= this.length ? count : undefined;
  }

  /** Drops the stanzas up to `h` (validated with `covered` first). */
  ack(h: number): void {
    const count = this.covered(h) ?? this.length;
    for (let i = 0; i < count; i++) this.bytes -= this.entries[this.head + i].bytes;
    this.head += count;
    this.acked = h;
    // Compact once the dropped prefix dominates, so that a long-lived stream does not keep it.
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** The stanzas still waiting, oldest first. */
  stanzas(): Element[] {
    return this.entries.slice(this.head).map((e) => e.stanza);
  }
}
