// A small BOSH client that moves like the gadget does when its node dies (docs/cluster.md, "What
// a BOSH client does to move"): a request that fails at the HTTP level is sent again, the same
// body, to the next URL (home → backup), and the session carries on there. One long poll is always
// open; stanzas go on a second request (XEP-0124 §11, requests = 2).
import xml, { type Element } from '@xmpp/xml';
import { parseDocument } from '@deskchat/core';

const NS = "xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'";

export class FailoverBoshClient {
  readonly messages: Element[] = [];
  readonly presences: Element[] = [];
  /** When a request first failed, and when a moved request was first answered (ms). */
  movedAt?: number;
  resumedAt?: number;
  private sid = '';
  private rid = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  private url = 0;
  private isRunning = false;
  private polling?: Promise<void>;
  private sending: Promise<unknown> = Promise.resolve();
  /** Requests open now: an empty poll goes out only when none is (as Strophe does), so that it is never overactive (§11). */
  private open = 0;
  jid = '';
  /** What went wrong on the way (for a failing test's message). */
  readonly errors: string[] = [];

  constructor(
    private readonly urls: string[],
    private readonly user: string,
    private readonly password: string,
    private readonly onStanza: (el: Element) => void = () => undefined,
  ) {}

  /** Session creation, SASL PLAIN (loopback), restart, bind, initial presence; then the long poll. */
  async start(presence: Element = xml('presence')): Promise<void> {
    const created = await this.post(`<body ${NS} rid='${this.rid++}' to='localhost' from='${this.user}@localhost' wait='10' hold='1' ver='1.6' xmpp:version='1.0' content='text/xml; charset=utf-8'/>`);
    this.sid = created.attrs.sid;
    const auth = xml('auth', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: 'PLAIN' }, Buffer.from(`\0${this.user}\0${this.password}`).toString('base64'));
    let answer = await this.request(auth);
    while (!answer.children.some((c) => typeof c !== 'string' && c.name === 'success')) {
      if (answer.children.some((c) => typeof c !== 'string' && c.name === 'failure')) throw new Error(`sign-in of ${this.user} failed`);
      answer = await this.request();
    }
    await this.post(`<body ${NS} rid='${this.rid++}' sid='${this.sid}' to='localhost' xmpp:restart='true'/>`);
    const bound = await this.request(xml('iq', { type: 'set', id: 'bind', xmlns: 'jabber:client' }, xml('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' }, xml('resource', {}, 'web'))));
    this.jid = bound.getChild('iq')?.getChild('bind')?.getChildText('jid') ?? '';
    this.isRunning = true;
    this.polling = this.pollLoop();
    await this.send(presence);
  }

  /** Sends stanzas on their own request; resolves once the server answered it (the stanzas were taken). */
  send(...stanzas: Element[]): Promise<void> {
    const next = this.sending.then(() => this.request(...stanzas));
    this.sending = next.catch(() => undefined);
    return next.then(() => undefined);
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    await this.sending;
    await this.post(`<body ${NS} rid='${this.rid++}' sid='${this.sid}' type='terminate'/>`).catch(() => undefined);
    await this.polling?.catch(() => undefined);
  }

  private async pollLoop(): Promise<void> {
    while (this.isRunning) {
      if (this.open > 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      try {
        await this.request();
      } catch (err) {
        this.errors.push(`poll: ${(err as Error).message}`);
        if (!this.isRunning) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async request(...stanzas: Element[]): Promise<Element> {
    const payload = stanzas.map((s) => s.toString()).join('');
    this.open++;
    try {
      return await this.post(`<body ${NS} rid='${this.rid++}' sid='${this.sid}'>${payload}</body>`);
    } finally {
      this.open--;
    }
  }

  /** POSTs a body; on a connection failure the same body goes to the next URL. */
  private async post(body: string): Promise<Element> {
    // The URL this request tries; another request may have moved the client on meanwhile.
    let url = this.url;
    let failures = 0;
    for (;;) {
      let text: string;
      try {
        const res = await fetch(this.urls[url], { method: 'POST', body, headers: { 'Content-Type': 'text/xml; charset=utf-8' } });
        text = await res.text();
      } catch (err) {
        if (url >= this.urls.length - 1) {
          // The last URL: resend the same body a few times, as Strophe does (§14.3), since a
          // reused keep-alive connection the server had just closed fails the same way.
          if (++failures > 3) throw err;
          this.errors.push(`resend after: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 200 * failures));
          continue;
        }
        this.movedAt ??= Date.now();
        url++;
        this.url = Math.max(this.url, url);
        continue;
      }
      const el = parseDocument(text, undefined, { wrapperDepth: 1 });
      if (this.url > 0) this.resumedAt ??= Date.now();
      if (el.attrs.type === 'terminate') {
        this.isRunning = false;
        throw new Error(`${this.user}: session terminated (${el.attrs.condition ?? 'normal'}): ${text}`);
      }
      for (const child of el.children) {
        if (typeof child === 'string') continue;
        this.onStanza(child);
        if (child.name === 'message') this.messages.push(child);
        else if (child.name === 'presence') this.presences.push(child);
      }
      return el;
    }
  }
}
