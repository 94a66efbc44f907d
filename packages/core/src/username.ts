// Usernames are XMPP localparts (RFC 7622 §3.3), stored lower-cased so that lookups are case-insensitive.
const FORBIDDEN = /[\s"&'/:<>@\u0000-\u001f\u007f]/;

export function normalizeUsername(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

export function isValidUsername(value: string): boolean {
  const normalized = normalizeUsername(value);
  return normalized.length >= 1 && Buffer.byteLength(normalized) <= 1023 && !FORBIDDEN.test(normalized);
}
