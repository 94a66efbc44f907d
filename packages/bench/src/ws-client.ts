// An XMPP client over WebSocket (RFC 7395) for the load generator: the `xmpp` subprotocol (§3.1),
// one complete element per message (§3.3.3), `<open/>` and `<close/>` framing (§3.3.1, §3.6), and
// a new `<open/>` to restart the stream after SASL (§3.5).
import WebSocket from 'ws';
import { describeFailure, framingClose, framingOpen, isStreamError } from './stanzas.js';
import { tagName } from './xml-split.js';
import { Inbox, SignInError, negotiate, signedIn, type Credentials, type Endpoint, type XmppConnection } from './xmpp-connection.js';

export async function connectWs(endpoint: Endpoint, credentials: Credentials, timeoutMs = 30_000): Promise<XmppConnection> {
  return signedIn(new WsConnection(endpoint), credentials, timeoutMs);
}

class WsConnection implements XmppConnection {
  readonly transport = 'ws';
  jid = '';
  isOpen = false;
  onStanza: (element: string) => void = () => {};
  onClose: (reason: string) => void = () => {};
  private readonly socket: WebSocket;
  private readonly inbox = new Inbox();
  private readonly opened: Promise<void>;
  private isClosing = false;
  private streamError?: string;

  constructor(private readonly endpoint: Endpoint) {
    this.socket = new WebSocket(`ws://${endpoint.host}:${endpoint.httpPort}${endpoint.wsPath}`, 'xmpp', { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => {
        // RFC 7395 §3.1: the server must agree on the `xmpp` subprotocol.
        if (this.socket.protocol !== 'xmpp') reject(new SignInError(`the server chose subprotocol '${this.socket.protocol}', not 'xmpp'`));
        else resolve();
      });
      this.socket.once('error', (err) => reject(new SignInError(`WebSocket: ${err.message}`)));
    });
    this.opened.catch(() => {});
    this.socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(isBinary ? '' : data.toString('utf8')));
    this.socket.on('error', (err) => this.end(`WebSocket error: ${err.message}`));
    this.socket.on('close', (code) => this.end(`WebSocket closed (${code})`));
  }

  async signIn(credentials: Credentials, timeoutMs: number): Promise<void> {
    await this.opened;
    this.socket.send(framingOpen(this.endpoint.domain));
    this.jid = await negotiate(
      {
        send: (data) => this.socket.send(data),
        next: () => this.inbox.next(timeoutMs),
        restart: () => this.socket.send(framingOpen(this.endpoint.domain)),
      },
      credentials,
    );
    this.isOpen = true;
    this.inbox.drainTo((element) => this.onStanza(element));
  }

  send(stanza: string): void {
    if (this.isOpen) this.socket.send(stanza); // one element per message (RFC 7395 §3.3.3)
  }

  async close(): Promise<void> {
    if (!this.isOpen) return this.destroy();
    this.isOpen = false;
    this.isClosing = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.send(`<presence type='unavailable'/>`);
      this.socket.send(framingClose());
    });
    this.destroy();
  }

  destroy(): void {
    this.isClosing = true;
    this.isOpen = false;
    this.socket.terminate();
  }

  private onMessage(text: string): void {
    const name = tagName(text);
    if (name === 'open') return;
    if (name === 'close') {
      // RFC 7395 §3.6: answer the server's close with ours, then the server closes the socket.
      if (!this.isClosing && this.socket.readyState === WebSocket.OPEN) this.socket.send(framingClose());
      return this.end(`the server closed the stream${this.streamError ? ` after ${this.streamError}` : ''}`);
    }
    if (isStreamError(text)) this.streamError = describeFailure(text);
    this.inbox.push(text);
  }

  private end(reason: string): void {
    this.inbox.fail(new SignInError(reason));
    if (this.isClosing) return;
    this.isClosing = true;
    const wasOpen = this.isOpen;
    this.isOpen = false;
    if (wasOpen) this.onClose(reason);
  }
}
