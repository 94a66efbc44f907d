// Contract of the streaming XML parser used by every transport (RFC 6120 §4, §11).
import type { Element } from '@xmpp/xml';
import type { StreamError } from '@deskchat/protocol';

export interface XmlLimits {
  /** Largest stanza (a top-level child of the stream, or a whole document) in bytes of UTF-8 input. */
  maxStanzaBytes: number;
  /** Deepest nesting of elements inside one stanza (the stanza itself is depth 1). */
  maxDepth: number;
  /** Most attributes (including namespace declarations) on one element. */
  maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxStanzaBytes: 256 * 1024,
  maxDepth: 32,
  maxAttributes: 64,
};

export interface StreamParserHandlers {
  /** `<stream:stream …>` was read (RFC 6120 §4.7). `name` is the qualified name as written. */
  onStreamOpen(name: string, attrs: Record<string, string>): void;
  /** One complete top-level child of the stream. */
  onElement(element: Element): void;
  /** `</stream:stream>` was read (RFC 6120 §4.4). */
  onStreamClose(): void;
  /** The input broke the rules; the parser accepts no more input after this until `reset()`. */
  onError(error: StreamError): void;
}
