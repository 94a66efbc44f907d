// One complete XML document with the restrictions of an XMPP stream (RFC 6120 §11.1): a BOSH
// `<body/>` (XEP-0124 §4) or a WebSocket frame (RFC 7395 §3.3.3, each frame one element).
import { TextDecoder } from 'node:util';
import { StreamError } from '@deskchat/protocol';
import type { Element } from '@xmpp/xml';
import { ElementBuilder } from './element-builder.js';
import { XmlTokenizer } from './tokenizer.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from './types.js';

export interface ParseDocumentOptions {
  /**
   * How many elements wrap the stanzas and so do not count against `maxDepth`: 1 for a BOSH
   * `<body/>` whose children are stanzas, 0 (the default) when the root is the stanza itself.
   */
  wrapperDepth?: number;
}

/** Parses `text` as a whole document and returns its root; throws StreamError on any violation. */
export function parseDocument(
  text: string | Buffer,
  limits: XmlLimits = DEFAULT_XML_LIMITS,
  options: ParseDocumentOptions = {},
): Element {
  // The whole document counts against maxStanzaBytes, and it is already in memory: check first.
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (size > limits.maxStanzaBytes) {
    throw new StreamError('policy-violation', `document larger than ${limits.maxStanzaBytes} bytes`);
  }
  const builder = new ElementBuilder();
  let root: Element | undefined;
  const tokenizer = new XmlTokenizer(
    {
      open: (name, attrs) => builder.open(name, attrs),
      close: () => {
        root = builder.close() ?? root;
      },
      text: (chars) => builder.text(chars),
    },
    limits,
    options.wrapperDepth ?? 0,
  );
  tokenizer.write(typeof text === 'string' ? text : decode(text));
  tokenizer.end();
  return root as Element;
}

function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new StreamError('not-well-formed', 'invalid UTF-8 byte sequence (RFC 6120 §11.6)');
  }
}
