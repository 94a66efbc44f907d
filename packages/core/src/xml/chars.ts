// XML 1.0 (Fifth Edition) character rules used by the tokenizer: §2.2 Char, §2.3 S, NameStartChar
// and NameChar, §4.1 character references, §4.6 predefined entities, §2.8 XML declaration and
// §4.3.3 EncName; Namespaces in XML 1.0 §4 QName; RFC 6120 §11.1 (no PIs), §11.6 (UTF-8 only).
import { StreamError } from '@deskchat/protocol';

const NAME_START = 1;
const NAME_PART = 2;
/** Name classes of the ASCII range, looked up instead of compared on the hot path. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const isLetter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (isLetter || c === 0x5f || c === 0x3a) ASCII_NAME[c] = NAME_START | NAME_PART;
  else if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e) ASCII_NAME[c] = NAME_PART;
}

/** §2.3 S. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

export function isAllSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/**
 * §2.3 NameStartChar, on UTF-16 code units: a high surrogate stands for [#x10000-#xEFFFF]
 * (the pairing itself is checked by the tokenizer).
 */
export function isNameStartChar(c: number): boolean {
  if (c < 0x80) return (ASCII_NAME[c] & NAME_START) !== 0;
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c ||
    c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xdbff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd)
  );
}

/** §2.3 NameChar (a low surrogate continues a supplementary-plane name character). */
export function isNameChar(c: number): boolean {
  if (c < 0x80) return (ASCII_NAME[c] & NAME_PART) !== 0;
  return (
    isNameStartChar(c) ||
    c === 0xb7 ||
    (c >= 0x300 && c <= 0x36f) ||
    c === 0x203f ||
    c === 0x2040 ||
    (c >= 0xdc00 && c <= 0xdfff)
  );
}

/** Namespaces in XML §4: a Name with at most one colon, which splits it into two NCNames. */
export function isQName(name: string): boolean {
  const colon = name.indexOf(':');
  if (colon < 0) return true;
  return (
    colon > 0 &&
    colon < name.length - 1 &&
    name.indexOf(':', colon + 1) < 0 &&
    isNameStartChar(name.charCodeAt(colon + 1))
  );
}

/** §2.2 Char, for a code point. */
export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x09 ||
    cp === 0x0a ||
    cp === 0x0d ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * The text of `&ref;`: one of the five predefined entities (§4.6) or a character reference
 * (§4.1) to a legal character. Anything else is undefined (no DTD can declare more: RFC 6120 §11.1).
 */
export function resolveEntity(ref: string): string | undefined {
  switch (ref) {
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'amp':
      return '&';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
  }
  let cp: number;
  if (/^#x[0-9a-fA-F]+$/.test(ref)) cp = parseInt(ref.slice(2), 16);
  else if (/^#[0-9]+$/.test(ref)) cp = parseInt(ref.slice(1), 10);
  else return undefined;
  return isXmlChar(cp) ? String.fromCodePoint(cp) : undefined;
}

const XML_DECL =
  /^xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][\w.-]*)"|'([A-Za-z][\w.-]*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*$/;

/**
 * Checks the body of the `<?…?>` that opens a stream or document: it must be an XML declaration
 * (any other processing instruction is restricted XML, RFC 6120 §11.1) declaring UTF-8 or no
 * encoding (RFC 6120 §11.6). Runs once per stream, so a regular expression is fine here.
 */
export function checkXmlDeclaration(body: string): StreamError | undefined {
  if (!/^xml(?:[ \t\r\n]|$)/.test(body)) {
    return new StreamError('restricted-xml', 'processing instructions are not allowed (RFC 6120 §11.1)');
  }
  const match = XML_DECL.exec(body);
  if (!match) return new StreamError('not-well-formed', 'malformed XML declaration');
  const encoding = match[1] ?? match[2];
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
    return new StreamError(
      'unsupported-encoding',
      `encoding '${encoding}' is not supported: XMPP uses UTF-8 only (RFC 6120 §11.6)`,
    );
  }
  return undefined;
}

/** Shortens a peer-supplied name before it goes into an error text. */
export function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
