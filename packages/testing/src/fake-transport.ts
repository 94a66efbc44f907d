// An in-memory transport for the in-process harness: records what core writes, lets a test feed
// elements in, and resolves waiters when a matching element arrives.
import type { Element } from '@xmpp/xml';
import type { StreamError } from '@deskchat/protocol';
import type { NodeAddress, Transport, TransportKind } from '@deskchat/core';

type Waiter = { match: (el: Element) => boolean; resolve: (el: Element) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export class FakeTransport implements Transport {
  readonly kind: TransportKind;
  readonly remoteAddress: string;
  /** Every element written, in order. */
  readonly sent: Element[] = [];
  readonly headers: Record<string, string>[] = [];
  closedWith: StreamError | 'closed' | undefined;
  /**
   * Answers what a client library answers by itself (a XEP-0199 ping from the server): return true
   * to take the element, which then stays out of `next()` and `drain()` (it is still in `sent`).
   */
  autoReply?: (element: Element) => boolean;
  resets = 0;
  /** Where `seeOther` sent the client (BOSH- and WebSocket-like fakes only). */
  redirectedTo?: NodeAddress;
  private secure: boolean;
  private readonly tlsAvailable: boolean;
  private unread: Element[] = [];
  private waiters: Waiter[] = [];

  constructor(options: { kind?: TransportKind; remoteAddress?: string; secure?: boolean; canStartTls?: boolean } = {}) {
    this.kind = options.kind ?? 'tcp';
    // Like the real transports: BOSH and WebSocket have their own redirect signal, TCP has none.
    if (this.kind !== 'tcp') {
      this.seeOther = (target: NodeAddress) => {
        this.redirectedTo = target;
        this.closedWith ??= 'closed';
      };
    }
    this.remoteAddress = options.remoteAddress ?? '127.0.0.1';
    this.secure = options.secure ?? false;
    this.tlsAvailable = options.canStartTls ?? false;
  }

  seeOther?: (target: NodeAddress, text: string) => void;

  isSecure(): boolean {
    return this.secure;
  }
  canStartTls(): boolean {
    return this.tlsAvailable && !this.secure;
  }
  async startTls(): Promise<void> {
    this.secure = true;
  }
  openStream(attrs: Record<string, string>): void {
    this.headers.push(attrs);
  }
  send(element: Element): void {
    this.sent.push(element);
    if (this.autoReply?.(element)) return;
    const index = this.waiters.findIndex((w) => w.match(element));
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      clearTimeout(waiter.timer);
      waiter.resolve(element);
    } else {
      this.unread.push(element);
    }
  }
  resetStream(): void {
    this.resets++;
  }
  close(error?: StreamError): void {
    this.closedWith ??= error ?? 'closed';
  }

  /** The next unread element that matches (default: any), waiting up to `timeoutMs`. */
  next(match: (el: Element) => boolean = () => true, timeoutMs = 2000): Promise<Element> {
    const index = this.unread.findIndex(match);
    if (index >= 0) return Promise.resolve(this.unread.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no matching element within ${timeoutMs} ms; unread: ${this.unread.map(String).join(' ') || 'none'}`));
      }, timeoutMs);
      this.waiters.push({ match, resolve, reject, timer });
    });
  }

  /** Elements written and not yet taken by `next`, which are then forgotten. */
  drain(): Element[] {
    const out = this.unread;
    this.unread = [];
    return out;
  }
}
