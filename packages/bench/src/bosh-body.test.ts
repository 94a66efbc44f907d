// BOSH bodies as the client writes and reads them (XEP-0124 §7, §9, §17.1; XEP-0206 §4–§5).
import { describe, it, expect } from '@jest/globals';
import { parse, type Element } from 'ltx';
import xml from '@xmpp/xml';
import { parseBody, requestBody, restartBody, sessionCreateBody, terminateBody } from './bosh-body.js';

const HTTPBIND = 'http://jabber.org/protocol/httpbind';
const XBOSH = 'urn:xmpp:xbosh';

/** Name, attributes and children without ltx's parent links, for comparing elements as elements. */
type Shape = { name: string; attrs: Record<string, string>; children: (Shape | string)[] };
const shape = (el: Element): Shape => ({ name: el.name, attrs: { ...el.attrs }, children: el.children.map((c) => (typeof c === 'string' ? c : shape(c as Element))) });

describe('BOSH request bodies', () => {
  it('creates a session with to, rid, wait, hold, ver and xmpp:version (XEP-0124 §7.1, XEP-0206 §4)', () => {
    const body = parse(sessionCreateBody({ rid: 42, domain: 'localhost', wait: 60, hold: 1 }));
    expect(body.name).toBe('body');
    expect(body.attrs).toEqual({ content: 'text/xml; charset=utf-8', hold: '1', rid: '42', to: 'localhost', ver: '1.6', wait: '60', 'xml:lang': 'en', 'xmpp:version': '1.0', xmlns: HTTPBIND, 'xmlns:xmpp': XBOSH });
    expect(body.children).toEqual([]);
  });

  it('wraps stanzas in a body carrying rid and sid (XEP-0124 §9.1)', () => {
    const body = parse(requestBody(43, 'SID', "<message xmlns='jabber:client' to='b@localhost'><body>hi</body></message>"));
    expect(body.attrs).toEqual({ rid: '43', sid: 'SID', xmlns: HTTPBIND });
    expect(body.getChildElements().map(shape)).toEqual([shape(xml('message', { xmlns: 'jabber:client', to: 'b@localhost' }, xml('body', {}, 'hi')))]);
    expect(parse(requestBody(44, 'SID')).children).toEqual([]);
  });

  it('restarts the stream with xmpp:restart and no payload (XEP-0206 §5)', () => {
    expect(parse(restartBody(45, 'SID', 'localhost')).attrs).toEqual({ rid: '45', sid: 'SID', to: 'localhost', 'xml:lang': 'en', 'xmpp:restart': 'true', xmlns: HTTPBIND, 'xmlns:xmpp': XBOSH });
  });

  it('terminates with type terminate and may carry a last stanza (XEP-0124 §17.1)', () => {
    const body = parse(terminateBody(46, 'SID', "<presence xmlns='jabber:client' type='unavailable'/>"));
    expect(body.attrs).toMatchObject({ rid: '46', sid: 'SID', type: 'terminate' });
    expect(body.getChildElements().map(shape)).toEqual([shape(xml('presence', { xmlns: 'jabber:client', type: 'unavailable' }))]);
  });
});

describe('parseBody', () => {
  it('reads the session creation response attributes and its features (XEP-0124 §7.2, XEP-0206 §6)', () => {
    const text = `<body xmlns='${HTTPBIND}' xmlns:xmpp='${XBOSH}' xmlns:stream='http://etherx.jabber.org/streams' sid="abc" wait='60' requests='2' hold='1' xmpp:version='1.0'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features></body>`;
    const body = parseBody(text);
    expect(body.attrs).toMatchObject({ sid: 'abc', wait: '60', requests: '2', hold: '1', 'xmpp:version': '1.0' });
    expect(body.children).toHaveLength(1);
    expect(body.children[0].startsWith('<stream:features>')).toBe(true);
  });

  it('reads several stanzas, an empty body, and an XML declaration before the body', () => {
    expect(parseBody(`<?xml version='1.0'?><body xmlns='${HTTPBIND}'><message/><presence/></body>`).children).toEqual(['<message/>', '<presence/>']);
    expect(parseBody(`<body xmlns='${HTTPBIND}'/>`)).toEqual({ attrs: { xmlns: HTTPBIND }, children: [] });
  });

  it('reads a terminate body with its condition (XEP-0124 §17.2)', () => {
    expect(parseBody(`<body type='terminate' condition='item-not-found' xmlns='${HTTPBIND}'/>`).attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('rejects text that is not a body', () => {
    expect(() => parseBody('<html><body>Not Found</body></html>')).toThrow('not a BOSH body');
    expect(() => parseBody('')).toThrow('not a BOSH body');
    expect(() => parseBody(`<body xmlns='${HTTPBIND}'><message/>`)).toThrow('without </body>');
  });
});
