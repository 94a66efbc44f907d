// RFC 7622 addresses. Parsing never throws: malformed input is `undefined` so callers answer
// `jid-malformed` (RFC 6120 §8.3.3.8) instead of crashing on client input.
import jid, { JID } from '@xmpp/jid';

export { JID };

const MAX_PART = 1023; // RFC 7622 §3.2–3.4: each part is 1..1023 octets.

/**
 * Parsed JIDs by string: every stanza carries a few, and @xmpp/jid's escaping detection made JID
 * parsing the largest single cost of routing a message. Bounded; the cached objects are shared,
 * so callers must treat JIDs as immutable (nothing here calls their setters).
 */
const cache = new Map<string, JID | null>();
const CACHE_SIZE = 20_000;

export function parseJid(value: string | undefined): JID | undefined {
  if (!value) return undefined;
  const cached = cache.get(value);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parseUncached(value);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(value, parsed ?? null);
  return parsed;
}

function parseUncached(value: string): JID | undefined {
  if (value.length > 3071) return undefined;
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
