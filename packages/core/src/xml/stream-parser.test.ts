// Tests of the incremental stream parser: RFC 6120 §4 (streams), §11 (XML usage), §4.9.3 (errors).
import { describe, it, expect } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import type { StreamError } from '@deskchat/protocol';
import { XmppStreamParser } from './stream-parser.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from './types.js';

type Plain = { name: string; attrs: Record<string, string>; children: (Plain | string)[] };
type Event =
  | { type: 'open'; name: string; attrs: Record<string, string> }
  | { type: 'element'; element: Plain }
  | { type: 'close' }
  | { type: 'error'; condition: string; text?: string };

/** An element as plain data, so that toEqual compares structure and shows a readable diff. */
function plain(el: Element): Plain {
  return {
    name: el.name,
    attrs: { ...el.attrs },
    children: el.children.map((c) => (typeof c === 'string' ? c : plain(c))),
  };
}

function recorder(limits?: XmlLimits, onEvent?: (e: Event, parser: XmppStreamParser) => void) {
  const events: Event[] = [];
  const push = (e: Event) => {
    events.push(e);
    onEvent?.(e, parser);
  };
  const parser: XmppStreamParser = new XmppStreamParser(
    {
      onStreamOpen: (name, attrs) => push({ type: 'open', name, attrs }),
      onElement: (el) => push({ type: 'element', element: plain(el) }),
      onStreamClose: () => push({ type: 'close' }),
      onError: (err: StreamError) => push({ type: 'error', condition: err.condition, text: err.text }),
    },
    limits,
  );
  return { parser, events };
}

function parse(...chunks: (string | Buffer)[]): Event[] {
  const { parser, events } = recorder();
  for (const chunk of chunks) parser.write(chunk);
  return events;
}

const STREAMS = 'http://etherx.jabber.org/streams';
const HEADER = `<stream:stream xmlns='jabber:client' xmlns:stream='${STREAMS}' to='example.com' version='1.0'>`;
const HEADER_ATTRS = { xmlns: 'jabber:client', 'xmlns:stream': STREAMS, to: 'example.com', version: '1.0' };

const TRANSCRIPT =
  `<?xml version='1.0' encoding="UTF-8"?>\n` +
  `<stream:stream xmlns='jabber:client' xmlns:stream="${STREAMS}" to='ex&amp;ample.com' version='1.0'>\n` +
  `<message to='b&amp;b@example.com' id="m&#x31;&#50;" type='chat'>` +
  `<body>café &lt;3 😀 &amp; &quot;q&quot; &apos;&#x1F600;&gt;</body>` +
  `<thread>a<![CDATA[<b>&amp;]]]]>c</thread></message> \n\t ` +
  `<presence/>` +
  `<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>` +
  `</stream:stream>`;

const EXPECTED: Event[] = [
  {
    type: 'open',
    name: 'stream:stream',
    attrs: { xmlns: 'jabber:client', 'xmlns:stream': STREAMS, to: 'ex&ample.com', version: '1.0' },
  },
  {
    type: 'element',
    element: plain(
      xml(
        'message',
        { to: 'b&b@example.com', id: 'm12', type: 'chat' },
        xml('body', {}, 'café <3 😀 & "q" \'😀>'),
        xml('thread', {}, 'a<b>&amp;]]c'),
      ),
    ),
  },
  { type: 'element', element: plain(xml('presence')) },
  {
    type: 'element',
    element: plain(xml('iq', { type: 'get', id: 'p1' }, xml('ping', { xmlns: 'urn:xmpp:ping' }))),
  },
  { type: 'close' },
];

function errorOf(events: Event[]): Event | undefined {
  return events.find((e) => e.type === 'error');
}

describe('XmppStreamParser: a well-formed stream (RFC 6120 §4)', () => {
  it('reports the header, each first-level element and the closing tag', () => {
    expect(parse(TRANSCRIPT)).toEqual(EXPECTED);
  });

  it('yields the same events whatever byte the input is split at, even inside characters and references', () => {
    const bytes = Buffer.from(TRANSCRIPT);
    for (let at = 0; at <= bytes.length; at++) {
      expect([at, parse(bytes.subarray(0, at), bytes.subarray(at))]).toEqual([at, EXPECTED]);
    }
  });

  it('yields the same events when fed one byte at a time', () => {
    const bytes = Buffer.from(TRANSCRIPT);
    const chunks = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    expect(parse(...chunks)).toEqual(EXPECTED);
  });

  it('yields the same events from string chunks split between the halves of a surrogate pair', () => {
    for (let at = 0; at <= TRANSCRIPT.length; at++) {
      expect([at, parse(TRANSCRIPT.slice(0, at), TRANSCRIPT.slice(at))]).toEqual([at, EXPECTED]);
    }
  });

  it('fires onStreamOpen as soon as the header is read, before the first stanza', () => {
    const { parser, events } = recorder();
    parser.write(HEADER);
    expect(events).toEqual([{ type: 'open', name: 'stream:stream', attrs: HEADER_ATTRS }]);
  });

  it('ignores whitespace keepalives between stanzas (RFC 6120 §11.7)', () => {
    const events = parse(HEADER, ' ', '\n', '<presence/>', ' \r\n\t ', ' ');
    expect(events).toEqual([
      { type: 'open', name: 'stream:stream', attrs: HEADER_ATTRS },
      { type: 'element', element: plain(xml('presence')) },
    ]);
  });

  it('accepts a stream prefix other than "stream" bound to the streams namespace (RFC 6120 §4.8.5)', () => {
    const events = parse(`<s:stream xmlns:s='${STREAMS}' xmlns='jabber:client'><s:features/></s:stream>`);
    expect(events).toEqual([
      { type: 'open', name: 's:stream', attrs: { 'xmlns:s': STREAMS, xmlns: 'jabber:client' } },
      { type: 'element', element: plain(xml('s:features')) },
      { type: 'close' },
    ]);
  });

  it('reports an empty-element stream header as an open then a close', () => {
    expect(parse(`<stream:stream xmlns:stream='${STREAMS}'/>`).map((e) => e.type)).toEqual(['open', 'close']);
  });

  it('keeps whitespace inside stanzas and normalizes line ends (XML 1.0 §2.11, §3.3.3)', () => {
    const events = parse(HEADER, `<message a='x\r\ny\tz'><body>\r\n one\rtwo\n</body> </message>`);
    expect(events[1]).toEqual({
      type: 'element',
      element: plain(xml('message', { a: 'x y z' }, xml('body', {}, '\n one\ntwo\n'), ' ')),
    });
  });

  it('keeps character references to white space in attribute values as written (XML 1.0 §3.3.3)', () => {
    const events = parse(HEADER, `<message a='&#10;&#x9;'/>`);
    expect(events[1]).toEqual({ type: 'element', element: plain(xml('message', { a: '\n\t' })) });
  });

  it('builds real @xmpp/xml elements whose namespaces resolve', () => {
    const elements: Element[] = [];
    const parser = new XmppStreamParser({
      onStreamOpen: () => {},
      onElement: (el) => elements.push(el),
      onStreamClose: () => {},
      onError: (err) => {
        throw err;
      },
    });
    parser.write(`${HEADER}<iq type='get'><query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>`);
    expect(elements).toHaveLength(1);
    expect(elements[0].parent).toBeNull();
    expect(elements[0].getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.jid).toBe('a@b');
  });

  it('keeps an attribute named __proto__ as an attribute', () => {
    const events = parse(HEADER, `<message __proto__='x'/>`);
    expect(events[1].type === 'element' && Object.hasOwn(events[1].element.attrs, '__proto__')).toBe(true);
  });
});

describe('XmppStreamParser: stream restarts (RFC 6120 §4.3.3)', () => {
  it('reads a new header with an XML declaration after reset()', () => {
    const { parser, events } = recorder();
    parser.write(`${HEADER}<auth/>`);
    parser.reset();
    parser.write(`<?xml version='1.0'?>${HEADER}<iq/>`);
    expect(events.map((e) => e.type)).toEqual(['open', 'element', 'open', 'element']);
    expect(errorOf(events)).toBeUndefined();
  });

  it('discards buffered partial input on reset()', () => {
    const { parser, events } = recorder();
    parser.write(`${HEADER}<message><bo`);
    parser.reset();
    parser.write(`${HEADER}<presence/>`);
    expect(events.map((e) => e.type)).toEqual(['open', 'open', 'element']);
  });

  it('discards a partial multi-byte character on reset()', () => {
    const { parser, events } = recorder();
    parser.write(Buffer.concat([Buffer.from(`${HEADER}<body>`), Buffer.from('é').subarray(0, 1)]));
    parser.reset();
    parser.write(`${HEADER}<presence/>`);
    expect(events.map((e) => e.type)).toEqual(['open', 'open', 'element']);
  });

  it('reads the rest of the chunk as the new stream when a handler resets during write()', () => {
    const { parser, events } = recorder(undefined, (e, p) => {
      if (e.type === 'element' && e.element.name === 'success') p.reset();
    });
    parser.write(`${HEADER}<success/><?xml version='1.0'?>${HEADER}<iq/>`);
    expect(events.map((e) => e.type)).toEqual(['open', 'element', 'open', 'element']);
  });

  it('reads the rest of the chunk as a new stream when onStreamOpen or onStreamClose resets', () => {
    let opens = 0;
    const { parser, events } = recorder(undefined, (e, p) => {
      if ((e.type === 'open' && ++opens === 1) || e.type === 'close') p.reset();
    });
    parser.write(`${HEADER}${HEADER}<a/></stream:stream>${HEADER}<b/>`);
    expect(events.map((e) => (e.type === 'element' ? e.element.name : e.type))).toEqual([
      'open', 'open', 'a', 'close', 'open', 'b',
    ]);
  });

  it('accepts input again after reset() following an error', () => {
    const { parser, events } = recorder();
    parser.write(`${HEADER}<a></b>`);
    parser.reset();
    parser.write(`${HEADER}<presence/>`);
    expect(events.map((e) => e.type)).toEqual(['open', 'error', 'open', 'element']);
  });

  it('rejects an XML declaration that is not at the start of the stream (RFC 6120 §11.1)', () => {
    expect(errorOf(parse(`${HEADER}<?xml version='1.0'?>`))).toMatchObject({ condition: 'restricted-xml' });
  });

  it('stops reading and rethrows when a handler throws', () => {
    const { parser, events } = recorder(undefined, (e) => {
      if (e.type === 'element') throw new Error('handler bug');
    });
    expect(() => parser.write(`${HEADER}<a/><b/>`)).toThrow('handler bug');
    parser.write('<c/>');
    expect(events.map((e) => e.type)).toEqual(['open', 'element']);
  });
});
