// RFC 6120 §4 XML streams read incrementally: the stream header (§4.7), its first-level children
// (stanzas and negotiation elements), whitespace between them (§11.7), the closing tag (§4.4),
// stream restarts (§4.3.3), XML restrictions (§11.1) and stream errors (§4.9.3).
import { TextDecoder } from 'node:util';
import { NS, StreamError } from '@deskchat/protocol';
import { clip, isAllSpace } from './chars.js';
import { ElementBuilder } from './element-builder.js';
import { XmlTokenizer } from './tokenizer.js';
import { DEFAULT_XML_LIMITS, type StreamParserHandlers, type XmlLimits } from './types.js';

/**
 * Turns the bytes of one direction of an XMPP stream into events. After an error it reports
 * `onError` once and ignores input until `reset()`. Handlers may call `reset()` (for a stream
 * restart); the rest of the chunk being read is then parsed as the new stream. Handlers must not
 * call `write()`. An exception thrown by a handler propagates out of `write()` and stops the parser
 * until `reset()`.
 */
export class XmppStreamParser {
  private readonly tokenizer: XmlTokenizer;
  private readonly builder = new ElementBuilder();
  private decoder = newDecoder();
  private isWriting = false;
  /** Bytes went through the decoder since it was last flushed. */
  private hasBytes = false;
  private isStopped = false;

  constructor(
    private readonly handlers: StreamParserHandlers,
    limits: XmlLimits = DEFAULT_XML_LIMITS,
  ) {
    // The stream header is level 1, so stanzas are counted from level 2 (stanzaLevel 1).
    this.tokenizer = new XmlTokenizer(
      {
        open: (name, attrs, level) => this.open(name, attrs, level),
        close: (_name, level) => this.close(level),
        text: (text, level) => this.text(text, level),
      },
      limits,
      1,
    );
  }

  write(chunk: Buffer | string): void {
    if (this.isStopped || this.tokenizer.error) return;
    let error: StreamError | undefined;
    this.isWriting = true;
    try {
      this.tokenizer.write(this.decode(chunk));
    } catch (err) {
      if (err !== this.tokenizer.error) {
        this.isStopped = true;
        throw err;
      }
      error = err;
    } finally {
      this.isWriting = false;
    }
    if (error) this.handlers.onError(error);
  }

  /** Limits for the stanzas that start after this call (the stanza size before and after authentication). */
  setLimits(limits: XmlLimits): void {
    this.tokenizer.setLimits(limits);
  }

  /** RFC 6120 §4.3.3: a new stream on the same connection; buffered partial input is dropped. */
  reset(): void {
    this.tokenizer.reset();
    this.builder.reset();
    this.isStopped = false;
    // Inside a handler the decoder holds the undecoded tail of the chunk being read: keep it.
    if (!this.isWriting) {
      this.decoder = newDecoder();
      this.hasBytes = false;
    }
  }

  /** RFC 6120 §11.6: UTF-8, possibly cut anywhere; a string chunk must not cut a character. */
  private decode(chunk: Buffer | string): string {
    try {
      if (typeof chunk !== 'string') {
        this.hasBytes = true;
        return this.decoder.decode(chunk, { stream: true });
      }
      if (this.hasBytes) this.decoder.decode(); // throws if a character was left incomplete
      this.hasBytes = false;
      return chunk;
    } catch {
      return this.tokenizer.fail('not-well-formed', 'invalid UTF-8 byte sequence (RFC 6120 §11.6)');
    }
  }

  private open(name: string, attrs: Record<string, string>, level: number): void {
    if (level > 1) return this.builder.open(name, attrs);
    this.checkStreamElement(name, attrs);
    this.handlers.onStreamOpen(name, attrs);
  }

  private close(level: number): void {
    if (level === 1) return this.handlers.onStreamClose();
    const stanza = this.builder.close();
    if (stanza) this.handlers.onElement(stanza);
  }

  private text(text: string, level: number): void {
    if (level > 1) this.builder.text(text);
    // §11.7 allows whitespace between first-level elements (keepalives); nothing else.
    else if (!isAllSpace(text)) this.tokenizer.fail('bad-format', 'character data between stanzas (RFC 6120 §11.7)');
  }

  /** RFC 6120 §4.8.1, §4.8.5: the root is `stream` qualified by a prefix bound to the streams namespace. */
  private checkStreamElement(name: string, attrs: Record<string, string>): void {
    const colon = name.indexOf(':');
    if (name.slice(colon + 1) !== 'stream') {
      this.tokenizer.fail('invalid-namespace', `the root element must be <stream:stream/>, not <${clip(name)}/> (RFC 6120 §4.8.1)`);
    }
    if (colon < 0) {
      this.tokenizer.fail('bad-namespace-prefix', 'the stream element must carry a namespace prefix (RFC 6120 §4.8.5)');
    }
    const ns = attrs[`xmlns:${name.slice(0, colon)}`];
    if (ns === undefined) {
      this.tokenizer.fail('bad-namespace-prefix', `namespace prefix '${clip(name.slice(0, colon))}' is not declared`);
    }
    if (ns !== NS.STREAM) {
      this.tokenizer.fail('invalid-namespace', `the streams namespace must be ${NS.STREAM} (RFC 6120 §4.8.1)`);
    }
  }
}

function newDecoder(): TextDecoder {
  return new TextDecoder('utf-8', { fatal: true });
}
