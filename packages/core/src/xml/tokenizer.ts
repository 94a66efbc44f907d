// XML 1.0 (Fifth Edition) §2–§3 markup, read incrementally, with the restrictions of RFC 6120
// §11.1 (no DTD, comments or processing instructions; only the initial XML declaration, §2.8)
// and the limits of types.ts. One state machine that looks at each input character once whatever
// the chunking; the character layer (validity, sizes, runs across chunks) is tokenizer-input.ts.
import { checkXmlDeclaration, clip, isNameChar, isNameStartChar, isSpace } from './chars.js';
import {
  AFTER_ATTR_NAME, ATTR_NAME, BANG, BEFORE_VALUE, CDATA, END_NAME, END_SPACE, END_START, IN_TAG,
  LT, MISC, NWF, PI, SKIPPABLE, SLASH, START_NAME, TEXT, TokenizerInput, VALUE,
} from './tokenizer-input.js';
import type { XmlLimits } from './types.js';

/** What the tokenizer reports. `level` counts open elements: the root is 1. */
export interface TokenSink {
  /** A start tag; a self-closing tag is followed at once by `close`. Attribute values are unescaped. */
  open(name: string, attrs: Record<string, string>, level: number): void;
  close(name: string, level: number): void;
  /** Character data (text, references and CDATA merged) inside the element at `level`. */
  text(text: string, level: number): void;
}

const CDATA_OPEN = '[CDATA[';

export class XmlTokenizer extends TokenizerInput {
  private tagStart = 0;
  private readonly stack: string[] = [];
  private isRootClosed = false;
  private name = '';
  private attrs: Record<string, string> = {};
  private attrCount = 0;
  private attrName = '';
  private quote = 0;
  private isSpaceNeeded = false;
  private bangLength = 0;
  /** Bumped by reset(), so that a reset from inside a sink callback is noticed. */
  private generation = 0;

  /** `stanzaLevel`: how many elements wrap the stanzas (1 for a stream, whose root is the header). */
  constructor(
    private readonly sink: TokenSink,
    limits: XmlLimits,
    private readonly stanzaLevel: number,
  ) {
    super(limits);
  }

  /** Starts a new document. Safe inside a sink callback: the rest of the chunk is read afresh. */
  reset(): void {
    this.resetInput();
    this.tagStart = 0;
    this.stack.length = 0;
    this.isRootClosed = false;
    this.generation++;
  }

  /** Reads the next chunk of decoded text. Throws (and keeps) a StreamError on any violation. */
  write(s: string): void {
    let start = 0;
    while (this.error === undefined) {
      const next = this.run(s, start);
      if (next < 0) return;
      start = next; // a sink callback called reset(): what follows belongs to a new stream
    }
  }

  /** For whole documents: the input is over, so the root element must have been closed. */
  end(): void {
    if (this.error) throw this.error;
    if (this.hasPendingSurrogate()) this.failSurrogate();
    if (!this.isRootClosed) this.fail(NWF, this.stack.length > 0 ? 'unclosed root element' : 'no root element');
    if (this.state !== MISC) this.fail(NWF, 'input ends inside markup');
  }

  /** Reads `s` from `i0`; returns -1 when done, or where to go on after a reset. */
  private run(s: string, i0: number): number {
    const n = s.length;
    const base = this.chars - i0; // base + i: position in the whole stream
    this.startChunk(s, i0);
    for (let i = i0; i < n; i++) {
      const c = s.charCodeAt(i);
      const table = SKIPPABLE[this.state];
      if (table !== undefined) {
        const last = this.skip(s, i, c, table);
        if (last >= 0) {
          i = last;
          continue;
        }
      }
      this.count(s, i, c);
      switch (this.state) {
        case MISC:
          if (c === 0x3c) this.lt();
          else if (!isSpace(c)) this.fail(NWF, 'character data outside the root element');
          break;
        case TEXT:
          if (c === 0x3c) {
            this.take(s, i);
            this.lt();
          } else if (c === 0x26) this.beginEntity(s, i, TEXT);
          else if (c === 0x0a || c === 0x0d) this.lineEnd(s, i, base + i, c, '\n');
          else if (c === 0x5d) this.bracket(base + i);
          else if (c === 0x3e && this.isCdataEnd(base + i)) this.fail(NWF, "']]>' is not allowed in character data");
          break;
        case LT:
          this.afterLt(c, i);
          break;
        case START_NAME:
          if (isNameChar(c)) break;
          this.name = this.takeName(s, i, true);
          this.attrs = {};
          this.attrCount = 0;
          if (this.inTag(c, i)) return i + 1;
          break;
        case IN_TAG:
          if (this.inTag(c, i)) return i + 1;
          break;
        case ATTR_NAME:
          if (isNameChar(c)) break;
          this.attrName = this.takeName(s, i, true);
          if (Object.hasOwn(this.attrs, this.attrName)) this.fail(NWF, `duplicate attribute '${clip(this.attrName)}'`);
          if (c === 0x3d) this.state = BEFORE_VALUE;
          else if (isSpace(c)) this.state = AFTER_ATTR_NAME;
          else this.fail(NWF, "expected '=' after an attribute name");
          break;
        case AFTER_ATTR_NAME:
          if (c === 0x3d) this.state = BEFORE_VALUE;
          else if (!isSpace(c)) this.fail(NWF, "expected '=' after an attribute name");
          break;
        case BEFORE_VALUE:
          if (c === 0x22 || c === 0x27) {
            this.quote = c;
            this.state = VALUE;
            this.seg = i + 1;
          } else if (!isSpace(c)) this.fail(NWF, 'attribute values must be quoted');
          break;
        case VALUE:
          if (c === this.quote) {
            this.take(s, i);
            this.setAttr();
          } else if (c === 0x26) this.beginEntity(s, i, VALUE);
          else if (c === 0x3c) this.fail(NWF, "'<' is not allowed in an attribute value");
          // §3.3.3: each white space character of a value becomes a space (CR LF only one).
          else if (c === 0x09 || c === 0x0a || c === 0x0d) this.lineEnd(s, i, base + i, c, ' ');
          break;
        case SLASH:
          if (c !== 0x3e) this.fail(NWF, "expected '>' after '/'");
          if (this.finishStart(i, true)) return i + 1;
          break;
        case END_START:
          if (!isNameStartChar(c)) this.fail(NWF, 'malformed end tag');
          this.state = END_NAME;
          this.seg = i;
          break;
        case END_NAME:
          if (isNameChar(c)) break;
          this.checkEndName(s, i);
          if (this.endSpace(c, i)) return i + 1;
          break;
        case END_SPACE:
          if (this.endSpace(c, i)) return i + 1;
          break;
        case BANG:
          this.afterBang(c, i);
          break;
        case CDATA:
          if (c === 0x5d) this.brackets++;
          else if (c === 0x3e && this.brackets >= 2) {
            this.takeBefore(s, i, 2); // its text joins the character data around it
            this.state = TEXT;
            this.seg = i + 1;
          } else {
            this.brackets = 0;
            if (c === 0x0a || c === 0x0d) this.lineEnd(s, i, base + i, c, '\n');
          }
          break;
        case PI:
          if (c === 0x3e && this.brackets === 1) this.endDeclaration(s, i);
          else this.brackets = c === 0x3f ? 1 : 0;
          break;
        default: // ENTITY
          this.entityChar(s, i, c);
      }
    }
    this.endChunk(s, n, base);
    return -1;
  }

  protected failSize(): never {
    const max = this.limits.maxStanzaBytes;
    const level = this.stack.length;
    if (level < this.stanzaLevel && !this.isRootClosed) {
      this.fail('policy-violation', `stream header larger than ${max} bytes`);
    }
    if (level <= this.stanzaLevel && (this.state === TEXT || this.state === MISC)) {
      this.fail('policy-violation', `character data between stanzas longer than ${max} bytes`);
    }
    return this.fail('policy-violation', `stanza larger than ${max} bytes`);
  }

  /** A '<' was read: a stanza (or the data between stanzas) starts here for the size limit. */
  private lt(): void {
    this.tagStart = this.bytes - 1;
    if (this.stack.length === this.stanzaLevel) this.limitAt = this.tagStart + this.limits.maxStanzaBytes;
    this.state = LT;
  }

  private afterLt(c: number, i: number): void {
    if (isNameStartChar(c)) {
      if (this.isRootClosed && this.stack.length === 0) this.fail(NWF, 'only one root element is allowed');
      if (this.stack.length + 1 - this.stanzaLevel > this.limits.maxDepth) {
        this.fail('policy-violation', `elements nested deeper than ${this.limits.maxDepth} levels`);
      }
      this.flushText();
      this.state = START_NAME;
      this.seg = i;
    } else if (c === 0x2f) {
      if (this.stack.length === 0) this.fail(NWF, 'end tag outside the root element');
      this.flushText();
      this.state = END_START;
    } else if (c === 0x21) {
      this.state = BANG;
      this.bangLength = 0;
    } else if (c === 0x3f) {
      // §2.8: the XML declaration may only be the very first thing in the entity.
      if (this.tagStart !== 0) this.fail('restricted-xml', 'processing instructions are not allowed (RFC 6120 §11.1)');
      this.state = PI;
      this.seg = i + 1;
      this.brackets = 0;
    } else this.fail(NWF, "'<' must start a tag");
  }

  private afterBang(c: number, i: number): void {
    if (this.bangLength === 0 && c === 0x2d) this.fail('restricted-xml', 'comments are not allowed (RFC 6120 §11.1)');
    if (this.bangLength === 0 && c >= 0x41 && c <= 0x5a) {
      this.fail('restricted-xml', 'DTDs and markup declarations are not allowed (RFC 6120 §11.1)');
    }
    if (c !== CDATA_OPEN.charCodeAt(this.bangLength)) this.fail(NWF, "malformed '<!' markup");
    if (this.stack.length === 0) this.fail(NWF, 'CDATA section outside the root element');
    if (++this.bangLength < CDATA_OPEN.length) return;
    this.state = CDATA;
    this.seg = i + 1;
    this.brackets = 0;
  }

  /** Inside a start tag after the name or an attribute; returns true if a callback reset us. */
  private inTag(c: number, i: number): boolean {
    if (isSpace(c)) {
      this.state = IN_TAG;
      this.isSpaceNeeded = false;
    } else if (c === 0x3e) return this.finishStart(i, false);
    else if (c === 0x2f) this.state = SLASH;
    else if (this.state === IN_TAG && !this.isSpaceNeeded && isNameStartChar(c)) {
      if (this.attrCount >= this.limits.maxAttributes) {
        this.fail('policy-violation', `more than ${this.limits.maxAttributes} attributes on one element`);
      }
      this.state = ATTR_NAME;
      this.seg = i;
    } else this.fail(NWF, 'malformed start tag');
    return false;
  }

  private setAttr(): void {
    const value = this.acc;
    this.acc = '';
    // A plain assignment would set the prototype instead of an attribute named __proto__.
    if (this.attrName === '__proto__') {
      Object.defineProperty(this.attrs, '__proto__', { value, enumerable: true, writable: true, configurable: true });
    } else this.attrs[this.attrName] = value;
    this.attrCount++;
    this.state = IN_TAG;
    this.isSpaceNeeded = true;
  }

  private checkEndName(s: string, i: number): void {
    const name = this.takeName(s, i, false);
    const expected = this.stack[this.stack.length - 1];
    if (name !== expected) this.fail(NWF, `end tag </${clip(name)}> does not match <${clip(expected)}>`);
    this.state = END_SPACE;
  }

  private endSpace(c: number, i: number): boolean {
    if (c === 0x3e) return this.finishEnd(i);
    if (!isSpace(c)) this.fail(NWF, "expected '>' to end an end tag");
    return false;
  }

  private finishStart(i: number, isEmpty: boolean): boolean {
    const generation = this.generation;
    const level = this.stack.length + 1;
    if (!isEmpty) this.stack.push(this.name);
    this.sink.open(this.name, this.attrs, level);
    if (generation !== this.generation) return true;
    if (isEmpty) {
      this.sink.close(this.name, level);
      if (generation !== this.generation) return true;
    }
    this.afterTag(i);
    return false;
  }

  private finishEnd(i: number): boolean {
    const generation = this.generation;
    const name = this.stack.pop() as string;
    this.sink.close(name, this.stack.length + 1);
    if (generation !== this.generation) return true;
    this.afterTag(i);
    return false;
  }

  private afterTag(i: number): void {
    const level = this.stack.length;
    if (level === 0) {
      this.isRootClosed = true;
      this.state = MISC;
    } else {
      this.state = TEXT;
      this.seg = i + 1;
    }
    // A stanza ended (or the stream header did): bound what comes before the next one.
    if (level === this.stanzaLevel) this.limitAt = this.bytes + this.limits.maxStanzaBytes;
  }

  private flushText(): void {
    if (this.acc === '') return;
    const text = this.acc;
    this.acc = '';
    this.sink.text(text, this.stack.length);
  }

  private endDeclaration(s: string, i: number): void {
    this.takeBefore(s, i, 1);
    const error = checkXmlDeclaration(this.acc);
    this.acc = '';
    if (error) this.fail(error.condition, error.text ?? error.message);
    this.state = MISC;
  }
}
