// RFC 8264 §8–§9: the PRECIS derived property of a code point, computed from Unicode properties
// (JavaScript's \p{…} for General_Category and the binary properties, String.normalize for
// HasCompat, unicode-tables.ts for what regular expressions lack), and the contextual rules of
// RFC 5892 Appendix A that PRECIS reuses (RFC 8264 §9.4, §9.5). No node:* imports: the browser
// gadget prepares identifiers with the same code.
import { BIDI_CLASS_RANGES, JOINING_TYPE_RANGES } from './unicode-tables.js';

export type DerivedProperty = 'PVALID' | 'ID_DIS' | 'CONTEXTJ' | 'CONTEXTO' | 'DISALLOWED' | 'UNASSIGNED';

// RFC 8264 §9.6 Exceptions (the table of RFC 5892 §2.6).
const EXCEPTIONS = new Map<number, DerivedProperty>([
  [0x00df, 'PVALID'], [0x03c2, 'PVALID'], [0x06fd, 'PVALID'], [0x06fe, 'PVALID'], [0x0f0b, 'PVALID'], [0x3007, 'PVALID'],
  [0x00b7, 'CONTEXTO'], [0x0375, 'CONTEXTO'], [0x05f3, 'CONTEXTO'], [0x05f4, 'CONTEXTO'], [0x30fb, 'CONTEXTO'],
  [0x0640, 'DISALLOWED'], [0x07fa, 'DISALLOWED'], [0x302e, 'DISALLOWED'], [0x302f, 'DISALLOWED'], [0x303b, 'DISALLOWED'],
]);
for (let cp = 0x0660; cp <= 0x0669; cp++) EXCEPTIONS.set(cp, 'CONTEXTO');
for (let cp = 0x06f0; cp <= 0x06f9; cp++) EXCEPTIONS.set(cp, 'CONTEXTO');
for (let cp = 0x3031; cp <= 0x3035; cp++) EXCEPTIONS.set(cp, 'DISALLOWED');

const UNASSIGNED = /^\p{Cn}$/u;
const NONCHARACTER = /^\p{Noncharacter_Code_Point}$/u;
const JOIN_CONTROL = /^\p{Join_Control}$/u;
const IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u; // §9.13 PrecisIgnorableProperties
const CONTROL = /^\p{Cc}$/u; // §9.12
const LETTER_DIGITS = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u; // §9.1
const OTHER_LETTER_DIGITS = /^[\p{Lt}\p{Nl}\p{No}\p{Me}]$/u; // §9.18
const SPACES = /^\p{Zs}$/u; // §9.14
const SYMBOLS = /^[\p{Sm}\p{Sc}\p{Sk}\p{So}]$/u; // §9.15
const PUNCTUATION = /^\p{P}$/u; // §9.16

/** §9.9 OldHangulJamo: Hangul_Syllable_Type L, V or T (conjoining jamo). */
const isOldHangulJamo = (cp: number) => (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97c) || (cp >= 0xd7b0 && cp <= 0xd7c6) || (cp >= 0xd7cb && cp <= 0xd7fb);

/** RFC 8264 §8: the derived property; ID_DIS is FREE_PVAL in the FreeformClass. */
export function derivedProperty(cp: number): DerivedProperty {
  const exception = EXCEPTIONS.get(cp);
  if (exception) return exception; // §9.6; BackwardCompatible (§9.7) is empty
  const c = String.fromCodePoint(cp);
  if (UNASSIGNED.test(c) && !NONCHARACTER.test(c)) return 'UNASSIGNED'; // §9.10
  if (cp >= 0x21 && cp <= 0x7e) return 'PVALID'; // §9.11 ASCII7
  if (JOIN_CONTROL.test(c)) return 'CONTEXTJ'; // §9.8
  if (isOldHangulJamo(cp)) return 'DISALLOWED';
  if (IGNORABLE.test(c)) return 'DISALLOWED';
  if (CONTROL.test(c)) return 'DISALLOWED';
  if (c.normalize('NFKC') !== c) return 'ID_DIS'; // §9.17 HasCompat
  if (LETTER_DIGITS.test(c)) return 'PVALID';
  if (OTHER_LETTER_DIGITS.test(c) || SPACES.test(c) || SYMBOLS.test(c) || PUNCTUATION.test(c)) return 'ID_DIS';
  return 'DISALLOWED';
}

/** Sorted [start, end] pairs from the generated tables' compact text. */
function decode(text: string): number[] {
  const out: number[] = [];
  let previous = 0;
  for (const item of text.split(',')) {
    const [delta, length = '0'] = item.split('-');
    const start = previous + parseInt(delta, 36);
    previous = start + parseInt(length, 36);
    out.push(start, previous);
  }
  return out;
}

function inRanges(ranges: number[], cp: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < ranges[mid * 2]) hi = mid - 1;
    else if (cp > ranges[mid * 2 + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

export type BidiClass = keyof typeof BIDI_CLASS_RANGES | 'L';
const bidiTables = Object.entries(BIDI_CLASS_RANGES).map(([name, text]) => [name as BidiClass, decode(text)] as const);
const joiningTables = Object.entries(JOINING_TYPE_RANGES).map(([name, text]) => [name, decode(text)] as const);

/** The Bidi_Class of a code point (assigned code points outside every list are L). */
export function bidiClass(cp: number): BidiClass {
  for (const [name, ranges] of bidiTables) if (inRanges(ranges, cp)) return name;
  return 'L';
}

function joiningType(cp: number): string {
  for (const [name, ranges] of joiningTables) if (inRanges(ranges, cp)) return name;
  return 'U';
}

/**
 * Canonical_Combining_Class 9 (Virama), which regular expressions cannot ask for: canonical ordering
 * puts a mark after one of class 8 (U+3099) and before one of class 10 (U+05B0) exactly when its own
 * class is 9.
 */
function isVirama(cp: number): boolean {
  const x = String.fromCodePoint(cp);
  return `a${x}\u3099`.normalize('NFD') === `a\u3099${x}` && `a\u05b0${x}`.normalize('NFD') === `a${x}\u05b0`;
}

const GREEK = /^\p{Script=Greek}$/u;
const HEBREW = /^\p{Script=Hebrew}$/u;
const KANA_HAN = /^[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]$/u;

/** RFC 5892 Appendix A: whether the CONTEXTJ/CONTEXTO code point at `i` is valid where it stands. */
export function contextAllows(cps: number[], i: number): boolean {
  const cp = cps[i];
  const before = cps[i - 1];
  const after = cps[i + 1];
  const ch = (n: number | undefined) => (n === undefined ? '' : String.fromCodePoint(n));
  switch (cp) {
    case 0x200c: {
      // A.1 ZERO WIDTH NON-JOINER: after a virama, or between joining letters (L|D) T* ZWNJ T* (R|D).
      if (before !== undefined && isVirama(before)) return true;
      let j = i - 1;
      while (j >= 0 && joiningType(cps[j]) === 'T') j--;
      if (j < 0 || !['L', 'D'].includes(joiningType(cps[j]))) return false;
      let k = i + 1;
      while (k < cps.length && joiningType(cps[k]) === 'T') k++;
      return k < cps.length && ['R', 'D'].includes(joiningType(cps[k]));
    }
    case 0x200d: // A.2 ZERO WIDTH JOINER: after a virama
      return before !== undefined && isVirama(before);
    case 0x00b7: // A.3 MIDDLE DOT: between two 'l'
      return before === 0x6c && after === 0x6c;
    case 0x0375: // A.4 GREEK LOWER NUMERAL SIGN: before a Greek character
      return GREEK.test(ch(after));
    case 0x05f3:
    case 0x05f4: // A.5, A.6 HEBREW GERESH / GERSHAYIM: after a Hebrew character
      return HEBREW.test(ch(before));
    case 0x30fb: // A.7 KATAKANA MIDDLE DOT: with Hiragana, Katakana or Han in the string
      return cps.some((c) => c !== 0x30fb && KANA_HAN.test(String.fromCodePoint(c)));
    default:
      if (cp >= 0x0660 && cp <= 0x0669) return !cps.some((c) => c >= 0x06f0 && c <= 0x06f9); // A.8
      if (cp >= 0x06f0 && cp <= 0x06f9) return !cps.some((c) => c >= 0x0660 && c <= 0x0669); // A.9
      return false;
  }
}
