// RFC 7622 addresses. Parsing never throws: malformed input is `undefined` so callers answer
// `jid-malformed` (RFC 6120 §8.3.3.8) instead of crashing on client input. Localparts are prepared
// with PRECIS UsernameCaseMapped and resourceparts with OpaqueString (RFC 7622 §3.3–3.4, issue
// #7 §5): look-alike names (U+200B, U+202E, …) are refused, and nothing is silently escaped —
// `a b@localhost` is malformed, not `a\20b@localhost`.
import { JID, detectEscape } from '@xmpp/jid';
import { prepareLocalpart, prepareResourcepart } from './precis/profiles.js';

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

/**
 * A parsed JID that keeps its bare JID: routing asks most JIDs for `bare()` several times per
 * message, and @xmpp/jid builds a new JID each time, running its escaping detection again (6–9 %
 * of a node's time under load, measured). Safe because parsed JIDs are immutable (above).
 */
class ParsedJid extends JID {
  override bare(): JID {
    let bare = bareOf.get(this);
    if (!bare) bareOf.set(this, (bare = super.bare()));
    return bare;
  }
}
/** Outside the objects: a JID compares equal (`toEqual`, deep equality) whether or not it was asked. */
const bareOf = new WeakMap<JID, JID>();

/**
 * Nearly every JID a node parses is in its own domain: the parsed JIDs share that one string rather
 * than each keeping a copy (a node keeps a few JIDs per signed-in session).
 */
let lastDomain = '';
function sameDomain(domain: string): string {
  if (domain === lastDomain) return lastDomain;
  lastDomain = domain;
  return domain;
}

function parseUncached(value: string): JID | undefined {
  if (value.length > 3071) return undefined;
  // RFC 7622 §3.1: the resourcepart follows the first '/'; the localpart precedes the first '@' before it.
  const slash = value.indexOf('/');
  const bare = slash < 0 ? value : value.slice(0, slash);
  const at = bare.indexOf('@');
  const domain = sameDomain((at < 0 ? bare : bare.slice(at + 1)).toLowerCase());
  if (!domain || domain.length > MAX_PART || /[\s@/"&'<>\\]/.test(domain)) return undefined;
  let local: string | undefined;
  if (at >= 0) {
    local = prepareLocalpart(bare.slice(0, at));
    if (local === undefined) return undefined; // includes an empty localpart ("@domain")
  }
  let resource: string | undefined;
  if (slash >= 0) {
    resource = prepareResourcepart(value.slice(slash + 1));
    if (resource === undefined) return undefined; // includes an empty resourcepart ("domain/")
  }
  // @xmpp/jid XEP-0106-escapes a localpart with a backslash that starts no escape sequence (every
  // other character it escapes is refused above); such a JID would not stay the same through
  // `bare()`, so it is refused too — a deliberate restriction beyond RFC 7622.
  if (local !== undefined && detectEscape(local)) return undefined;
  return new ParsedJid(local, domain, resource);
}

/** `user@domain` for a user, lower-cased as @xmpp/jid normalises it. */
export function bareJid(localpart: string, domain: string): JID {
  return new JID(localpart, domain);
}

export function toBare(address: JID): JID {
  return address.bare();
}
