// An XMPP client over BOSH (XEP-0124, XEP-0206) for the load generator. It behaves like browser
// clients do: two persistent HTTP connections (`requests` = `hold` + 1 with hold = 1), one empty
// long poll always outstanding, stanzas sent at once on the other connection (XEP-0124 §11), and
// whatever was queued while both were busy batched into the next request.
import { HttpConnection } from './http-connection.js';
import { parseBody, requestBody, restartBody, sessionCreateBody, terminateBody, type ParsedBody } from './bosh-body.js';
import { Inbox, SignInError, negotiate, signedIn, type Credentials, type Endpoint, type XmppConnection } from './xmpp-connection.js';

export interface BoshOptions {
  /** Seconds the server may hold the long poll (XEP-0124 §7.1 `wait`). */
  wait: number;
}

/** HTTP requests sent by all BOSH clients of this process. */
export const boshCounters = { requests: 0 };

export async function connectBosh(endpoint: Endpoint, credentials: Credentials, options: BoshOptions = { wait: 60 }, timeoutMs = 30_000): Promise<XmppConnection> {
  return signedIn(new BoshConnection(endpoint, options), credentials, timeoutMs);
}

type Special = 'restart' | 'terminate' | undefined;

class BoshConnection implements XmppConnection {
  readonly transport = 'bosh';
  jid = '';
  isOpen = false;
  onStanza: (element: string) => void = () => {};
  onClose: (reason: string) => void = () => {};
  private readonly http: HttpConnection[];
  private readonly inbox = new Inbox();
  private readonly outbox: string[] = [];
  private rid = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
  private sid = '';
  private maxRequests = 2;
  private outstanding = 0;
  private special: Special;
  private isEnded = false;
  private hasSentTerminate = false;
  private isPumpQueued = false;
  private onTerminated?: () => void;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly options: BoshOptions,
  ) {
    this.http = [new HttpConnection(endpoint.host, endpoint.httpPort), new HttpConnection(endpoint.host, endpoint.httpPort)];
  }

  async signIn(credentials: Credentials, timeoutMs: number): Promise<void> {
    // 1. Session creation (XEP-0124 §7.1–§7.2; XEP-0206 §4).
    boshCounters.requests++;
    const response = await this.http[0].post(this.endpoint.boshPath, sessionCreateBody({ rid: this.rid++, domain: this.endpoint.domain, wait: this.options.wait, hold: 1 }), timeoutMs);
    const created = this.readResponse(response.status, response.body);
    if (!created.attrs.sid) throw new SignInError('session creation response has no sid');
    this.sid = created.attrs.sid;
    const requests = Number(created.attrs.requests ?? 2);
    this.maxRequests = Math.max(1, Math.min(2, Number.isFinite(requests) ? requests : 2));
    for (const child of created.children) this.inbox.push(child);
    this.pump();
    // 2. SASL, restart, bind, written once for every transport.
    this.jid = await negotiate(
      {
        send: (data) => this.send(data, true),
        next: () => this.inbox.next(timeoutMs),
        restart: () => {
          this.special = 'restart';
          this.pump();
        },
      },
      credentials,
    );
    this.isOpen = true;
    this.inbox.drainTo((element) => this.onStanza(element));
  }

  send(stanza: string, isSigningIn = false): void {
    if (!this.isOpen && !isSigningIn) return;
    this.outbox.push(stanza);
    // Stanzas sent in one turn share a request (XEP-0124 §9.1 allows several in a body).
    if (!this.isPumpQueued) {
      this.isPumpQueued = true;
      queueMicrotask(() => {
        this.isPumpQueued = false;
        this.pump();
      });
    }
  }

  close(): Promise<void> {
    if (!this.isOpen) {
      this.destroy();
      return Promise.resolve();
    }
    this.isOpen = false;
    // XEP-0124 §17.1: terminate, with unavailable presence, then let the sockets go.
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.onTerminated?.(), 5000);
      this.onTerminated = () => {
        clearTimeout(timer);
        this.destroy();
        resolve();
      };
      this.outbox.push(`<presence type='unavailable'/>`);
      this.special = 'terminate';
      this.pump();
    });
  }

  destroy(): void {
    this.isEnded = true;
    this.isOpen = false;
    for (const connection of this.http) connection.destroy();
  }

  /** Keeps one request outstanding, and sends queued stanzas while a connection is free. */
  private pump(): void {
    while (!this.isEnded && !this.hasSentTerminate && this.outstanding < this.maxRequests) {
      const hasWork = this.outbox.length > 0 || this.special !== undefined;
      if (this.outstanding > 0 && !hasWork) return;
      const payload = this.outbox.length ? this.outbox.splice(0).join('') : '';
      const special = this.special;
      this.special = undefined;
      const rid = this.rid++;
      const body =
        special === 'restart' ? restartBody(rid, this.sid, this.endpoint.domain) : special === 'terminate' ? terminateBody(rid, this.sid, payload) : requestBody(rid, this.sid, payload);
      if (special === 'restart' && payload) this.outbox.push(payload); // a restart carries no stanzas
      this.hasSentTerminate = special === 'terminate';
      this.fire(body, this.hasSentTerminate);
    }
  }

  private fire(body: string, isTerminate: boolean): void {
    const connection = this.http.find((c) => !c.isBusy);
    if (!connection) return this.end('both HTTP connections busy (client bug)');
    this.outstanding++;
    boshCounters.requests++;
    connection.post(this.endpoint.boshPath, body, (this.options.wait + 15) * 1000).then(
      (response) => {
        this.outstanding--;
        if (isTerminate) return this.onTerminated?.();
        if (this.isEnded) return;
        let parsed: ParsedBody;
        try {
          parsed = this.readResponse(response.status, response.body);
        } catch (err) {
          return this.end((err as Error).message);
        }
        for (const child of parsed.children) this.inbox.push(child);
        this.pump();
      },
      (err: Error) => {
        this.outstanding--;
        if (isTerminate && this.onTerminated) return this.onTerminated();
        this.end(`HTTP: ${err.message}`);
      },
    );
  }

  private readResponse(status: number, text: string): ParsedBody {
    // XEP-0124 §17: errors come as HTTP status codes or as a terminate body with a condition.
    if (status !== 200) throw new SignInError(`HTTP ${status}`);
    const parsed = parseBody(text);
    if (parsed.attrs.type === 'terminate') {
      const reason = parsed.children.join('').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
      throw new SignInError(`session terminated by the server (${parsed.attrs.condition ?? 'no condition'}${reason ? `: ${reason}` : ''})`);
    }
    return parsed;
  }

  private end(reason: string): void {
    if (this.isEnded) return;
    const wasOpen = this.isOpen;
    this.destroy();
    this.inbox.fail(new SignInError(reason));
    if (wasOpen) this.onClose(reason);
  }
}
