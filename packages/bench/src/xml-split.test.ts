// The stream splitter (RFC 6120 §4.2 header, §4.4 close, top-level elements) and its readers.
import { describe, it, expect } from '@jest/globals';
import { ElementSplitter, attr, childText, hasChild, startTag, tagName, unescapeXml, escapeXml } from './xml-split.js';

function split(chunks: string[]) {
  const events: string[] = [];
  const splitter = new ElementSplitter({ element: (e) => events.push(e), open: (t) => events.push(`OPEN ${t}`), close: () => events.push('CLOSE') });
  for (const chunk of chunks) splitter.feed(chunk);
  return events;
}

const HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0'>";

describe('ElementSplitter', () => {
  it('reports the stream header, then each top-level element, then the stream end (RFC 6120 §4.2, §4.4)', () => {
    const features = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
    expect(split([`${HEADER}${features}<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></stream:stream>`])).toEqual([`OPEN ${HEADER.slice(HEADER.indexOf('<stream:stream'))}`, features, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", 'CLOSE']);
  });

  it('joins an element cut anywhere across TCP chunks, one byte at a time', () => {
    const message = "<message from='a@localhost/r' to='b@localhost/r'><body>x &gt; y</body><x xmlns='urn:x'><x/></x></message>";
    const text = `${HEADER}${message}${message}`;
    expect(split([...text]).slice(1)).toEqual([message, message]);
  });

  it('does not end a tag at a > inside a quoted attribute value', () => {
    const iq = `<iq id='a>b' type="result"><query note="1>0"/></iq>`;
    expect(split([HEADER, iq.slice(0, 9), iq.slice(9)]).slice(1)).toEqual([iq]);
  });

  it('tracks nesting of elements with the same name as the top-level one', () => {
    const nested = '<x><x><x/></x><y>t</y></x>';
    expect(split([HEADER, nested, '<z/>']).slice(1)).toEqual([nested, '<z/>']);
  });

  it('skips CDATA sections whose text looks like markup', () => {
    const message = '<message><body><![CDATA[</message><b>]]></body></message>';
    expect(split([HEADER, message]).slice(1)).toEqual([message]);
  });

  it('ignores whitespace keepalives between elements (RFC 6120 §4.6.1)', () => {
    expect(split([HEADER, ' ', '\n', '<a/>', ' ']).slice(1)).toEqual(['<a/>']);
  });

  it('reads elements wrapped in a BOSH body when fed only the body content', () => {
    expect(split(["<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features><iq/>"])).toEqual([
      "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
      '<iq/>',
    ]);
  });
});

describe('element readers', () => {
  const presence = `<presence from='u2@localhost/bench' type="subscribe" xml:lang='en'><status>a &amp; b</status><show>away</show></presence>`;

  it('reads the qualified name and the opening tag', () => {
    expect(tagName('<stream:features><x/></stream:features>')).toBe('stream:features');
    expect(startTag(presence)).toBe(`<presence from='u2@localhost/bench' type="subscribe" xml:lang='en'>`);
  });

  it('reads attributes in either quote style, entity-decoded, only from the opening tag', () => {
    expect(attr(presence, 'from')).toBe('u2@localhost/bench');
    expect(attr(presence, 'type')).toBe('subscribe');
    expect(attr(presence, 'xml:lang')).toBe('en');
    expect(attr("<a x='&lt;&#65;&#x42;'><b y='1'/></a>", 'x')).toBe('<AB');
    expect(attr("<a x='1'><b y='1'/></a>", 'y')).toBeUndefined();
    expect(attr("<a xy='1'/>", 'y')).toBeUndefined();
  });

  it('reads the text of a child, and tells an empty child from a missing one', () => {
    expect(childText(presence, 'status')).toBe('a & b');
    expect(childText('<iq><bind><jid>u1@localhost/r</jid></bind></iq>', 'jid')).toBe('u1@localhost/r');
    expect(childText('<m><body/></m>', 'body')).toBe('');
    expect(childText('<m><bodyx>1</bodyx></m>', 'body')).toBeUndefined();
    expect(hasChild(presence, 'show')).toBe(true);
    expect(hasChild(presence, 'presence')).toBe(false);
  });

  it('escapes the five XML special characters and decodes them back', () => {
    const text = `<a href="x">'&'`;
    expect(escapeXml(text)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;');
    expect(unescapeXml(escapeXml(text))).toBe(text);
  });
});
