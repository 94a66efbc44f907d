// Public API of the XML layer: the incremental stream parser (RFC 6120 §4, §11) and the
// whole-document parser for BOSH bodies and WebSocket frames.
export { XmppStreamParser } from './stream-parser.js';
export { parseDocument, type ParseDocumentOptions } from './parse-document.js';
export { DEFAULT_XML_LIMITS, type XmlLimits, type StreamParserHandlers } from './types.js';
