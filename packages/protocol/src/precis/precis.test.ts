// PRECIS (RFC 8264) as XMPP uses it: the examples of RFC 8265 §3.5 (UsernameCaseMapped), §4.3
// (OpaqueString) and RFC 7622 §3.5 (JIDs), the derived property rules of RFC 8264 §8, the Bidi
// Rule of RFC 5893 §2, and the look-alike names of issue #7 §5.
import { describe, it, expect } from '@jest/globals';
import { parseJid } from '../jid.js';
import { bidiClass, derivedProperty } from './derived-property.js';
import { passesBidiRule, prepareLocalpart, prepareOpaqueString, prepareResourcepart, prepareUsername } from './profiles.js';

describe('derived property (RFC 8264 §8)', () => {
  it.each([
    [0x61, 'PVALID', 'ASCII7 (§9.11)'],
    [0x20, 'ID_DIS', 'SPACE is in Spaces (§9.14), not ASCII7'],
    [0x00df, 'PVALID', 'ß is an exception (§9.6)'],
    [0x03c2, 'PVALID', 'final sigma is an exception (§9.6)'],
    [0x0640, 'DISALLOWED', 'ARABIC TATWEEL is an exception (§9.6)'],
    [0x00b7, 'CONTEXTO', 'MIDDLE DOT (§9.6)'],
    [0x200c, 'CONTEXTJ', 'ZERO WIDTH NON-JOINER (§9.8)'],
    [0x200b, 'DISALLOWED', 'ZERO WIDTH SPACE is Default_Ignorable (§9.13)'],
    [0x202e, 'DISALLOWED', 'RIGHT-TO-LEFT OVERRIDE is Default_Ignorable (§9.13)'],
    [0x1100, 'DISALLOWED', 'old Hangul jamo (§9.9)'],
    [0x0007, 'DISALLOWED', 'a control (§9.12)'],
    [0x2163, 'ID_DIS', 'ROMAN NUMERAL FOUR has a compatibility decomposition (§9.17)'],
    [0xff21, 'ID_DIS', 'FULLWIDTH LATIN CAPITAL A has a compatibility decomposition (§9.17)'],
    [0x265a, 'ID_DIS', 'BLACK CHESS KING is a symbol (§9.15)'],
    [0x03c0, 'PVALID', 'π is a letter (§9.1)'],
    [0x0378, 'UNASSIGNED', 'an unassigned Greek code point (§9.10)'],
    [0xfdd0, 'DISALLOWED', 'a noncharacter is not Unassigned but PrecisIgnorable (§9.10, §9.13)'],
  ])('U+%s is %s: %s', (cp, expected) => {
    expect(derivedProperty(cp)).toBe(expected);
  });

  it('reads Bidi_Class from the generated tables (RFC 5893 uses it)', () => {
    expect(bidiClass(0x05d0)).toBe('R'); // HEBREW LETTER ALEF
    expect(bidiClass(0x0627)).toBe('AL'); // ARABIC LETTER ALEF
    expect(bidiClass(0x0661)).toBe('AN'); // ARABIC-INDIC DIGIT ONE
    expect(bidiClass(0x0031)).toBe('EN');
    expect(bidiClass(0x0301)).toBe('NSM');
    expect(bidiClass(0x0061)).toBe('L');
  });
});

describe('UsernameCaseMapped (RFC 8265 §3.5)', () => {
  it.each([
    ['juliet@example.com', 'juliet@example.com'], // §3.5 #1: '@' is allowed by the profile (not in a JID localpart)
    ['fussball', 'fussball'],
    ['fußball', 'fußball'], // ß is kept, not mapped to ss
    ['π', 'π'],
    ['Σ', 'σ'], // case mapping
    ['σ', 'σ'],
    ['ς', 'ς'], // final sigma stays distinct
    ['ＪＵＬＩＥＴ', 'juliet'], // width mapping, then case mapping
    ['Juliet', 'juliet'],
  ])('prepares %s as %s', (input, expected) => {
    expect(prepareUsername(input)).toBe(expected);
  });

  it.each([
    ['', 'zero-length (§3.3.3)'],
    [' ', 'a space'],
    ['foo bar', 'a space inside (§3.5 #10)'],
    ['henryⅣ', 'ROMAN NUMERAL FOUR (§3.5 #13: HasCompat)'],
    ['♚', 'a symbol (§3.5 #14)'],
    ['ali\u200Bce', 'U+200B ZERO WIDTH SPACE (issue #7 §5)'],
    ['\u202Eecila', 'U+202E RIGHT-TO-LEFT OVERRIDE (issue #7 §5)'],
    ['a\u0007b', 'a control'],
    ['\u05d0a', 'an RTL string with a left-to-right letter (RFC 5893 rule 2)'],
    ['a\u05d0', 'a string starting with L that contains R (RFC 5893 rule 1)'],
  ])('refuses %j: %s', (input) => {
    expect(prepareUsername(input)).toBeUndefined();
  });

  it('accepts right-to-left names that follow the Bidi Rule (RFC 5893 §2)', () => {
    expect(prepareUsername('\u05e9\u05dc\u05d5\u05dd')).toBe('\u05e9\u05dc\u05d5\u05dd'); // Hebrew
    expect(prepareUsername('\u0633\u0644\u0627\u0645')).toBe('\u0633\u0644\u0627\u0645'); // Arabic
    expect(passesBidiRule('\u05d0\u05d11')).toBe(true); // ends with EN
    expect(passesBidiRule('\u0627\u0661\u0031')).toBe(false); // EN and AN together (rule 4)
  });

  it('allows ZERO WIDTH JOINER only after a virama (RFC 5892 A.2)', () => {
    expect(prepareUsername('\u0915\u094d\u200d\u0937')).toBe('\u0915\u094d\u200d\u0937'); // Devanagari KA, VIRAMA, ZWJ, SSA
    expect(prepareUsername('ab\u200dc')).toBeUndefined();
  });

  it('allows MIDDLE DOT only between two l (RFC 5892 A.3)', () => {
    expect(prepareUsername('l·l')).toBe('l·l');
    expect(prepareUsername('a·b')).toBeUndefined();
  });
});

describe('OpaqueString (RFC 8265 §4.3)', () => {
  it.each([
    ['correct horse battery staple', 'correct horse battery staple'],
    ['Correct Horse Battery Staple', 'Correct Horse Battery Staple'], // no case mapping
    ['πßå', 'πßå'],
    ['Jack of ♦s', 'Jack of ♦s'], // symbols are allowed in the FreeformClass
    ['foo\u1680bar', 'foo bar'], // OGHAM SPACE MARK mapped to SPACE
    ['ＡＢＣ', 'ＡＢＣ'], // no width mapping
    ['e\u0301', 'é'], // NFC
  ])('prepares %j as %j', (input, expected) => {
    expect(prepareOpaqueString(input)).toBe(expected);
  });

  it.each([
    ['', 'zero-length'],
    ['my cat is a \u0009by', 'a control (§4.3 #7)'],
    ['pass\u200Bword', 'U+200B'],
  ])('refuses %j: %s', (input) => {
    expect(prepareOpaqueString(input)).toBeUndefined();
  });
});

describe('JID parts (RFC 7622 §3.3–3.5)', () => {
  it.each([
    'juliet@example.com',
    'juliet@example.com/foo',
    'juliet@example.com/foo bar',
    'juliet@example.com/foo@bar',
    'foo\\20bar@example.com',
    'fussball@example.com',
    'fußball@example.com',
    'π@example.com',
    'π@example.com/Σ',
    'π@example.com/σ',
    'π@example.com/ς',
    'king@example.com/♚',
    'example.com',
    'example.com/foobar',
    'a.example.com/b@example.net',
  ])('parses the valid example %s', (text) => {
    expect(parseJid(text)?.toString()).toBe(text);
  });

  it.each([
    ['"juliet"@example.com', 'quotes in a localpart'],
    ['foo bar@example.com', 'a space in a localpart'],
    ['a b@localhost', 'a space in a localpart (issue #7 §5)'],
    ['@example.com/', 'empty localpart and resourcepart'],
    ['henryⅣ@example.com', 'HasCompat in a localpart'],
    ['♚@example.com', 'a symbol in a localpart'],
    ['juliet@', 'no domainpart'],
    ['/foobar', 'no domainpart'],
    ['ali\u200Bce@localhost', 'U+200B in a localpart'],
    ['alice@localhost/de\u200Bsk', 'U+200B in a resourcepart'],
    ['alice@localhost/\u202Edesk', 'U+202E in a resourcepart'],
  ])('refuses %j: %s', (text) => {
    expect(parseJid(text)).toBeUndefined();
  });

  it('case-maps the localpart but not the resourcepart', () => {
    expect(parseJid('Juliet@Example.com/Balcony')?.toString()).toBe('juliet@example.com/Balcony');
    expect(prepareLocalpart('ＪＵＬＩＥＴ')).toBe('juliet');
    expect(prepareResourcepart('Balcony\u3000Seat')).toBe('Balcony Seat');
  });
});
