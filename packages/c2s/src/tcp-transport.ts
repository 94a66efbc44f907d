// RFC 6120 over TCP: the stream header, STARTTLS (§5), whitespace keepalives (§4.6.1) and
// closing (§4.4), behind core's Transport port. Negotiation itself lives in core's Session.
// Bounded both ways (issue #7 §2): reading pauses while parsed elements wait for core, and a client
// that stops reading is cut off at `limits.maxOutputBytes`; the messages it never got are handed
// back to core (`Session.returnUndelivered`) to go to the user's other resources or offline storage.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Element } from '@xmpp/xml';
import { escapeXML } from '@xmpp/xml';
import { StreamError } from '@deskchat/protocol';
import { XmppStreamParser, type Core, type Session, type Transport } from '@deskchat/core';
import type { C2sOptions } from './options.js';

const STREAM_NS = "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";
/** Parsed elements waiting for core before the socket is paused, and the level at which it resumes. */
const BACKLOG_HIGH = 64;
const BACKLOG_LOW = 8;

export class TcpTransport implements Transport {
  readonly kind = 'tcp' as const;
  readonly remoteAddress: string;
  readonly session: Session;
  private readonly core: Core;
  private socket: Socket;
  private readonly parser: XmppStreamParser;
  private isTls: boolean;
  private isHeaderSent = false;
  private isClosed = false;
  private isClosing = false;
  /** Elements are handled strictly in order; negotiation steps are async. */
  private queue: Promise<void> = Promise.resolve();
  /** Elements parsed and not yet handled by core; reading pauses above BACKLOG_HIGH. */
  private backlog = 0;
  private isPaused = false;
  private lastInput = Date.now();
  /** Output of the current event-loop turn, written as one chunk: one system call per turn, not per stanza. */
  private pending: string[] | undefined;
  /** The messages in `pending`: if their chunk never reaches the kernel they are handed back to core. */
  private pendingMessages: Element[] | undefined;
  /** Messages whose chunk was discarded (client gone or not reading), handed back once the session is closed. */
  private undelivered: Element[] = [];
  private readonly maxOutputBytes: number;
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
    this.maxOutputBytes = core.options.limits.maxOutputBytes;
    this.parser = new XmppStreamParser(
      {
        onStreamOpen: (_name, attrs) => this.enqueue(() => this.session.onStreamOpen(attrs)),
        onElement: (el) => this.enqueue(() => this.session.onElement(el)),
        // The client closed its stream: the session ends (XEP-0198 §7: unlike a lost connection, which a resumable stream survives).
        onStreamClose: () => this.enqueue(async () => this.session.close()),
        onError: (error) => this.enqueue(async () => this.session.close(error)),
      },
      core.xmlLimits(false),
    );
    this.core = core;
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
    try {
      this.parser.write(chunk);
    } catch (err) {
      // Keep serving everyone else: this stream ends, the process does not (issue #7 §1).
      this.session.log.error({ err }, 'unexpected failure reading from the socket');
      this.session.close(new StreamError('internal-server-error'));
    }
  };

  private enqueue(step: () => Promise<void>): void {
    if (++this.backlog > BACKLOG_HIGH && !this.isPaused) {
      this.isPaused = true;
      this.socket.pause();
    }
    const run = async () => {
      try {
        await step();
      } finally {
        if (--this.backlog <= BACKLOG_LOW && this.isPaused) {
          this.isPaused = false;
          this.socket.resume();
        }
      }
    };
    this.queue = this.queue.then(run, run);
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
    const messages = this.pendingMessages;
    this.pending = this.pendingMessages = undefined;
    if (!chunk) return;
    if (this.socket.destroyed) return this.lost(messages);
    const text = chunk.length === 1 ? chunk[0] : chunk.join('');
    if (this.socket.writableLength + text.length > this.maxOutputBytes && !this.isClosing) {
      this.lost(messages);
      this.session.close(new StreamError('policy-violation', `the client is not reading: more than ${this.maxOutputBytes} bytes wait for it (limits.maxOutputBytes)`));
      return;
    }
    // The callback fails when the socket is destroyed before the chunk reached the kernel — except
    // that Node reports a write still in progress at the destroy as a success (stream_base_commons'
    // onWriteComplete passes null once the stream is destroyed), though the kernel took none or only
    // part of it. A write whose completion comes after the socket was destroyed is therefore
    // handed back too: the client may get such a message twice, never not at all.
    const socket = this.socket;
    socket.write(text, messages && ((err) => (err || socket.destroyed) && this.lost(messages)));
  }

  /** Messages that did not get out: handed back to core once the session is closed. */
  private lost(messages: Element[] | undefined): void {
    if (!messages) return;
    this.undelivered.push(...messages);
    if (this.session.state === 'closed') setImmediate(() => this.handBack());
  }

  private handBack(): void {
    if (this.undelivered.length === 0) return;
    const stanzas = this.undelivered;
    this.undelivered = [];
    this.session.returnUndelivered(stanzas);
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
    if (element.name === 'message') (this.pendingMessages ??= []).push(element);
  }

  /** After SASL success the stream restarts with the limits of an authenticated stream. */
  resetStream(): void {
    this.parser.setLimits(this.core.xmlLimits(this.session.isAuthenticated));
    this.parser.reset();
    this.isHeaderSent = false;
  }

  close(error?: StreamError): void {
    if (this.isClosed || this.isClosing) return;
    this.isClosing = true; // the closing writes below are never refused for size
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
    this.handBack();
  }
}
