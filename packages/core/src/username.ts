// Usernames are JID localparts prepared with PRECIS UsernameCaseMapped (RFC 8265 §3.3, RFC 7622
// §3.3): width- and case-mapped and NFC, so that lookups are case-insensitive and look-alike names
// (U+200B, U+202E, …) cannot be created (issue #7 §5).
import { prepareLocalpart } from '@deskchat/protocol';

/** The prepared username; for a value that is not one (check `isValidUsername` first), its lower case. */
export function normalizeUsername(value: string): string {
  return prepareLocalpart(value) ?? value.toLowerCase();
}

export function isValidUsername(value: string): boolean {
  return prepareLocalpart(value) !== undefined;
}
