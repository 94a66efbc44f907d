// Tests of the whole-document parser used for BOSH bodies (XEP-0124 §4) and WebSocket frames
// (RFC 7395 §3.3.3), with the XML restrictions of RFC 6120 §11.1 and the limits of types.ts.
import { describe, it, expect } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { StreamError } from '@deskchat/protocol';
import { parseDocument } from './parse-document.js';
import type { XmlLimits } from './types.js';

type Plain = { name: string; attrs: Record<string, string>; children: (Plain | string)[] };

function plain(el: Element): Plain {
  return {
    name: el.name,
    attrs: { ...el.attrs },
    children: el.children.map((c) => (typeof c === 'string' ? c : plain(c))),
  };
}

/** The condition parseDocument throws, or undefined if it parses. */
function conditionOf(text: string | Buffer, limits?: XmlLimits, wrapperDepth?: number): string | undefined {
  try {
    parseDocument(text, limits, { wrapperDepth });
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(StreamError);
    return (err as StreamError).condition;
  }
}

const BODY =
  `<body rid='1' xmlns='http://jabber.org/protocol/httpbind' sid='s&amp;1'>` +
  `<message to='b@example.com'><body>caf\u00e9 &lt;\u{1F600}&gt;<![CDATA[&]]></body></message>\n` +
  `<presence/></body>`;

const BODY_ELEMENT = xml(
  'body',
  { rid: '1', xmlns: 'http://jabber.org/protocol/httpbind', sid: 's&1' },
  xml('message', { to: 'b@example.com' }, xml('body', {}, 'café <😀>&')),
  '\n',
  xml('presence'),
);

describe('parseDocument (XEP-0124 §4, RFC 7395 §3.3.3)', () => {
  it('returns the root element with attributes, text and CDATA unescaped', () => {
    expect(plain(parseDocument(BODY))).toEqual(plain(BODY_ELEMENT));
  });

  it('decodes a UTF-8 buffer', () => {
    expect(plain(parseDocument(Buffer.from(BODY)))).toEqual(plain(BODY_ELEMENT));
  });

  it('accepts an XML declaration, a byte order mark and trailing white space', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<?xml version='1.0'?>\n<open/>\n`)]);
    expect(plain(parseDocument(bytes))).toEqual(plain(xml('open')));
  });

  it('returns elements whose children know their parent', () => {
    const root = parseDocument(BODY);
    expect(root.parent).toBeNull();
    expect(root.getChild('message')?.parent).toBe(root);
  });
});

const NOT_WELL_FORMED: [string, string][] = [
  ['an empty document', ''],
  ['only white space', '  \n'],
  ['an unclosed root element', '<body><message/>'],
  ['a document that ends inside a tag', '<body/><'],
  ['a document that ends inside an attribute', `<body a='x`],
  ['two root elements', '<a/><b/>'],
  ['text after the root element', '<a/>x'],
  ['text before the root element', 'x<a/>'],
  ['an unknown entity', '<a>&nbsp;</a>'],
  ['a mismatched end tag', '<a><b></a></b>'],
];

describe('parseDocument: errors (RFC 6120 §4.9.3, §11)', () => {
  it.each(NOT_WELL_FORMED)('rejects %s with not-well-formed', (_, text) => {
    expect(conditionOf(text)).toBe('not-well-formed');
  });

  it('rejects invalid UTF-8 with not-well-formed (RFC 6120 §11.6)', () => {
    expect(conditionOf(Buffer.from([0x3c, 0x61, 0xff, 0x2f, 0x3e]))).toBe('not-well-formed');
  });

  it('rejects a truncated UTF-8 sequence at the end with not-well-formed', () => {
    expect(conditionOf(Buffer.from([0x3c, 0x61, 0x2f, 0x3e, 0xc3]))).toBe('not-well-formed');
  });

  it('rejects a DOCTYPE with restricted-xml (RFC 6120 §11.1)', () => {
    expect(conditionOf(`<!DOCTYPE body [<!ENTITY x 'y'>]><body>&x;</body>`)).toBe('restricted-xml');
  });

  it('rejects a comment with restricted-xml (RFC 6120 §11.1)', () => {
    expect(conditionOf(`<body><!-- x --></body>`)).toBe('restricted-xml');
  });

  it('rejects an encoding other than UTF-8 with unsupported-encoding (RFC 6120 §11.6)', () => {
    expect(conditionOf(`<?xml version='1.0' encoding='UTF-16'?><body/>`)).toBe('unsupported-encoding');
  });

  it('accepts any root element name: it is not a stream header', () => {
    expect(conditionOf(`<iq xmlns='jabber:client' type='get'/>`)).toBeUndefined();
  });
});

describe('parseDocument: limits (policy-violation, RFC 6120 §4.9.3.14)', () => {
  const limits: XmlLimits = { maxStanzaBytes: 40, maxDepth: 2, maxAttributes: 2 };

  it('counts the whole document against maxStanzaBytes, in UTF-8 bytes', () => {
    const exact = `<a>${'é'.repeat(16)}a</a>`;
    expect(Buffer.byteLength(exact)).toBe(40);
    expect(conditionOf(exact, limits)).toBeUndefined();
    expect(conditionOf(`<a>${'é'.repeat(16)}ab</a>`, limits)).toBe('policy-violation');
  });

  it('names the limit in the error text', () => {
    expect(() => parseDocument(`<a>${'x'.repeat(50)}</a>`, limits)).toThrow('document larger than 40 bytes');
  });

  it('counts the root as depth 1 by default', () => {
    expect(conditionOf('<a><b/></a>', limits)).toBeUndefined();
    expect(conditionOf('<a><b><c/></b></a>', limits)).toBe('policy-violation');
  });

  it('does not count wrapper elements such as the BOSH <body/> against maxDepth', () => {
    expect(conditionOf('<body><a><b/></a></body>', limits, 1)).toBeUndefined();
    expect(conditionOf('<body><a><b><c/></b></a></body>', limits, 1)).toBe('policy-violation');
  });

  it('rejects more than maxAttributes attributes on one element', () => {
    expect(conditionOf(`<a x='1' y='2'/>`, limits)).toBeUndefined();
    expect(conditionOf(`<a x='1' y='2' z='3'/>`, limits)).toBe('policy-violation');
  });
});
