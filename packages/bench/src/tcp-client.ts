// An XMPP client over plain TCP (RFC 6120 §4 streams, §6 SASL PLAIN, §7 bind) for the load
// generator: one socket, a stream splitter, stanzas written as strings.
import net from 'node:net';
import { ElementSplitter } from './xml-split.js';
import { describeFailure, isStreamError, streamHeader } from './stanzas.js';
import { Inbox, SignInError, negotiate, signedIn, type Credentials, type Endpoint, type XmppConnection } from './xmpp-connection.js';

export async function connectTcp(endpoint: Endpoint, credentials: Credentials, timeoutMs = 30_000): Promise<XmppConnection> {
  return signedIn(new TcpConnection(endpoint), credentials, timeoutMs);
}

class TcpConnection implements XmppConnection {
  readonly transport = 'tcp';
  jid = '';
  isOpen = false;
  onStanza: (element: string) => void = () => {};
  onClose: (reason: string) => void = () => {};
  private readonly socket: net.Socket;
  private readonly inbox = new Inbox();
  private splitter = this.newSplitter();
  private isClosing = false;
  private streamError?: string;
  private pending = '';

  constructor(private readonly endpoint: Endpoint) {
    this.socket = net.connect({ host: endpoint.host, port: endpoint.c2sPort, noDelay: true });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => this.splitter.feed(chunk));
    this.socket.on('error', (err) => this.end(`socket error: ${err.message}`));
    this.socket.on('close', () => this.end('connection closed by the server'));
  }

  async signIn(credentials: Credentials, timeoutMs: number): Promise<void> {
    this.socket.write(streamHeader(this.endpoint.domain));
    this.jid = await negotiate(
      {
        send: (data) => this.socket.write(data),
        next: () => this.inbox.next(timeoutMs),
        restart: () => {
          // RFC 6120 §6.4.6: both sides start a fresh stream and forget the old parser state.
          this.splitter = this.newSplitter();
          this.socket.write(streamHeader(this.endpoint.domain));
        },
      },
      credentials,
    );
    this.isOpen = true;
    this.inbox.drainTo((element) => this.onStanza(element));
  }

  send(stanza: string): void {
    if (!this.isOpen) return;
    // One write per turn: fewer system calls for the generator, as a real client batches too.
    if (!this.pending) queueMicrotask(() => this.flush());
    this.pending += stanza;
  }

  private flush(): void {
    if (this.isOpen && this.pending) this.socket.write(this.pending);
    this.pending = '';
  }

  async close(): Promise<void> {
    if (!this.isOpen) return this.destroy();
    this.flush();
    this.isClosing = true;
    this.isOpen = false;
    // RFC 6120 §4.4: close our stream and wait (briefly) for the server to close its own.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end(`<presence type='unavailable'/></stream:stream>`);
    });
    this.destroy();
  }

  destroy(): void {
    this.isClosing = true;
    this.isOpen = false;
    this.socket.destroy();
  }

  private newSplitter(): ElementSplitter {
    return new ElementSplitter({
      element: (element) => {
        if (isStreamError(element)) this.streamError = describeFailure(element);
        this.inbox.push(element);
      },
      close: () => this.end(`the server closed the stream${this.streamError ? ` after ${this.streamError}` : ''}`),
    });
  }

  private end(reason: string): void {
    this.inbox.fail(new SignInError(reason));
    if (this.isClosing) return;
    this.isClosing = true;
    const wasOpen = this.isOpen;
    this.isOpen = false;
    this.socket.destroy();
    if (wasOpen) this.onClose(reason);
  }
}
