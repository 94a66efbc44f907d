// The character layer of the XML tokenizer: XML 1.0 (Fifth Edition) §2.2 Char (no controls,
// paired surrogates, no U+FFFE/U+FFFF), §2.11 end-of-line handling, §3.3.3 attribute-value
// normalization, §4.1 and §4.6 references; UTF-8 byte counting for the limits of types.ts; and
// collecting the text of a token that spans chunks without ever re-reading it.
import { StreamError, type StreamErrorCondition } from '@deskchat/protocol';
import type { XmlLimits } from './types.js';
import { clip, isNameChar, isQName, resolveEntity } from './chars.js';

// Tokenizer states. MISC is outside the root element (prolog or after the root), TEXT inside it.
export const MISC = 0, TEXT = 1, LT = 2, START_NAME = 3, IN_TAG = 4, ATTR_NAME = 5,
  AFTER_ATTR_NAME = 6, BEFORE_VALUE = 7, VALUE = 8, SLASH = 9, END_START = 10, END_NAME = 11,
  END_SPACE = 12, ENTITY = 13, BANG = 14, CDATA = 15, PI = 16;
export const NWF = 'not-well-formed';

/** Per state, the ASCII characters that only extend the collected run: skipped in a tight loop. */
export const SKIPPABLE: (Uint8Array | undefined)[] = [];
{
  const text = new Uint8Array(128);
  const value = new Uint8Array(128);
  const name = new Uint8Array(128);
  for (let c = 0x20; c < 0x80; c++) {
    text[c] = c === 0x3c || c === 0x26 || c === 0x5d || c === 0x3e ? 0 : 1;
    value[c] = c === 0x3c || c === 0x26 || c === 0x22 || c === 0x27 ? 0 : 1;
    name[c] = isNameChar(c) ? 1 : 0;
  }
  text[0x09] = 1; // a tab stays a tab in text, but becomes a space in attribute values
  SKIPPABLE[TEXT] = text;
  SKIPPABLE[VALUE] = value;
  SKIPPABLE[START_NAME] = SKIPPABLE[ATTR_NAME] = SKIPPABLE[END_NAME] = name;
}

export abstract class TokenizerInput {
  /** The error that stopped the tokenizer, until `reset()`. */
  error: StreamError | undefined;
  protected state = MISC;
  /** Text of the token being read that came before the current chunk or through references. */
  protected acc = '';
  /** Index in the current chunk where the collected run starts; -1 when not collecting. */
  protected seg = -1;
  /** UTF-8 bytes read since the stream started; the current segment fails once `bytes > limitAt`. */
  protected bytes = 0;
  protected limitAt: number;
  /** UTF-16 units read before the current chunk, to place CR and ']' across chunks. */
  protected chars = 0;
  /** Run length and position of the last ']' in text or CDATA, to find ']]>'. */
  protected brackets = 0;
  protected bracketAt = -2;
  private crAt = -1;
  private isExpectingLow = false;
  private entity = '';
  private entityReturn = TEXT;

  constructor(protected limits: XmlLimits) {
    this.limitAt = limits.maxStanzaBytes;
  }

  /** New limits from the next stanza (or the next reset) on: a stream gets more room once authenticated. */
  setLimits(limits: XmlLimits): void {
    this.limits = limits;
  }

  fail(condition: StreamErrorCondition, text: string): never {
    this.error = new StreamError(condition, text);
    throw this.error;
  }

  /** The current segment (stanza, stream header, data between stanzas) crossed maxStanzaBytes. */
  protected abstract failSize(): never;

  protected resetInput(): void {
    this.error = undefined;
    this.state = MISC;
    this.acc = '';
    this.seg = -1;
    this.bytes = 0;
    this.limitAt = this.limits.maxStanzaBytes;
    this.chars = 0;
    this.brackets = 0;
    this.bracketAt = -2;
    this.crAt = -1;
    this.isExpectingLow = false;
  }

  /** Called with the first index of each chunk: a surrogate pair may be split between chunks. */
  protected startChunk(s: string, i: number): void {
    if (this.isExpectingLow && i < s.length && (s.charCodeAt(i) & 0xfc00) !== 0xdc00) this.failSurrogate();
  }

  /** Called after the last index: keeps the unfinished run for the next chunk. */
  protected endChunk(s: string, n: number, base: number): void {
    if (this.seg >= 0) {
      if (n > this.seg) this.acc += s.slice(this.seg);
      this.seg = 0;
    }
    this.chars = base + n;
  }

  /**
   * If the character at `i` starts a run that `table` marks skippable, counts the run and returns
   * the index of its last character; otherwise returns -1.
   */
  protected skip(s: string, i: number, c: number, table: Uint8Array): number {
    if (c >= 0x80 || table[c] !== 1) return -1;
    let j = i + 1;
    while (j < s.length) {
      const d = s.charCodeAt(j);
      if (d >= 0x80 || table[d] !== 1) break;
      j++;
    }
    this.bytes += j - i;
    if (this.bytes > this.limitAt) this.failSize();
    return j - 1;
  }

  /** Checks §2.2 Char and counts the character's UTF-8 bytes against the size limit. */
  protected count(s: string, i: number, c: number): void {
    if (c < 0x80) {
      if (c < 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) {
        this.fail(NWF, `character U+${c.toString(16).padStart(4, '0')} is not allowed in XML`);
      }
      this.bytes++;
    } else this.bytes += this.wide(s, i, c);
    // A '<' never completes anything, so the check can wait for the next character.
    if (this.bytes > this.limitAt && c !== 0x3c) this.failSize();
  }

  private wide(s: string, i: number, c: number): number {
    if (c < 0x800) return 2;
    if (c < 0xd800) return 3;
    if (c < 0xdc00) {
      if (this.isExpectingLow) this.failSurrogate();
      if (i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) this.failSurrogate();
      this.isExpectingLow = true;
      return 2; // and 2 more for the low surrogate: 4 in all
    }
    if (c < 0xe000) {
      if (!this.isExpectingLow) this.failSurrogate();
      this.isExpectingLow = false;
      return 2;
    }
    if (c >= 0xfffe) this.fail(NWF, `character U+${c.toString(16)} is not allowed in XML`);
    return 3;
  }

  protected failSurrogate(): never {
    return this.fail(NWF, 'unpaired UTF-16 surrogate');
  }

  protected hasPendingSurrogate(): boolean {
    return this.isExpectingLow;
  }

  /** A ']' in text at absolute position `pos`; a '>' right after two of them is an error (§2.4). */
  protected bracket(pos: number): void {
    this.brackets = this.bracketAt === pos - 1 ? this.brackets + 1 : 1;
    this.bracketAt = pos;
  }

  protected isCdataEnd(pos: number): boolean {
    return this.brackets >= 2 && this.bracketAt === pos - 1;
  }

  /** §2.11: CR LF and lone CR become LF in text (`replacement` is a space in attribute values). */
  protected lineEnd(s: string, i: number, pos: number, c: number, replacement: string): void {
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

  protected beginEntity(s: string, i: number, returnTo: number): void {
    this.take(s, i);
    this.entity = '';
    this.entityReturn = returnTo;
    this.state = ENTITY;
  }

  /** One character of `&…;`; on ';' the replacement text joins the run being collected. */
  protected entityChar(s: string, i: number, c: number): void {
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
  }

  /** Moves the collected run up to (not including) `i` into `acc`. */
  protected take(s: string, i: number): void {
    if (i > this.seg) this.acc += s.slice(this.seg, i);
    this.seg = -1;
  }

  /** Like take() but drops the `count` characters before `i` (']]' or '?'), which may sit in `acc`. */
  protected takeBefore(s: string, i: number, count: number): void {
    const cut = i - count;
    if (cut >= this.seg) this.acc += s.slice(this.seg, cut);
    else this.acc = this.acc.slice(0, this.acc.length - (this.seg - cut));
    this.seg = -1;
  }

  /** The collected run as a name; with `isChecked`, it must be a QName (Namespaces in XML §4). */
  protected takeName(s: string, i: number, isChecked: boolean): string {
    const name = this.acc + s.slice(this.seg, i);
    this.acc = '';
    this.seg = -1;
    if (isChecked && !isQName(name)) this.fail(NWF, `'${clip(name)}' is not a valid qualified name`);
    return name;
  }
}
