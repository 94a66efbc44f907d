// RFC 7395 XMPP over WebSocket behind core's Transport port: one complete element per text message
// (§3.3.1), `<open/>` and `<close/>` framing (§3.3.2, §3.6), restarts (§3.5), stream errors followed
// by `<close/>` (§3.6.2 via RFC 6120 §4.9), `<close see-other-uri/>` (§3.6.1), pings and an idle
// timeout. Negotiation itself lives in core's Session. Bounded both ways (issue #7 §2): reading
// pauses while parsed elements wait for core, and a client that stops reading is cut off at
// `limits.maxOutputBytes` with the messages it never got handed back to core.
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import type { RawData, WebSocket } from 'ws';
import { StreamError } from '@deskchat/protocol';
import { parseDocument, type Core, type NodeAddress, type Session, type Transport } from '@deskchat/core';
import { renderAttrs, serializePayload } from './body-writer.js';
import { FRAMING_NS } from './constants.js';
import type { WebSocketOptions } from './options.js';

const CLOSE = `<close xmlns='${FRAMING_NS}'/>`;
/** Parsed messages waiting for core before reading pauses, and the level at which it resumes. */
const BACKLOG_HIGH = 64;
const BACKLOG_LOW = 8;

export class WebSocketTransport implements Transport {
  readonly kind = 'websocket' as const;
  readonly session: Session;
  private lastInput = Date.now();
  /** Our `<open/>` for the current stream was sent. */
  private isOpenSent = false;
  /** The client's `<open/>` for the current stream was received. */
  private isStreamOpen = false;
  private isClosed = false;
  /** Elements are handled strictly in order; negotiation steps are async. */
  private queue: Promise<void> = Promise.resolve();
  private backlog = 0;
  private isPaused = false;
  /** Messages whose frame never went out (client gone or not reading), handed back once the session is closed. */
  private undelivered: Element[] = [];

  constructor(
    private readonly core: Core,
    readonly ws: WebSocket,
    readonly remoteAddress: string,
    private readonly isHttps: boolean,
  ) {
    // Before authentication an unfinished frame may grow only to the pre-auth stanza limit (issue #7 §2).
    setMaxFrame(ws, core.xmlLimits(false).maxStanzaBytes);
    ws.on('message', this.onMessage);
    ws.on('pong', this.onPong);
    ws.on('error', (err) => this.session.log.debug({ err: err.message }, 'websocket error'));
    ws.on('close', () => {
      this.isClosed = true;
      this.session.onTransportClosed();
      this.handBack();
    });
    this.session = core.createSession(this);
  }

  private readonly onPong = (): void => {
    this.lastInput = Date.now();
  };

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    this.lastInput = Date.now();
    if (this.isClosed) return;
    if (isBinary) return this.fail(new StreamError('unsupported-encoding', 'XMPP messages are text frames (RFC 7395 §3.2)'));
    const bytes = data as Buffer; // binaryType 'nodebuffer': one Buffer per message
    if (isBlank(bytes)) return; // a keepalive; tolerated, though RFC 7395 §3.4 prefers pings
    let el: Element;
    try {
      el = parseDocument(bytes, this.core.xmlLimits(this.session.isAuthenticated));
    } catch (err) {
      return this.fail(err instanceof StreamError ? err : new StreamError('not-well-formed'));
    }
    if (el.attrs.xmlns === FRAMING_NS && el.name === 'open') {
      this.isStreamOpen = true;
      const attrs = openAttrs(el);
      return this.enqueue(() => this.session.onStreamOpen(attrs));
    }
    if (el.attrs.xmlns === FRAMING_NS && el.name === 'close') return this.enqueue(async () => this.session.close());
    if (!this.isStreamOpen) return this.fail(new StreamError('bad-format', 'the first message of a stream must be <open/> (RFC 7395 §3.3.2)'));
    this.enqueue(() => this.session.onElement(el));
  };

  private fail(error: StreamError): void {
    this.enqueue(async () => this.session.close(error));
  }

  private enqueue(step: () => Promise<void>): void {
    if (++this.backlog > BACKLOG_HIGH && !this.isPaused) {
      this.isPaused = true;
      this.ws.pause();
    }
    this.queue = this.queue
      .then(step)
      .catch((err: unknown) => {
        this.session.log.error({ err }, 'unexpected failure handling a WebSocket message');
        this.session.close(new StreamError('internal-server-error'));
      })
      .finally(() => {
        if (--this.backlog <= BACKLOG_LOW && this.isPaused) {
          this.isPaused = false;
          this.ws.resume();
        }
      });
  }

  /** The endpoint's shared timer: idle timeout, else a ping (RFC 6455 §5.5.2). */
  tick(now: number, options: WebSocketOptions): void {
    if (this.isClosed) return;
    if (now - this.lastInput > options.idleTimeout * 1000) {
      this.session.close(new StreamError('connection-timeout', 'no traffic from the client'));
    } else {
      this.ws.ping();
    }
  }

  /** RFC 7395 §3.6.1: the client should reconnect at `uri` (clustering). */
  seeOtherUri(uri: string): void {
    if (this.isClosed) return;
    this.ws.send(`<close xmlns='${FRAMING_NS}'${renderAttrs({ 'see-other-uri': uri })}/>`);
    this.end();
    this.session.onTransportClosed(new StreamError('see-other-host', `moved to ${uri}`));
  }

  /** Transport port: another node serves this user; WebSocket clients go to its WebSocket URL. */
  seeOther(target: NodeAddress): void {
    this.seeOtherUri(target.websocket);
  }

  isSecure(): boolean {
    return this.isHttps;
  }

  canStartTls(): boolean {
    return false;
  }

  /** RFC 7395 §3.3.2: the response header is an `<open/>` element. */
  openStream(attrs: Record<string, string>): void {
    if (this.isClosed) return;
    this.ws.send(`<open xmlns='${FRAMING_NS}'${renderAttrs(attrs)}/>`);
    this.isOpenSent = true;
  }

  send(element: Element): void {
    if (this.isClosed) return;
    const text = serializePayload(element);
    const isMessage = element.name === 'message';
    if (this.ws.bufferedAmount + text.length > this.core.options.limits.maxOutputBytes) {
      if (isMessage) this.undelivered.push(element);
      this.session.close(new StreamError('policy-violation', `the client is not reading: more than ${this.core.options.limits.maxOutputBytes} bytes wait for it (limits.maxOutputBytes)`));
      return;
    }
    // The callback fails when the connection is gone before the frame was written — except that
    // Node reports a socket write still in progress at its destroy as a success (see
    // tcp-transport.ts): a frame whose write completes after the socket was destroyed is handed back
    // too. `ws` has no public handle on its socket, hence `_socket`.
    const socket = (this.ws as unknown as { _socket?: { destroyed: boolean } })._socket;
    this.ws.send(text, isMessage ? (err) => (err || socket?.destroyed) && this.lost(element) : undefined);
  }

  private lost(element: Element): void {
    this.undelivered.push(element);
    if (this.session.state === 'closed') setImmediate(() => this.handBack());
  }

  private handBack(): void {
    if (this.undelivered.length === 0) return;
    const stanzas = this.undelivered;
    this.undelivered = [];
    this.session.returnUndelivered(stanzas);
  }

  /** RFC 7395 §3.5: after SASL success the client sends a new `<open/>`; larger frames are allowed from then on. */
  resetStream(): void {
    if (this.session.isAuthenticated) setMaxFrame(this.ws, this.core.xmlLimits(true).maxStanzaBytes);
    this.isStreamOpen = false;
    this.isOpenSent = false;
  }

  /** RFC 7395 §3.6: the stream error (after an `<open/>` if none was sent yet), then `<close/>`. */
  close(error?: StreamError): void {
    if (this.isClosed) return;
    if (error) {
      if (!this.isOpenSent) this.openStream({ from: this.core.domain, id: randomBytes(12).toString('base64url'), version: '1.0', 'xml:lang': 'en' });
      this.ws.send(serializePayload(error.toElement()));
    }
    this.ws.send(CLOSE);
    this.end();
  }

  /** Starts the WebSocket closing handshake and cuts the connection if the peer does not finish it. */
  private end(): void {
    this.isClosed = true;
    this.ws.close(1000);
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }
}

/**
 * ws has one `maxPayload` per server; the per-connection value lives on its receiver (a private
 * field, checked here so that a ws upgrade that renames it fails the WebSocket limit tests loudly
 * rather than silently). Twice the stanza limit: anything between gets a clear policy-violation
 * from the XML parser instead of a bare close code.
 */
function setMaxFrame(ws: WebSocket, maxStanzaBytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = maxStanzaBytes * 2;
}

function openAttrs(el: Element): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const name of ['to', 'from', 'version', 'xml:lang']) if (el.attrs[name] !== undefined) attrs[name] = el.attrs[name];
  return attrs;
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  return true;
}
