import { describe, expect, it } from '@jest/globals';
import { parseJid } from '@deskchat/protocol';
import { isBlockedBy, matchForms } from './block-match.js';

const jid = (s: string) => parseJid(s)!;

describe('XEP-0191 §3.2 / XEP-0016 §2.1 JID matching', () => {
  it('lists the forms of a full JID in the order full, bare, domain/resource, domain', () => {
    expect(matchForms(jid('Romeo@Example.net/Orchard'))).toEqual(['romeo@example.net/Orchard', 'romeo@example.net', 'example.net/Orchard', 'example.net']);
    expect(matchForms(jid('example.net'))).toEqual(['example.net']);
  });

  it('a bare item blocks every resource; a full item only its resource; a domain item everyone there', () => {
    expect(isBlockedBy(['romeo@example.net'], jid('romeo@example.net/orchard'))).toBe(true);
    expect(isBlockedBy(['romeo@example.net/orchard'], jid('romeo@example.net/balcony'))).toBe(false);
    expect(isBlockedBy(['romeo@example.net/orchard'], jid('romeo@example.net/orchard'))).toBe(true);
    expect(isBlockedBy(['romeo@example.net/orchard'], jid('romeo@example.net'))).toBe(false);
    expect(isBlockedBy(['example.net'], jid('nurse@example.net/x'))).toBe(true);
    expect(isBlockedBy(['example.net/orchard'], jid('nurse@example.net/orchard'))).toBe(true);
    expect(isBlockedBy(['example.net/orchard'], jid('nurse@example.net/x'))).toBe(false);
    expect(isBlockedBy(['example.net'], jid('example.org'))).toBe(false);
    expect(isBlockedBy([], jid('romeo@example.net'))).toBe(false);
  });
});
