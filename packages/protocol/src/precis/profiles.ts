// The PRECIS profiles XMPP uses (issue #7 §5), enforced as RFC 8264 §7 orders the rules:
//   UsernameCaseMapped (RFC 8265 §3.3–3.4) for usernames and JID localparts (RFC 7622 §3.3);
//   OpaqueString (RFC 8265 §4.2) for passwords and JID resourceparts (RFC 7622 §3.4).
// Each returns the enforced string, or undefined when the input is not allowed (a JID is then
// jid-malformed, a username or password refused). Pure and browser-safe.
import { bidiClass, contextAllows, derivedProperty } from './derived-property.js';

/** Printable ASCII without space: every rule is the identity on it but the case mapping. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const NON_ASCII_SPACE = /[\p{Zs}]/gu;

/** RFC 8265 §3.3.1 width mapping: fullwidth and halfwidth forms to their decomposition (the <wide>/<narrow> ones). */
function mapWidth(s: string): string {
  return s.replace(/[\u3000\uff01-\uffee]/g, (c) => c.normalize('NFKC'));
}

/** RFC 8264 §9.1, §9.2: every code point allowed by the string class, contextual ones in context. */
function isInClass(s: string, isFreeform: boolean): boolean {
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  for (let i = 0; i < cps.length; i++) {
    const property = derivedProperty(cps[i]);
    if (property === 'PVALID' || (isFreeform && property === 'ID_DIS')) continue;
    if ((property === 'CONTEXTJ' || property === 'CONTEXTO') && contextAllows(cps, i)) continue;
    return false;
  }
  return true;
}

/**
 * RFC 5893 §2 (the Bidi Rule), for strings with right-to-left characters (R, AL or AN), as
 * RFC 8265 §3.3.5 asks of usernames. A left-to-right string is left alone.
 */
export function passesBidiRule(s: string): boolean {
  const classes = Array.from(s, (c) => bidiClass(c.codePointAt(0)!));
  if (!classes.some((c) => c === 'R' || c === 'AL' || c === 'AN')) return true;
  // 1. The first character is R or AL (an LTR first character in an RTL string fails here).
  if (classes[0] !== 'R' && classes[0] !== 'AL') return false;
  // 2. Only R, AL, AN, EN, ES, CS, ET, ON, BN and NSM.
  if (!classes.every((c) => ['R', 'AL', 'AN', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM'].includes(c))) return false;
  // 3. It ends with R, AL, EN or AN, then any NSM.
  let end = classes.length - 1;
  while (end > 0 && classes[end] === 'NSM') end--;
  if (!['R', 'AL', 'EN', 'AN'].includes(classes[end])) return false;
  // 4. Not both EN and AN.
  return !(classes.includes('EN') && classes.includes('AN'));
}

function enforceUsername(input: string): string | undefined {
  // 1. width mapping; 2. no additional mapping; 3. case mapping (toLowerCase); 4. NFC.
  return mapWidth(input).toLowerCase().normalize('NFC');
}

/** RFC 8265 §3.3–3.4 UsernameCaseMapped: the enforced username, or undefined when it is not allowed. */
export function prepareUsername(input: string): string | undefined {
  if (PRINTABLE_ASCII.test(input)) return input.toLowerCase();
  const once = enforceUsername(input);
  // RFC 8264 §7: the result must be stable (a second pass changes nothing) and non-empty.
  if (!once || enforceUsername(once) !== once) return undefined;
  // 5. Directionality, then the IdentifierClass behavioural rule (RFC 8265 §3.3.2, §3.3.5).
  if (!passesBidiRule(once) || !isInClass(once, false)) return undefined;
  return once;
}

function enforceOpaque(input: string): string {
  // 1. no width mapping; 2. non-ASCII spaces to U+0020; 3. no case mapping; 4. NFC.
  return input.replace(NON_ASCII_SPACE, ' ').normalize('NFC');
}

/** RFC 8265 §4.2 OpaqueString: the enforced string, or undefined when it is not allowed (no directionality rule). */
export function prepareOpaqueString(input: string): string | undefined {
  if (PRINTABLE_ASCII.test(input)) return input;
  const once = enforceOpaque(input);
  if (!once || enforceOpaque(once) !== once) return undefined;
  return isInClass(once, true) ? once : undefined;
}

/** RFC 7622 §3.3.1: besides UsernameCaseMapped, a localpart may not contain " & ' / : < > @. */
const LOCALPART_EXCLUDED = /["&'/:<>@]/;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** RFC 7622 §3.3: a prepared localpart of 1..1023 octets, or undefined. */
export function prepareLocalpart(input: string): string | undefined {
  const local = prepareUsername(input);
  if (local === undefined || LOCALPART_EXCLUDED.test(local) || utf8Length(local) > 1023) return undefined;
  return local;
}

/** RFC 7622 §3.4: a prepared resourcepart (OpaqueString) of 1..1023 octets, or undefined. */
export function prepareResourcepart(input: string): string | undefined {
  const resource = prepareOpaqueString(input);
  if (resource === undefined || utf8Length(resource) > 1023) return undefined;
  return resource;
}
