// What every bench client offers once signed in, and the sign-in written once for all transports:
// RFC 6120 §6 SASL (PLAIN, RFC 4616), the stream restart, §7 resource binding, and the RFC 3921
// session IQ where a server still requires it. Each transport supplies only how to send, how to
// read the next element and how to restart the stream (TCP: a new header; BOSH: XEP-0206 §5
// `xmpp:restart`; WebSocket: RFC 7395 §3.3.1 a new `<open/>`).
import { boundJid, describeFailure, isFeatures, isStreamError, needsSessionIq, offersPlain, bindIq, plainAuth, sessionIq, tagName } from './stanzas.js';

export type TransportName = 'tcp' | 'bosh' | 'ws';

export interface Endpoint {
  host: string;
  c2sPort: number;
  httpPort: number;
  domain: string;
  boshPath: string;
  wsPath: string;
}

export interface Credentials {
  username: string;
  password: string;
  resource?: string;
}

export interface XmppConnection {
  readonly transport: TransportName;
  /** The full JID bound at sign-in. */
  readonly jid: string;
  readonly isOpen: boolean;
  /** Receives every element after sign-in. */
  onStanza: (element: string) => void;
  /** Called once when the connection or session ends other than by close(). */
  onClose: (reason: string) => void;
  /**
   * Sends one stanza (one top-level element: RFC 7395 §3.3.3 allows no more in a WebSocket
   * message). What is sent in one turn of the event loop goes out together over TCP and BOSH.
   */
  send(stanza: string): void;
  /** Ends the session politely and releases its sockets. */
  close(): Promise<void>;
}

export class SignInError extends Error {}

/** Elements waiting for the sign-in steps, then handed to a handler. */
export class Inbox {
  handler?: (element: string) => void;
  private readonly queue: string[] = [];
  private waiter?: { resolve(element: string): void; reject(err: Error): void; timer: NodeJS.Timeout };
  private failure?: Error;

  push(element: string): void {
    if (this.handler) this.handler(element);
    else if (this.waiter) this.settle().resolve(element);
    else this.queue.push(element);
  }

  fail(err: Error): void {
    this.failure ??= err;
    if (this.waiter) this.settle().reject(err);
  }

  next(timeoutMs: number): Promise<string> {
    if (this.queue.length) return Promise.resolve(this.queue.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new SignInError(`no reply within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  /** Switches to handler mode, handing over what is queued. */
  drainTo(handler: (element: string) => void): void {
    this.handler = handler;
    for (const element of this.queue.splice(0)) handler(element);
  }

  private settle() {
    const waiter = this.waiter!;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    return waiter;
  }
}

export interface NegotiationChannel {
  send(data: string): void;
  next(): Promise<string>;
  restart(): Promise<void> | void;
}

/** Signs in with SASL PLAIN and binds a resource; resolves with the bound full JID. */
export async function negotiate(channel: NegotiationChannel, credentials: Credentials): Promise<string> {
  // 1. Features before authentication must offer PLAIN (RFC 6120 §6.3.1).
  const features = await expect(channel, isFeatures, 'stream features');
  if (!offersPlain(features)) throw new SignInError('the server does not offer SASL PLAIN (use loopback, and no required TLS)');
  // 2. Authenticate (RFC 6120 §6.4.2, §6.4.6).
  channel.send(plainAuth(credentials.username, credentials.password));
  const outcome = await expect(channel, (e) => tagName(e) === 'success' || tagName(e) === 'failure', 'SASL outcome');
  if (tagName(outcome) === 'failure') throw new SignInError(`SASL ${describeFailure(outcome)}`);
  // 3. Restart the stream (RFC 6120 §6.4.6) and bind a resource (§7.6).
  await channel.restart();
  const bindFeatures = await expect(channel, isFeatures, 'stream features after SASL');
  channel.send(bindIq('bind1', credentials.resource));
  const bound = await expect(channel, (e) => tagName(e) === 'iq' && /\sid=['"]bind1['"]/.test(e), 'bind result');
  const jid = boundJid(bound);
  if (!jid) throw new SignInError(`bind failed: ${describeFailure(bound)}`);
  // 4. RFC 3921 session establishment, only where it is not optional.
  if (needsSessionIq(bindFeatures)) {
    channel.send(sessionIq('sess1'));
    const session = await expect(channel, (e) => tagName(e) === 'iq' && /\sid=['"]sess1['"]/.test(e), 'session result');
    if (!/\stype=['"]result['"]/.test(session)) throw new SignInError(`session failed: ${describeFailure(session)}`);
  }
  return jid;
}

async function expect(channel: NegotiationChannel, accept: (element: string) => boolean, what: string): Promise<string> {
  for (;;) {
    const element = await channel.next();
    if (isStreamError(element)) throw new SignInError(`stream error while waiting for ${what}: ${describeFailure(element)}`);
    if (accept(element)) return element;
  }
}

/** Signs a new connection in, releasing its sockets if that fails. */
export async function signedIn<C extends XmppConnection & { signIn(credentials: Credentials, timeoutMs: number): Promise<void>; destroy(): void }>(
  connection: C,
  credentials: Credentials,
  timeoutMs: number,
): Promise<C> {
  try {
    await connection.signIn(credentials, timeoutMs);
  } catch (err) {
    connection.destroy();
    throw err;
  }
  return connection;
}
