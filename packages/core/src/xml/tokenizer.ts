// XML 1.0 (Fifth Edition) §2–§4 well-formedness, read incrementally, with the restrictions of
// RFC 6120 §11.1 (no DTD, comments or processing instructions; only the initial XML declaration)
// and the size limits of types.ts. One state machine that looks at each input character once
// whatever the chunking: a token split across chunks is carried in `acc`, never re-scanned.
import { StreamError, type StreamErrorCondition } from '@deskchat/protocol';
import type { XmlLimits } from './types.js';
import {
  checkXmlDeclaration,
  clip,
  isNameChar,
  isNameStartChar,
  isQName,
  isSpace,
  resolveEntity,
} from './chars.js';

/** What the tokenizer reports. `level` counts open elements: the root is 1. */
export interface TokenSink {
  /** A start tag; a self-closing tag is followed at once by `close`. Attribute values are unescaped. */
  open(name: string, attrs: Record<string, string>, level: number): void;
  close(name: string, level: number): void;
  /** Character data (text, references and CDATA merged) inside the element at `level`. */
  text(text: string, level: number): void;
}

// States. MISC is outside the root element (prolog or after the root), TEXT inside it.
const MISC = 0, TEXT = 1, LT = 2, START_NAME = 3, IN_TAG = 4, ATTR_NAME = 5, AFTER_ATTR_NAME = 6,
  BEFORE_VALUE = 7, VALUE = 8, SLASH = 9, END_START = 10, END_NAME = 11, END_SPACE = 12,
  ENTITY = 13, BANG = 14, CDATA = 15, PI = 16, FAILED = 17;
const CDATA_OPEN = '[CDATA[';
const NWF = 'not-well-formed';

export class XmlTokenizer {
  /** The error that stopped the tokenizer, until `reset()`. */
  error: StreamError | undefined;
  private state = MISC;
  /** Text of the token being read that came before the current chunk or through references. */
  private acc = '';
  /** Index in the current chunk where the collected run starts; -1 when not collecting. */
  private seg = -1;
  /** UTF-8 bytes read since the stream started; a segment fails once `bytes > limitAt`. */
  private bytes = 0;
  private limitAt: number;
  private tagStart = 0;
  /** UTF-16 units read before the current chunk, to place CR and ']' across chunks. */
  private chars = 0;
  private crAt = -1;
  private bracketAt = -2;
  private brackets = 0;
  private isExpectingLow = false;
  private readonly stack: string[] = [];
  private isRootClosed = false;
  private name = '';
  private attrs: Record<string, string> = {};
  private attrCount = 0;
  private attrName = '';
  private quote = 0;
  private isSpaceNeeded = false;
  private entity = '';
  private entityReturn = TEXT;
  private bangLength = 0;
  private generation = 0;

  /** `stanzaLevel`: how many elements wrap the stanzas (1 for a stream, whose root is the header). */
  constructor(
    private readonly sink: TokenSink,
    private readonly limits: XmlLimits,
    private readonly stanzaLevel: number,
  ) {
    this.limitAt = limits.maxStanzaBytes;
  }

  /** Starts a new document. Safe inside a sink callback: the rest of the chunk is read afresh. */
  reset(): void {
    this.error = undefined;
    this.state = MISC;
    this.acc = '';
    this.seg = -1;
    this.bytes = 0;
    this.limitAt = this.limits.maxStanzaBytes;
    this.tagStart = 0;
    this.chars = 0;
    this.crAt = -1;
    this.bracketAt = -2;
    this.isExpectingLow = false;
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
    if (this.isExpectingLow) this.fail(NWF, 'unpaired surrogate at the end of the input');
    if (!this.isRootClosed) this.fail(NWF, this.stack.length > 0 ? 'unclosed root element' : 'no root element');
    if (this.state !== MISC) this.fail(NWF, 'input ends inside markup');
  }

  fail(condition: StreamErrorCondition, text: string): never {
    this.error = new StreamError(condition, text);
    this.state = FAILED;
    throw this.error;
  }

  /** Reads `s` from `i0`; returns -1 when done, or where to go on after a reset. */
  private run(s: string, i0: number): number {
    const n = s.length;
    const base = this.chars - i0;
    if (this.isExpectingLow && i0 < n && (s.charCodeAt(i0) & 0xfc00) !== 0xdc00) this.failSurrogate();
    for (let i = i0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c < 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) {
          this.fail(NWF, `character U+${c.toString(16).padStart(4, '0')} is not allowed in XML`);
        }
        this.bytes++;
      } else this.bytes += this.wide(s, i, c);
      // A '<' never completes anything, so the check can wait for the next character.
      if (this.bytes > this.limitAt && c !== 0x3c) this.failSize();
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
          else if (c === 0x5d) {
            this.brackets = this.bracketAt === base + i - 1 ? this.brackets + 1 : 1;
            this.bracketAt = base + i;
          } else if (c === 0x3e && this.brackets >= 2 && this.bracketAt === base + i - 1) {
            this.fail(NWF, "']]>' is not allowed in character data");
          }
          break;
        case LT:
          this.afterLt(c, i);
          break;
        case START_NAME:
          if (isNameChar(c)) break;
          this.name = this.takeName(s, i);
          this.attrs = {};
          this.attrCount = 0;
          if (this.inTag(c, i)) return i + 1;
          break;
        case IN_TAG:
          if (this.inTag(c, i)) return i + 1;
          break;
        case ATTR_NAME:
          if (isNameChar(c)) break;
          this.attrName = this.takeName(s, i);
          if (Object.hasOwn(this.attrs, this.attrName)) {
            this.fail(NWF, `duplicate attribute '${clip(this.attrName)}'`);
          }
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
          this.state = END_SPACE;
          if (this.endSpace(c, i)) return i + 1;
          break;
        case END_SPACE:
          if (this.endSpace(c, i)) return i + 1;
          break;
        case ENTITY:
          if (c === 0x3b) {
            const value = resolveEntity(this.entity);
            if (value === undefined) {
              this.fail(NWF, `'&${clip(this.entity)};' is neither a predefined entity nor a legal character reference`);
            }
            this.acc += value;
            this.state = this.entityReturn;
            this.seg = i + 1;
          } else if ((isNameChar(c) || c === 0x23) && this.entity.length < 32) this.entity += s[i];
          else this.fail(NWF, 'malformed entity or character reference');
          break;
        case BANG:
          this.afterBang(c, i);
          break;
        case CDATA:
          if (c === 0x5d) this.brackets++;
          else if (c === 0x3e && this.brackets >= 2) {
            this.takeBefore(s, i, 2);
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
      }
    }
    if (this.seg >= 0) {
      if (n > this.seg) this.acc += s.slice(this.seg);
      this.seg = 0;
    }
    this.chars = base + n;
    return -1;
  }

  /** UTF-8 length of a non-ASCII code unit, checking §2.2 Char (paired surrogates, no U+FFFE/F). */
  private wide(s: string, i: number, c: number): number {
    if (c < 0x800) return 2;
    if (c < 0xd800) return 3;
    if (c < 0xdc00) {
      if (this.isExpectingLow) this.failSurrogate();
      if (i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) this.failSurrogate();
      this.isExpectingLow = true;
      return 2;
    }
    if (c < 0xe000) {
      if (!this.isExpectingLow) this.failSurrogate();
      this.isExpectingLow = false;
      return 2;
    }
    if (c >= 0xfffe) this.fail(NWF, `character U+${c.toString(16)} is not allowed in XML`);
    return 3;
  }

  private failSurrogate(): never {
    return this.fail(NWF, 'unpaired UTF-16 surrogate');
  }

  private failSize(): never {
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
    this.state = CDATA; // its text joins the character data around it
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

  private checkEndName(s: string, i: number): void {
    const name = this.acc + s.slice(this.seg, i);
    const expected = this.stack[this.stack.length - 1];
    this.acc = '';
    this.seg = -1;
    if (name !== expected) this.fail(NWF, `end tag </${clip(name)}> does not match <${clip(expected)}>`);
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

  private beginEntity(s: string, i: number, returnTo: number): void {
    this.take(s, i);
    this.entity = '';
    this.entityReturn = returnTo;
    this.state = ENTITY;
  }

  /** §2.11: CR LF and lone CR become LF in text (`replacement` is a space in attribute values). */
  private lineEnd(s: string, i: number, pos: number, c: number, replacement: string): void {
    if (c === 0x0a) {
      if (pos === this.crAt) {
        this.take(s, i); // the CR before it was already replaced
        this.seg = i + 1;
      } else if (replacement === ' ') {
        this.take(s, i);
        this.acc += ' ';
        this.seg = i + 1;
      }
      return;
    }
    if (c === 0x0d) this.crAt = pos + 1;
    this.take(s, i);
    this.acc += replacement;
    this.seg = i + 1;
  }

  /** Moves the collected run up to (not including) `i` into `acc`. */
  private take(s: string, i: number): void {
    if (i > this.seg) this.acc += s.slice(this.seg, i);
    this.seg = -1;
  }

  /** Like take() but drops the `count` characters before `i` (']]' or '?'), which may sit in `acc`. */
  private takeBefore(s: string, i: number, count: number): void {
    const cut = i - count;
    if (cut >= this.seg) this.acc += s.slice(this.seg, cut);
    else this.acc = this.acc.slice(0, this.acc.length - (this.seg - cut));
    this.seg = -1;
  }

  private takeName(s: string, i: number): string {
    const name = this.acc + s.slice(this.seg, i);
    this.acc = '';
    this.seg = -1;
    if (!isQName(name)) this.fail(NWF, `'${clip(name)}' is not a valid qualified name`);
    return name;
  }

  private endDeclaration(s: string, i: number): void {
    this.takeBefore(s, i, 1);
    const body = this.acc;
    this.acc = '';
    const error = checkXmlDeclaration(body);
    if (error) this.fail(error.condition, error.text ?? error.message);
    this.state = MISC;
  }
}
