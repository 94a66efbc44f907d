// The payloads a BOSH session has for its client and no request to send them in yet (XEP-0124 §8),
// kept as the strings that will be sent (each stanza serialised once). Bounded (issue #7 §2): one
// response carries at most `maxResponseBytes` of them (at least one payload), and the session owner
// ends the session when the queue passes `limits.maxOutputBytes`. What is never sent is handed back
// to core as elements (`undeliveredElements`).
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { parseDocument } from '@deskchat/core';

export class OutQueue {
  private items: string[] = [];
  /** UTF-16 units queued (the size measure of the transports' output bounds). */
  bytes = 0;
  /** How many payloads the last `take` took (the shared outbox removes as many). */
  lastTaken = 0;

  get length(): number {
    return this.items.length;
  }

  push(text: string): void {
    this.items.push(text);
    this.bytes += text.length;
  }

  /** Payloads for one response, oldest first, up to `maxBytes` (always at least one). */
  take(maxBytes: number): string {
    const items = this.items;
    if (items.length === 0) {
      this.lastTaken = 0;
      return '';
    }
    if (this.bytes <= maxBytes) {
      const all = items.length === 1 ? items[0] : items.join('');
      this.lastTaken = items.length;
      this.items = [];
      this.bytes = 0;
      return all;
    }
    let size = items[0].length;
    let count = 1;
    while (count < items.length && size + items[count].length <= maxBytes) size += items[count++].length;
    this.bytes -= size;
    this.lastTaken = count;
    return items.splice(0, count).join('');
  }

  /** Everything queued, emptied: for a response that ends the session, or to hand back to core. */
  takeAll(): string[] {
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    return items;
  }
}

/** The messages and IQ requests among serialised payloads, as elements core can route again. */
export function undeliveredElements(payloads: readonly string[]): Element[] {
  const out: Element[] = [];
  for (const text of payloads) {
    if (!text.startsWith('<message') && !text.startsWith('<iq')) continue;
    // We serialised these ourselves, so they parse; the size limit is the text's own.
    const el = parseDocument(text, { maxStanzaBytes: text.length * 3 + 16, maxDepth: 1000, maxAttributes: 10_000 });
    if (el.attrs.xmlns === NS.CLIENT) delete el.attrs.xmlns;
    out.push(el);
  }
  return out;
}
