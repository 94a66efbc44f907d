// Tests of the stream errors the parser raises: RFC 6120 §4.9.3, §11.1 (restricted XML), §11.3
// (well-formedness), §11.6 (UTF-8), and the size limits of types.ts (policy-violation).
import { describe, it, expect } from '@jest/globals';
import { XmppStreamParser } from './stream-parser.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from './types.js';

const STREAMS = 'http://etherx.jabber.org/streams';
const HEADER = `<stream:stream xmlns='jabber:client' xmlns:stream='${STREAMS}' version='1.0'>`;

function run(chunks: (string | Buffer)[], limits?: XmlLimits) {
  const events: string[] = [];
  const errors: { condition: string; text?: string }[] = [];
  const parser = new XmppStreamParser(
    {
      onStreamOpen: () => events.push('open'),
      onElement: (el) => events.push(`element:${el.name}`),
      onStreamClose: () => events.push('close'),
      onError: (err) => {
        events.push('error');
        errors.push({ condition: err.condition, text: err.text });
      },
    },
    limits,
  );
  for (const chunk of chunks) parser.write(chunk);
  return { events, errors, parser };
}

function conditionOf(input: string | Buffer): string | undefined {
  const { errors } = run([input]);
  expect(errors.length).toBeLessThanOrEqual(1);
  return errors[0]?.condition;
}

const NOT_WELL_FORMED: [string, string][] = [
  ['a mismatched end tag', `${HEADER}<message><body></message>`],
  ['an unquoted attribute value', `${HEADER}<message to=x/>`],
  ['attributes without white space between them', `${HEADER}<message to='a'from='b'/>`],
  ['an attribute without a value', `${HEADER}<message to/>`],
  ['a duplicate attribute', `${HEADER}<message to='a' to='b'/>`],
  ["'<' in an attribute value", `${HEADER}<message to='a<b'/>`],
  ['an unknown entity in text', `${HEADER}<message>&foo;</message>`],
  ['an unknown entity in an attribute value', `${HEADER}<message to='&foo;'/>`],
  ['an unterminated entity reference', `${HEADER}<message>&amp </message>`],
  ['a character reference to U+0000', `${HEADER}<message>&#0;</message>`],
  ['a character reference to a surrogate', `${HEADER}<message>&#xD800;</message>`],
  ['a malformed hexadecimal character reference', `${HEADER}<message>&#xZZ;</message>`],
  ['a character reference beyond U+10FFFF', `${HEADER}<message>&#x110000;</message>`],
  ['text before the stream header', `hello${HEADER}`],
  ['an end tag before the stream header', `</stream:stream>`],
  ['a second root element after the stream closed', `${HEADER}</stream:stream><stream:stream>`],
  ['an end tag at the stream level that is not the stream close', `${HEADER}</message>`],
  ['U+0000 in text', `${HEADER}<message>a\u0000b</message>`],
  ['U+0001 in an attribute value', `${HEADER}<message to='\u0001'/>`],
  ['U+FFFE in text', `${HEADER}<message>\uFFFE</message>`],
  ['an unpaired high surrogate', `${HEADER}<message>\uD800a</message>`],
  ['an unpaired low surrogate', `${HEADER}<message>\uDC00</message>`],
  ["']]>' in character data", `${HEADER}<message>a]]>b</message>`],
  ['a name that starts with a digit', `${HEADER}<1message/>`],
  ['a name with two colons', `${HEADER}<a:b:c/>`],
  ['a name ending in a colon', `${HEADER}<a: x='1'/>`],
  ["'<' followed by white space", `${HEADER}< message/>`],
  ['a CDATA section before the stream header', `<![CDATA[x]]>${HEADER}`],
  ['a malformed CDATA opener', `${HEADER}<message><![CDATX[x]]></message>`],
  ['a malformed XML declaration', `<?xml version='2'?>${HEADER}`],
];

describe('XmppStreamParser: not-well-formed (RFC 6120 §4.9.3.13, §11.3)', () => {
  it.each(NOT_WELL_FORMED)('rejects %s with not-well-formed', (_, input) => {
    expect(conditionOf(input)).toBe('not-well-formed');
  });

  it('rejects an invalid UTF-8 byte sequence with not-well-formed (RFC 6120 §11.6)', () => {
    expect(conditionOf(Buffer.concat([Buffer.from(`${HEADER}<body>`), Buffer.from([0xff])]))).toBe('not-well-formed');
  });

  it('rejects an overlong UTF-8 encoding with not-well-formed (RFC 3629 §3)', () => {
    expect(conditionOf(Buffer.concat([Buffer.from(`${HEADER}<body>`), Buffer.from([0xc0, 0x80])]))).toBe(
      'not-well-formed',
    );
  });

  it('rejects a UTF-8 sequence cut short by the next character, across chunks', () => {
    const { errors } = run([Buffer.from(`${HEADER}<body>\xe2\x82`, 'latin1'), Buffer.from('a')]);
    expect(errors).toMatchObject([{ condition: 'not-well-formed' }]);
  });

  it('rejects a string chunk that follows an incomplete UTF-8 sequence', () => {
    const { errors } = run([Buffer.from(`${HEADER}<body>\xe2\x82`, 'latin1'), '\u20ac</body>']);
    expect(errors).toMatchObject([{ condition: 'not-well-formed' }]);
  });

  it('rejects non-white-space text between stanzas with bad-format (RFC 6120 §11.7)', () => {
    expect(conditionOf(`${HEADER}<presence/>hello<presence/>`)).toBe('bad-format');
  });
});

const RESTRICTED: [string, string][] = [
  ['a DOCTYPE before the stream header', `<!DOCTYPE stream:stream>${HEADER}`],
  ['an internal DTD subset', `<!DOCTYPE x [<!ENTITY a 'b'>]>${HEADER}`],
  ['an ENTITY declaration inside a stanza', `${HEADER}<message><!ENTITY a 'b'></message>`],
  ['a comment before the stream header', `<!-- hi -->${HEADER}`],
  ['a comment inside a stanza', `${HEADER}<message><!-- hi --></message>`],
  ['a comment between stanzas', `${HEADER}<!-- hi -->`],
  ['a processing instruction inside a stanza', `${HEADER}<message><?foo bar?></message>`],
  ['a processing instruction at the start of the stream', `<?xml-stylesheet href='a'?>${HEADER}`],
  ['an XML declaration after leading white space', ` <?xml version='1.0'?>${HEADER}`],
];

describe('XmppStreamParser: restricted-xml (RFC 6120 §11.1)', () => {
  it.each(RESTRICTED)('rejects %s with restricted-xml', (_, input) => {
    expect(conditionOf(input)).toBe('restricted-xml');
  });

  it('accepts the predefined entities and character references', () => {
    expect(conditionOf(`${HEADER}<message a='&lt;&gt;&amp;&quot;&apos;&#65;&#x42;'>&#x1F600;</message>`)).toBeUndefined();
  });
});

describe('XmppStreamParser: the XML declaration (RFC 6120 §11.5, §11.6)', () => {
  it.each([`<?xml version='1.0'?>`, `<?xml version="1.0" encoding="utf-8"?>`, `<?xml version='1.0' encoding='UTF8' standalone='yes' ?>`])(
    'accepts %s at the start of the stream',
    (decl) => {
      expect(run([decl + HEADER]).events).toEqual(['open']);
    },
  );

  it('rejects an encoding other than UTF-8 with unsupported-encoding', () => {
    expect(conditionOf(`<?xml version='1.0' encoding='ISO-8859-1'?>${HEADER}`)).toBe('unsupported-encoding');
  });
});

describe('XmppStreamParser: the stream element (RFC 6120 §4.8.1, §4.8.5)', () => {
  it('rejects a root element other than stream with invalid-namespace', () => {
    expect(conditionOf(`<message xmlns='jabber:client'/>`)).toBe('invalid-namespace');
  });

  it('rejects a stream prefix bound to another namespace with invalid-namespace', () => {
    expect(conditionOf(`<stream:stream xmlns:stream='urn:wrong'>`)).toBe('invalid-namespace');
  });

  it('rejects an unprefixed stream element with bad-namespace-prefix', () => {
    expect(conditionOf(`<stream xmlns='${STREAMS}'>`)).toBe('bad-namespace-prefix');
  });

  it('rejects an undeclared stream prefix with bad-namespace-prefix', () => {
    expect(conditionOf(`<stream:stream xmlns='jabber:client'>`)).toBe('bad-namespace-prefix');
  });
});

describe('XmppStreamParser: after an error (RFC 6120 §4.9.1.1)', () => {
  it('reports the error once and no events afterwards', () => {
    const { events, parser } = run([`${HEADER}<presence/><a></b><presence/>`, '<presence/>']);
    parser.write('</stream:stream>');
    expect(events).toEqual(['open', 'element:presence', 'error']);
  });

  it('fires no element whose end tag comes after the error in the same chunk', () => {
    expect(run([`${HEADER}<message><x y='1' y='2'/></message>`]).events).toEqual(['open', 'error']);
  });
});

const SMALL: XmlLimits = { maxStanzaBytes: 100, maxDepth: 3, maxAttributes: 2 };
const SMALL_HEADER = `<stream:stream xmlns:stream='${STREAMS}' xmlns='jabber:client'>`;

describe('XmppStreamParser: limits (policy-violation, RFC 6120 §4.9.3.14)', () => {
  it('accepts a stanza of exactly maxStanzaBytes bytes, counted in UTF-8', () => {
    const stanza = `<message>${'é'.repeat(40)}a</message>`;
    expect(Buffer.byteLength(stanza)).toBe(100);
    expect(run([SMALL_HEADER, stanza], SMALL).events).toEqual(['open', 'element:message']);
  });

  it('rejects a stanza one byte larger, naming the limit', () => {
    const stanza = `<message>${'é'.repeat(40)}ab</message>`;
    expect(Buffer.byteLength(stanza)).toBe(101);
    expect(run([SMALL_HEADER, stanza], SMALL).errors).toEqual([
      { condition: 'policy-violation', text: 'stanza larger than 100 bytes' },
    ]);
  });

  it('counts each stanza on its own, so many small stanzas pass', () => {
    const { events } = run([SMALL_HEADER, `<message>${'x'.repeat(60)}</message>`.repeat(5)], SMALL);
    expect(events.filter((e) => e === 'element:message')).toHaveLength(5);
  });

  it('rejects a stream header larger than maxStanzaBytes before it ends', () => {
    const { errors } = run([`<stream:stream xmlns:stream='${STREAMS}' a='${'x'.repeat(200)}`], SMALL);
    expect(errors).toEqual([{ condition: 'policy-violation', text: 'stream header larger than 100 bytes' }]);
  });

  it('bounds white space between stanzas', () => {
    const { errors } = run([SMALL_HEADER, '<presence/>', ' '.repeat(101)], SMALL);
    expect(errors).toEqual([
      { condition: 'policy-violation', text: 'character data between stanzas longer than 100 bytes' },
    ]);
  });

  it('accepts elements nested maxDepth deep, the stanza being depth 1', () => {
    expect(run([SMALL_HEADER, '<a><b><c/></b></a>'], SMALL).events).toEqual(['open', 'element:a']);
  });

  it('rejects elements nested deeper than maxDepth as soon as the start tag is read', () => {
    const { errors } = run([SMALL_HEADER, '<a><b><c><d'], SMALL);
    expect(errors).toEqual([{ condition: 'policy-violation', text: 'elements nested deeper than 3 levels' }]);
  });

  it('accepts maxAttributes attributes, namespace declarations included', () => {
    expect(run([SMALL_HEADER, `<a xmlns='x' b='1'/>`], SMALL).events).toEqual(['open', 'element:a']);
  });

  it('rejects more than maxAttributes attributes as soon as the extra one starts', () => {
    const { errors } = run([SMALL_HEADER, `<a xmlns='x' b='1' c`], SMALL);
    expect(errors).toEqual([{ condition: 'policy-violation', text: 'more than 2 attributes on one element' }]);
  });

  it('applies the attribute limit to the stream header too', () => {
    expect(run([HEADER], SMALL).errors).toMatchObject([{ condition: 'policy-violation' }]);
  });

  it('rejects a 10 MB stanza early, without reading the rest', () => {
    const { parser, errors } = run([HEADER, '<message><body>']);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    while (errors.length === 0 && written < 10 * 1024 * 1024) {
      parser.write(chunk);
      written += chunk.length;
    }
    expect(errors).toEqual([
      { condition: 'policy-violation', text: `stanza larger than ${DEFAULT_XML_LIMITS.maxStanzaBytes} bytes` },
    ]);
    expect(written).toBeLessThanOrEqual(DEFAULT_XML_LIMITS.maxStanzaBytes + chunk.length);
  });
});
