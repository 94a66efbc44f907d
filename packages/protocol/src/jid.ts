// RFC 7622 addresses. Parsing never throws: malformed input is `undefined` so callers answer
// `jid-malformed` (RFC 6120 §8.3.3.8) instead of crashing on client input.
import jid, { JID } from '@xmpp/jid';

export { JID };

const MAX_PART = 1023; // RFC 7622 §3.2–3.4: each part is 1..1023 octets.

export function parseJid(value: string | undefined): JID | undefined {
  if (!value || value.length > 3071) return undefined;
  try {
    const parsed = jid(value);
    if (!parsed.domain || parsed.domain.length > MAX_PART || /[\s@/"&'<>]/.test(parsed.domain)) return undefined;
    if (parsed.local && (parsed.local.length > MAX_PART || /[\s"&'/:<>@]/.test(parsed.local))) return undefined;
    if (parsed.resource !== undefined && parsed.resource !== '' && parsed.resource.length > MAX_PART) return undefined;
    if (value.endsWith('/') || value.startsWith('@') || value.includes('@/')) return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/** `user@domain` for a user, lower-cased as @xmpp/jid normalises it. */
export function bareJid(localpart: string, domain: string): JID {
  return new JID(localpart, domain);
}

export function toBare(address: JID): JID {
  return address.bare();
}
