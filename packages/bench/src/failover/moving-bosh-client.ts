// A BOSH client that moves like the gadget does when its node dies (docs/cluster.md, "What a BOSH
// client does to move"): a request that fails at the HTTP level is sent again, the same body (same
// sid, rid), to the next URL (home → backup), and the session carries on there. One long poll is
// always open; stanzas go on a second request (XEP-0124 §11, requests = 2). The same logic as the
// server's e2e helper (packages/server/src/__tests__/failover-bosh-client.ts), on the bench's
// string-based XML (the bench imports no server code).
import { parseBody, requestBody, restartBody, sessionCreateBody, terminateBody } from '../bosh-body.js';
import { boundJid, plainAuth, tagName } from '../stanzas.js';

export class MovingBoshClient {
  /** When a request first failed, and when a request was first answered by a later URL (ms). */
  movedAt?: number;
  resumedAt?: number;
  jid = '';
  readonly errors: string[] = [];
  private sid = '';
  private rid = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  private url = 0;
  private isRunning = false;
  private polling?: Promise<void>;
  private sending: Promise<unknown> = Promise.resolve();
  private open = 0;

  constructor(
    private readonly urls: string[],
    private readonly user: string,
    private readonly password: string,
    private readonly domain: string,
    private readonly onStanza: (element: string) => void,
  ) {}

  /** Session creation, SASL PLAIN (loopback), restart, bind, initial presence; then the long poll. */
  async start(presence = '<presence/>'): Promise<void> {
    const created = await this.post(sessionCreateBody({ rid: this.rid++, domain: this.domain, wait: 10, hold: 1 }).replace('<body ', `<body from='${this.user}@${this.domain}' `));
    this.sid = created.attrs.sid;
    let answer = await this.request(plainAuth(this.user, this.password));
    while (!answer.children.some((c) => tagName(c) === 'success')) {
      if (answer.children.some((c) => tagName(c) === 'failure')) throw new Error(`sign-in of ${this.user} failed`);
      answer = await this.request();
    }
    await this.post(restartBody(this.rid++, this.sid, this.domain));
    let bound = await this.request(`<iq type='set' id='bind' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>web</resource></bind></iq>`);
    while (!bound.children.some((c) => tagName(c) === 'iq')) bound = await this.request();
    this.jid = boundJid(bound.children.find((c) => tagName(c) === 'iq')!) ?? '';
    this.isRunning = true;
    this.polling = this.pollLoop();
    await this.send(presence);
  }

  /** Sends stanzas on their own request; resolves once the server answered it (the stanzas were taken). */
  send(payload: string): Promise<void> {
    const next = this.sending.then(() => this.request(payload));
    this.sending = next.catch(() => undefined);
    return next.then(() => undefined);
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    await this.sending;
    await this.post(terminateBody(this.rid++, this.sid)).catch(() => undefined);
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

  private async request(payload = ''): Promise<ReturnType<typeof parseBody>> {
    this.open++;
    try {
      return await this.post(requestBody(this.rid++, this.sid, payload));
    } finally {
      this.open--;
    }
  }

  /** POSTs a body; on a connection failure the same body goes to the next URL. */
  private async post(body: string): Promise<ReturnType<typeof parseBody>> {
    let url = this.url;
    let failures = 0;
    for (;;) {
      let text: string;
      try {
        const res = await fetch(this.urls[url], { method: 'POST', body, headers: { 'Content-Type': 'text/xml; charset=utf-8' } });
        text = await res.text();
      } catch (err) {
        if (url >= this.urls.length - 1) {
          // The last URL: resend the same body a few times (a reused keep-alive connection the
          // server had just closed fails the same way).
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
      const parsed = parseBody(text);
      if (this.url > 0) this.resumedAt ??= Date.now();
      if (parsed.attrs.type === 'terminate') {
        this.isRunning = false;
        throw new Error(`${this.user}: session terminated (${parsed.attrs.condition ?? 'normal'})`);
      }
      for (const child of parsed.children) this.onStanza(child);
      return parsed;
    }
  }
}
