// The stanzas the bench sends (RFC 6120 §4.2, §6.4.2, §7.6; RFC 4616; RFC 6121; XEP-0199; RFC 7395)
// and the readers of server replies.
import { describe, it, expect } from '@jest/globals';
import { parse } from 'ltx';
import xml from '@xmpp/xml';
import {
  benchMessage, bindIq, boundJid, describeFailure, framingOpen, isFeatures, isStreamError, needsSessionIq, offersPlain, pingIq, plainAuth, presence, readStamp, stampText, streamHeader,
} from './stanzas.js';

const CLIENT = 'jabber:client';

describe('stanza builders', () => {
  it('opens a client stream to the domain with version 1.0 (RFC 6120 §4.7)', () => {
    const header = streamHeader('localhost');
    const open = parse(`${header.replace("<?xml version='1.0'?>", '')}</stream:stream>`);
    expect(open.attrs).toEqual({ to: 'localhost', version: '1.0', 'xml:lang': 'en', xmlns: CLIENT, 'xmlns:stream': 'http://etherx.jabber.org/streams' });
  });

  it('opens a WebSocket stream with the framing namespace (RFC 7395 §3.3.1)', () => {
    expect(parse(framingOpen('localhost'))).toEqual(xml('open', { xmlns: 'urn:ietf:params:xml:ns:xmpp-framing', to: 'localhost', version: '1.0', 'xml:lang': 'en' }));
  });

  it('authenticates with PLAIN as NUL authcid NUL password with no authzid (RFC 4616 §2)', () => {
    const auth = parse(plainAuth('u1', 'pässword'));
    expect(auth.attrs).toEqual({ xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: 'PLAIN' });
    expect(Buffer.from(auth.getText(), 'base64').toString('utf8')).toBe('\u0000u1\u0000pässword');
  });

  it('binds a chosen resource, escaped, in a jabber:client IQ (RFC 6120 §7.7, XEP-0206 §7)', () => {
    expect(parse(bindIq('b1', 'a<b'))).toEqual(xml('iq', { type: 'set', id: 'b1', xmlns: CLIENT }, xml('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' }, xml('resource', {}, 'a<b'))));
    expect(parse(bindIq('b2'))).toEqual(xml('iq', { type: 'set', id: 'b2', xmlns: CLIENT }, xml('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' })));
  });

  it('pings the server with a XEP-0199 IQ get', () => {
    expect(parse(pingIq('p1', 'localhost'))).toEqual(xml('iq', { type: 'get', id: 'p1', to: 'localhost', xmlns: CLIENT }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  });

  it('builds presence with attributes, show and status (RFC 6121 §4.7)', () => {
    expect(parse(presence())).toEqual(xml('presence', { xmlns: CLIENT }));
    expect(parse(presence({ to: 'b@localhost', type: 'subscribe' }))).toEqual(xml('presence', { to: 'b@localhost', type: 'subscribe', xmlns: CLIENT }));
    expect(parse(presence({}, '1 2 3', 'away'))).toEqual(xml('presence', { xmlns: CLIENT }, xml('show', {}, 'away'), xml('status', {}, '1 2 3')));
  });

  it('stamps a chat message body with its sequence number, send time and step, and reads it back', () => {
    const message = parse(benchMessage('b@localhost/bench', { seq: 7, sentAt: 1700000000123.4567, step: 2 }));
    expect(message.attrs).toEqual({ to: 'b@localhost/bench', type: 'chat', id: 'b7', xmlns: CLIENT });
    expect(readStamp(message.getChildText('body') ?? undefined)).toEqual({ seq: 7, sentAt: 1700000000123.457, step: 2 });
    expect(readStamp(stampText({ seq: 0, sentAt: 5, step: 0 }))).toEqual({ seq: 0, sentAt: 5, step: 0 });
  });

  it('reads no stamp from ordinary text', () => {
    for (const text of [undefined, '', 'hello', 'a b c', '1 2', '1 2 3 4']) expect(readStamp(text)).toBeUndefined();
  });
});

describe('reply readers', () => {
  const features = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>";

  it('recognises stream features and whether PLAIN is offered (RFC 6120 §6.4.1)', () => {
    expect(isFeatures(features)).toBe(true);
    expect(isFeatures("<features xmlns='http://etherx.jabber.org/streams'/>")).toBe(true);
    expect(offersPlain(features)).toBe(true);
    expect(offersPlain(features.replace('<mechanism>PLAIN</mechanism>', ''))).toBe(false);
  });

  it('sends the session IQ only when the server offers it without <optional/> (RFC 3921 §3, RFC 6121 errata)', () => {
    const session = "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'";
    expect(needsSessionIq(`<stream:features>${session}/></stream:features>`)).toBe(true);
    expect(needsSessionIq(`<stream:features>${session}><optional/></session></stream:features>`)).toBe(false);
    expect(needsSessionIq("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>")).toBe(false);
  });

  it('reads the full JID from a bind result and nothing from an error (RFC 6120 §7.6.1)', () => {
    expect(boundJid("<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>u1@localhost/bench</jid></bind></iq>")).toBe('u1@localhost/bench');
    expect(boundJid("<iq type='error' id='bind1'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")).toBeUndefined();
  });

  it('names the condition of SASL failures, stream errors and stanza errors (RFC 6120 §4.9, §6.5, §8.3)', () => {
    expect(describeFailure("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>")).toBe('failure (not-authorized)');
    const streamError = "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
    expect(isStreamError(streamError)).toBe(true);
    expect(describeFailure(streamError)).toBe('stream:error (host-unknown)');
    expect(describeFailure("<iq type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")).toBe('iq (conflict)');
    expect(isStreamError("<iq type='error'><error type='cancel'/></iq>")).toBe(false);
  });
});
