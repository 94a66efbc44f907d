// RFC 6120 over TCP: the stream header, STARTTLS (§5), whitespace keepalives (§4.6.1) and
// closing (§4.4), behind core's Transport port. Negotiation itself lives in core's Session.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Element } from '@xmpp/xml';
import { escapeXML } from '@xmpp/xml';
import { StreamError } from '@deskchat/protocol';
import { XmppStreamParser, type Core, type Session, type Transport } from '@deskchat/core';
import type { C2sOptions } from './options.js';

const STREAM_NS = "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";

export class TcpTransport implements Transport {
  readonly kind = 'tcp' as const;
  readonly remoteAddress: string;
  readonly session: Session;
  private socket: Socket;
  private readonly parser: XmppStreamParser;
  private isTls: boolean;
  private isHeaderSent = false;
  private isClosed = false;
  /** Elements are handled strictly in order; negotiation steps are async. */
  private queue: Promise<void> = Promise.resolve();
  private lastInput = Date.now();
  /** Output of the current event-loop turn, written as one chunk: one system call per turn, not per stanza. */
  private pending: string[] | undefined;
  private keepalive?: NodeJS.Timeout;

  constructor(
    core: Core,
    socket: Socket,
    private readonly options: C2sOptions,
    private readonly secureContext: SecureContext | undefined,
  ) {
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.isTls = socket instanceof TLSSocket;
    this.parser = new XmppStreamParser(
      {
        onStreamOpen: (_name, attrs) => this.enqueue(() => this.session.onStreamOpen(attrs)),
        onElement: (el) => this.enqueue(() => this.session.onElement(el)),
        onStreamClose: () => this.enqueue(async () => this.close()),
        onError: (error) => this.enqueue(async () => this.session.close(error)),
      },
      core.options.xml,
    );
    this.session = core.createSession(this);
    this.attach(socket);
    this.keepalive = setInterval(() => this.tick(), Math.min(options.keepaliveInterval, options.idleTimeout) * 1000);
    this.keepalive.unref();
  }

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', (err) => this.session.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.onSocketClosed());
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lastInput = Date.now();
    this.parser.write(chunk);
  };

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step, step);
  }

  /** Whitespace keepalive once bound (RFC 6120 §4.6.1), and an idle timeout that ends silent connections. */
  private tick(): void {
    if (this.isClosed) return;
    if (Date.now() - this.lastInput > this.options.idleTimeout * 1000) {
      this.session.close(new StreamError('connection-timeout', 'no traffic from the client'));
    } else if (this.session.state === 'bound') {
      this.write(' ');
    }
  }

  private write(text: string): void {
    if (this.pending) {
      this.pending.push(text);
      return;
    }
    this.pending = [text];
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    const chunk = this.pending;
    this.pending = undefined;
    if (chunk && !this.socket.destroyed) this.socket.write(chunk.length === 1 ? chunk[0] : chunk.join(''));
  }

  isSecure(): boolean {
    return this.isTls;
  }

  canStartTls(): boolean {
    return !this.isTls && this.secureContext !== undefined;
  }

  async startTls(): Promise<void> {
    this.flush(); // <proceed/> goes out in the clear, before the handshake
    const plain = this.socket;
    plain.removeListener('data', this.onData);
    plain.removeAllListeners('close');
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.secureContext });
    this.socket = secure;
    this.isTls = true;
    this.parser.reset();
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', resolve);
      secure.once('error', reject);
    }).catch((err: Error) => {
      this.session.log.info({ err: err.message }, 'TLS handshake failed');
      this.session.onTransportClosed();
      secure.destroy();
    });
    if (!secure.destroyed) this.attach(secure);
  }

  openStream(attrs: Record<string, string>): void {
    if (this.isClosed) return;
    const rendered = Object.entries(attrs)
      .map(([k, v]) => `${k}='${escapeXML(v)}'`)
      .join(' ');
    this.write(`<?xml version='1.0'?><stream:stream ${STREAM_NS} ${rendered}>`);
    this.isHeaderSent = true;
  }

  send(element: Element): void {
    if (this.isClosed) return;
    this.write(element.toString());
  }

  resetStream(): void {
    this.parser.reset();
    this.isHeaderSent = false;
  }

  close(error?: StreamError): void {
    if (this.isClosed) return;
    // RFC 6120 §4.9.1.2: an error before our header still needs a header to be well-formed.
    if (error && !this.isHeaderSent) this.openStream({ version: '1.0', 'xml:lang': 'en' });
    if (error) this.write(error.toElement().toString());
    this.write('</stream:stream>');
    this.flush();
    this.socket.end();
    this.isClosed = true;
    clearInterval(this.keepalive);
    // Give the peer a moment to answer with its own closing tag (RFC 6120 §4.4), then cut.
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.session.onTransportClosed(error);
  }

  private onSocketClosed(): void {
    this.isClosed = true;
    clearInterval(this.keepalive);
    this.session.onTransportClosed();
  }
}
