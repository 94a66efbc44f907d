// Issue #7 §5 through the in-process harness: addresses, resources and usernames are prepared with
// PRECIS (RFC 7622 §3.3–3.4, RFC 8265), and a stream error quotes at most a short prefix of what
// the client sent.
import { describe, it, expect } from '@jest/globals';
import xml from '@xmpp/xml';
import { MAX_ERROR_TEXT, NS, StreamError } from '@deskchat/protocol';
import { FakeTransport, Harness, isStanzaError } from '@deskchat/testing';
import { isValidUsername, normalizeUsername } from './username.js';

describe('PRECIS identifiers (RFC 7622, RFC 8265)', () => {
  it('answers jid-malformed to a stanza for "a b@localhost" (RFC 7622 §3.3: no space in a localpart)', async () => {
    const harness = await Harness.create();
    await harness.addUser('alice');
    const alice = await harness.connect('alice');
    await alice.send(xml('message', { to: 'a b@localhost', type: 'chat', id: 'm1' }, xml('body', {}, 'hi')));
    expect(isStanzaError(await alice.next((el) => el.attrs.id === 'm1'), 'jid-malformed')).toBe(true);
  });

  it.each([['de\u200Bsk'], ['\u202Edesk'], ['a\u0007b']])('refuses to bind the resource %j with bad-request (RFC 7622 §3.4, OpaqueString)', async (resource) => {
    const harness = await Harness.create();
    await harness.addUser('alice');
    await expect(harness.connect('alice', { resource })).rejects.toThrow(/bad-request/);
  });

  it('binds a resource prepared with OpaqueString (NFC, non-ASCII spaces mapped)', async () => {
    const harness = await Harness.create();
    await harness.addUser('alice');
    const alice = await harness.connect('alice', { resource: 'Cafe\u0301\u00a0Desk' });
    expect(alice.jid.resource).toBe('Caf\u00e9 Desk');
  });

  it('refuses usernames with U+200B or U+202E, and case- and width-maps the others (RFC 8265 §3.3)', () => {
    expect(isValidUsername('ali\u200Bce')).toBe(false);
    expect(isValidUsername('\u202Eecila')).toBe(false);
    expect(isValidUsername('a b')).toBe(false);
    expect(normalizeUsername('ＡＬＩＣＥ')).toBe('alice');
  });
});

describe('echoes of client text (issue #7 §5)', () => {
  it(`quotes at most ${MAX_ERROR_TEXT} characters of a 200 KB element name in the stream error`, async () => {
    const harness = await Harness.create();
    const transport = new FakeTransport();
    const session = harness.core.createSession(transport);
    await session.onStreamOpen({ to: 'localhost', version: '1.0', xmlns: NS.CLIENT });
    await session.onElement(xml('x'.repeat(200_000)));
    const error = transport.closedWith as StreamError;
    expect(error.condition).toBe('unsupported-stanza-type');
    expect(error.text!.length).toBeLessThanOrEqual(MAX_ERROR_TEXT);
    expect(error.toElement().toString().length).toBeLessThan(1000);
  });
});
