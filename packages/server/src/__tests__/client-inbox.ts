// What a real @xmpp/client receives, kept so that a test takes stanzas by matching, in order,
// whether they came before or after it started waiting.
import type { Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';

/** Everything a client receives, taken in order by matching (past stanzas first, then future ones). */
export class Inbox {
  private readonly unread: Element[] = [];
  private waiters: { match: (el: Element) => boolean; resolve: (el: Element) => void }[] = [];

  constructor(readonly xmpp: Client) {
    xmpp.on('stanza', (el: Element) => {
      const index = this.waiters.findIndex((w) => w.match(el));
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve(el);
      else this.unread.push(el);
    });
  }

  next(match: (el: Element) => boolean, timeoutMs = 4000): Promise<Element> {
    const index = this.unread.findIndex(match);
    if (index >= 0) return Promise.resolve(this.unread.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching stanza; unread: ${this.unread.map(String).join(' ') || 'none'}`));
      }, timeoutMs).unref();
    });
  }

  /** Whatever matching arrived within `ms` (used to show that something did NOT arrive). */
  async taken(match: (el: Element) => boolean, ms = 300): Promise<Element[]> {
    await new Promise((r) => setTimeout(r, ms));
    const got = this.unread.filter(match);
    for (const el of got) this.unread.splice(this.unread.indexOf(el), 1);
    return got;
  }
}
