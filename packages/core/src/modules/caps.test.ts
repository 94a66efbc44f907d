// XEP-0115 verification strings, checked against the examples of the spec itself.
import { describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { CAPS_NS, capsVerOf, readCaps } from './caps.js';

const field = (v: string, ...values: string[]) => xml('field', { var: v }, ...values.map((x) => xml('value', {}, x)));

describe('capsVerOf (XEP-0115 §5)', () => {
  it('gives the verification string of the simple example (§5.2)', () => {
    const query = xml(
      'query',
      { xmlns: NS.DISCO_INFO },
      xml('identity', { category: 'client', type: 'pc', name: 'Exodus 0.9.1' }),
      ...['http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items', 'http://jabber.org/protocol/muc', 'http://jabber.org/protocol/caps'].map((v) => xml('feature', { var: v })),
    );
    expect(capsVerOf(query)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('gives the verification string of the complex example with a data form and languages (§5.3)', () => {
    const query = xml(
      'query',
      { xmlns: NS.DISCO_INFO },
      xml('identity', { 'xml:lang': 'en', category: 'client', name: 'Psi 0.11', type: 'pc' }),
      xml('identity', { 'xml:lang': 'el', category: 'client', name: 'Ψ 0.11', type: 'pc' }),
      ...['http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items', 'http://jabber.org/protocol/muc', 'http://jabber.org/protocol/caps'].map((v) => xml('feature', { var: v })),
      xml(
        'x',
        { xmlns: 'jabber:x:data', type: 'result' },
        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:xmpp:dataforms:softwareinfo')),
        field('ip_version', 'ipv4', 'ipv6'),
        field('os', 'Mac'),
        field('os_version', '10.5.1'),
        field('software', 'Psi'),
        field('software_version', '0.11'),
      ),
    );
    expect(capsVerOf(query)).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });

  it('refuses an answer with a duplicate feature or identity, and an unknown hash (§5.4 step 3)', () => {
    const dup = xml('query', { xmlns: NS.DISCO_INFO }, xml('identity', { category: 'client', type: 'pc' }), xml('feature', { var: 'a' }), xml('feature', { var: 'a' }));
    expect(capsVerOf(dup)).toBeUndefined();
    expect(capsVerOf(xml('query', { xmlns: NS.DISCO_INFO }), 'md4')).toBeUndefined();
  });
});

describe('readCaps', () => {
  it('reads hash, ver and node of <c/>, and nothing from legacy caps without a hash', () => {
    expect(readCaps(xml('presence', {}, xml('c', { xmlns: CAPS_NS, hash: 'sha-1', node: 'n', ver: 'v=' })))).toEqual({ hash: 'sha-1', ver: 'v=', node: 'n' });
    expect(readCaps(xml('presence', {}, xml('c', { xmlns: CAPS_NS, node: 'n', ver: '1.0', ext: 'a' })))).toBeUndefined();
    expect(readCaps(xml('presence'))).toBeUndefined();
  });
});
