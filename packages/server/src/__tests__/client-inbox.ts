// What a real @xmpp/client receives, kept so that a test takes stanzas by matching, in order,
// whether they came before or after it started waiting.
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { signIn } from './e2e-helpers.js';

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

/** A signed-in client that gets roster pushes (an interested resource, RFC 6121 §2.1.6), is available, and records the condition of any stream error it receives. */
export interface RosterClient {
  xmpp: Client;
  inbox: Inbox;
  streamErrors: string[];
}

/** Signs in with a real @xmpp/client, asks for the roster and sends initial presence; `track` keeps the client for the test's teardown. */
export async function signInWithRoster(port: number, username: string, password: string, track: (xmpp: Client) => void): Promise<RosterClient> {
  const xmpp = await signIn(port, username, password, 'desk');
  track(xmpp);
  const inbox = new Inbox(xmpp);
  const streamErrors: string[] = [];
  xmpp.on('element', (el: Element) => {
    if (el.name === 'stream:error') streamErrors.push(el.children.map((c) => (typeof c === 'string' ? '' : c.name)).find((n) => n && n !== 'text') ?? '');
  });
  await xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER })));
  await xmpp.send(xml('presence'));
  return { xmpp, inbox, streamErrors };
}

/** A roster push for `jid` whose item has no subscription either way (RFC 6121 §2.5.2). */
export const rosterPushOfNone = (jid: string) => (el: Element) => {
  const item = el.is('iq') && el.attrs.type === 'set' ? el.getChild('query', NS.ROSTER)?.getChild('item') : undefined;
  return item?.attrs.jid === jid && item.attrs.subscription === 'none';
};

/** A presence of `type` (undefined: available) from `from`. */
export const isPresenceFrom = (type: string | undefined, from: string) => (el: Element) => el.is('presence') && el.attrs.type === type && el.attrs.from === from;
