// Reading client bodies (XEP-0124 §6, §7.1; XEP-0206 §3, §5), writing responses and payloads
// (XEP-0206 §5, RFC 7395 §3.3.3), the terminal conditions of §17 and the accepted content types (§5).
import { describe, it, expect } from '@jest/globals';
import xml from '@xmpp/xml';
import { StreamError } from '@deskchat/protocol';
import { parseDocument } from '@deskchat/core';
import { negotiateVersion, readBoshRequest, readVersion } from './body-reader.js';
import { buildBody, EMPTY_BODY, serializePayload, streamErrorPayload, terminateBody } from './body-writer.js';
import { BoshError, terminateStatus } from './conditions.js';
import { contentTypeProblem } from './bosh-http.js';
import { HTTPBIND_NS } from './constants.js';

const read = (text: string) => readBoshRequest(parseDocument(text, undefined, { wrapperDepth: 1 }));
const conditionOf = (text: string) => {
  try {
    read(text);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(BoshError);
    return (err as BoshError).condition;
  }
};
const B = `xmlns='${HTTPBIND_NS}'`;

describe('readBoshRequest (XEP-0124 §6)', () => {
  it('reads rid, sid, key, ack, pause and the payloads', () => {
    const r = read(`<body ${B} rid='7' sid='s' key='k' newkey='n' ack='6' pause='30'><message xmlns='jabber:client'/><presence xmlns='jabber:client'/></body>`);
    expect(r).toMatchObject({ rid: 7, sid: 's', key: 'k', newkey: 'n', ack: 6, pause: 30, isTerminate: false, isRestart: false });
    expect(r.payloads.map((p) => p.name)).toEqual(['message', 'presence']);
    expect(r.payloads[0].parent).toBeNull();
  });

  it('reads xmpp:restart and xmpp:version under whatever prefix is bound to urn:xmpp:xbosh (XEP-0206 §5)', () => {
    const r = read(`<body ${B} xmlns:x='urn:xmpp:xbosh' rid='1' x:restart='true' x:version='1.0'/>`);
    expect([r.isRestart, r.xmppVersion]).toEqual([true, '1.0']);
  });

  it("reads type='terminate' (§13)", () => {
    expect(read(`<body ${B} rid='1' type='terminate'/>`).isTerminate).toBe(true);
  });

  it.each([
    ['a root that is not <body/>', `<message xmlns='jabber:client'/>`],
    ['a <body/> in another namespace', `<body xmlns='jabber:client' rid='1'/>`],
    ['no rid', `<body ${B}/>`],
    ['a rid that is not a number', `<body ${B} rid='x'/>`],
    ['a rid of zero', `<body ${B} rid='0'/>`],
    ['a rid above 2^53 - 1 (§14.1)', `<body ${B} rid='9007199254740992'/>`],
    ['character data in the wrapper', `<body ${B} rid='1'>hello</body>`],
    ['a negative ack', `<body ${B} rid='1' ack='-1'/>`],
  ])('refuses %s with bad-request', (_, text) => {
    expect(conditionOf(text)).toBe('bad-request');
  });

  it('ignores white space between payloads', () => {
    expect(read(`<body ${B} rid='1'>\n  <presence xmlns='jabber:client'/>\n</body>`).payloads).toHaveLength(1);
  });
});

describe('BOSH versions (XEP-0124 §7.2)', () => {
  it('answers the lower of the two versions, minor numbers compared as integers', () => {
    expect(negotiateVersion(readVersion('1.6')!)).toBe('1.6');
    expect(negotiateVersion(readVersion('1.20')!)).toBe('1.11');
    expect(negotiateVersion(readVersion('2.0')!)).toBe('1.11');
  });

  it('refuses a malformed ver with bad-request', () => {
    expect(() => readVersion('one')).toThrow(BoshError);
  });
});

describe('response bodies', () => {
  it('writes an empty body as a self-closing element', () => {
    expect(buildBody('', '')).toBe(EMPTY_BODY);
    expect(parseDocument(EMPTY_BODY).attrs.xmlns).toBe(HTTPBIND_NS);
  });

  it("gives a stanza xmlns='jabber:client' without changing the shared element (XEP-0206 §5)", () => {
    const stanza = xml('message', { to: 'a@b' }, xml('body', {}, 'hi'));
    const text = serializePayload(stanza);
    expect(parseDocument(text).attrs.xmlns).toBe('jabber:client');
    expect(stanza.attrs.xmlns).toBeUndefined();
  });

  it('keeps an element that has its own namespace as it is', () => {
    const success = xml('success', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl' });
    expect(serializePayload(success)).toBe(success.toString());
  });

  it('declares the stream prefix on stream:features and stream:error (RFC 7395 §3.3.3)', () => {
    const el = parseDocument(serializePayload(xml('stream:features', {}, xml('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' }))));
    expect(el.attrs['xmlns:stream']).toBe('http://etherx.jabber.org/streams');
  });

  it('wraps a stream error for remote-stream-error (§17.2)', () => {
    const el = parseDocument(buildBody(` type='terminate' condition='remote-stream-error'`, streamErrorPayload(new StreamError('conflict', 'replaced'))), undefined, {
      wrapperDepth: 1,
    });
    const error = el.getChild('error', 'http://etherx.jabber.org/streams')!;
    expect(StreamError.fromElement(error)).toMatchObject({ condition: 'conflict', text: 'replaced' });
  });

  it('writes a terminate with its condition and an escaped reason', () => {
    const el = parseDocument(terminateBody('item-not-found', "no session 'x' <here>"), undefined, { wrapperDepth: 1 });
    expect(el.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
    expect(el.getChildText('text', 'urn:deskchat:bosh:0')).toBe("no session 'x' <here>");
  });
});

describe('terminal conditions and HTTP status (XEP-0124 §17)', () => {
  it('answers 200 to a client that sent ver', () => {
    expect(terminateStatus('item-not-found', false)).toBe(200);
  });

  it('answers the deprecated HTTP codes to a legacy client (§17.1)', () => {
    expect((['bad-request', 'policy-violation', 'item-not-found', 'host-unknown'] as const).map((c) => terminateStatus(c, true))).toEqual([400, 403, 404, 200]);
  });
});

describe('request content types (XEP-0124 §5)', () => {
  it.each([[undefined], ['text/xml; charset=utf-8'], ['application/xml'], ['text/plain;charset=UTF-8'], ['application/x-www-form-urlencoded']])(
    'accepts %s',
    (type) => expect(contentTypeProblem(type)).toBeUndefined(),
  );

  it.each([['application/json'], ['multipart/form-data; boundary=x'], ['text/xml; charset=iso-8859-1']])('refuses %s', (type) => {
    expect(contentTypeProblem(type)).toMatch(/XEP-0124/);
  });
});
