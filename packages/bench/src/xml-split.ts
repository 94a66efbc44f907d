// A minimal, fast splitter of an XMPP stream (RFC 6120 §4.2, §4.4) into its header, its top-level
// elements as strings and its end. The load generator reads only a few attributes and texts from
// what the server sends, so it skips building element trees: a well-formed stream is assumed (the
// server under test is trusted) and only tags, quotes, CDATA, comments and declarations are tracked.

export interface SplitHandlers {
  /** A top-level element, as its exact text. */
  element(text: string): void;
  /** The opening `<stream:stream …>` tag (RFC 6120 §4.2). */
  open?(tag: string): void;
  /** `</stream:stream>` (RFC 6120 §4.4). */
  close?(): void;
}

const LT = 60; // <
const GT = 62; // >
const SLASH = 47; // /
const QUOT = 34;
const APOS = 39;
const BANG = 33; // !
const QUESTION = 63; // ?

export class ElementSplitter {
  private buffer = '';
  /** Nesting depth inside the current top-level element. */
  private depth = 0;
  /** Where the current top-level element starts in `buffer`, or -1 between elements. */
  private start = -1;
  /** Where to resume scanning in `buffer`. */
  private position = 0;

  constructor(private readonly handlers: SplitHandlers) {}

  feed(chunk: string): void {
    this.buffer += chunk;
    const text = this.buffer;
    let i = this.position;
    for (;;) {
      const lt = text.indexOf('<', i);
      if (lt < 0) {
        i = text.length;
        break;
      }
      const end = tagEnd(text, lt);
      if (end < 0) {
        i = lt; // an incomplete tag: wait for more data
        break;
      }
      i = end + 1;
      const next = text.charCodeAt(lt + 1);
      if (next === QUESTION || next === BANG) continue; // declaration, comment or CDATA
      if (next === SLASH) {
        if (this.depth === 0) {
          this.handlers.close?.(); // only the stream end closes at depth 0
          continue;
        }
        if (--this.depth === 0) this.emit(text, end);
        continue;
      }
      const isEmpty = text.charCodeAt(end - 1) === SLASH;
      if (this.depth === 0) {
        if (!isEmpty && isStreamTag(text, lt)) {
          this.handlers.open?.(text.slice(lt, end + 1));
          continue;
        }
        this.start = lt;
        if (isEmpty) {
          this.emit(text, end);
          continue;
        }
      }
      if (!isEmpty) this.depth++;
    }
    // Keep only what is still needed: the unfinished element, or nothing.
    const keepFrom = this.start >= 0 ? this.start : i;
    this.buffer = text.slice(keepFrom);
    this.position = i - keepFrom;
    if (this.start >= 0) this.start = 0;
  }

  private emit(text: string, end: number): void {
    this.handlers.element(text.slice(this.start, end + 1));
    this.start = -1;
  }
}

/** The index of the `>` that ends the markup starting at `lt`, or -1 when it is not all there yet. */
function tagEnd(text: string, lt: number): number {
  const next = text.charCodeAt(lt + 1);
  if (next === BANG) {
    if (text.startsWith('<![CDATA[', lt)) return endOf(text, ']]>', lt);
    if (text.startsWith('<!--', lt)) return endOf(text, '-->', lt);
  }
  if (next === QUESTION) return endOf(text, '?>', lt);
  let quote = 0;
  for (let i = lt + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === QUOT || c === APOS) quote = c;
    else if (c === GT) return i;
    else if (c === LT) return -1; // malformed; treat as incomplete rather than misparse
  }
  return -1;
}

function endOf(text: string, terminator: string, from: number): number {
  const at = text.indexOf(terminator, from);
  return at < 0 ? -1 : at + terminator.length - 1;
}

function isStreamTag(text: string, lt: number): boolean {
  const name = tagNameAt(text, lt);
  return name === 'stream' || name.endsWith(':stream');
}

function tagNameAt(text: string, lt: number): string {
  let i = lt + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === GT || c === SLASH) break;
    i++;
  }
  return text.slice(lt + 1, i);
}

/** The qualified name of an element given as text (`message`, `stream:features`). */
export function tagName(element: string): string {
  return tagNameAt(element, element.indexOf('<'));
}

/** The opening tag of an element given as text. */
export function startTag(element: string): string {
  const lt = element.indexOf('<');
  return element.slice(lt, tagEnd(element, lt) + 1);
}

/** An attribute of the element's opening tag, entity-decoded, or undefined. */
export function attr(element: string, name: string): string | undefined {
  const tag = startTag(element);
  const re = new RegExp(`\\s${name.replace(/[.:-]/g, '\\$&')}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`);
  const match = re.exec(tag);
  return match ? unescapeXml(match[1] ?? match[2]) : undefined;
}

/** The text content of the first descendant `<name>` (without its own markup), or undefined. */
export function childText(element: string, name: string): string | undefined {
  const open = new RegExp(`<${name}(?:\\s[^>]*)?>`).exec(element);
  if (!open) return new RegExp(`<${name}(?:\\s[^>]*)?/>`).test(element) ? '' : undefined;
  const from = open.index + open[0].length;
  const to = element.indexOf(`</${name}>`, from);
  return to < 0 ? undefined : unescapeXml(element.slice(from, to));
}

/** Whether the element has a descendant `<name …>` (a cheap test; names are matched exactly). */
export function hasChild(element: string, name: string): boolean {
  return new RegExp(`<${name}[\\s/>]`).test(element.slice(startTag(element).length));
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function unescapeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, entity: string) => {
    if (entity[0] === '#') return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }) [entity as 'lt']!;
  });
}
