// RFC 6120 §8.1–8.2: checks on a stanza a bound client sends, and `from` stamping (§8.1.2.1).
import type { Element } from '@xmpp/xml';
import { StanzaError, StreamError, parseJid, withAttrs } from '@deskchat/protocol';
import type { Session } from '../session.js';

const IQ_TYPES = new Set(['get', 'set', 'result', 'error']);
const MESSAGE_TYPES = new Set(['chat', 'error', 'groupchat', 'headline', 'normal']);
const PRESENCE_TYPES = new Set(['error', 'probe', 'subscribe', 'subscribed', 'unavailable', 'unsubscribe', 'unsubscribed']);

/**
 * Returns the stanza stamped with the session's full JID as `from`, or undefined when it was
 * refused (an error has then been sent). Throws StreamError for stream-level violations.
 */
export function prepareOutgoing(session: Session, el: Element): Element | undefined {
  const jid = session.jid!;
  // 1. `from`, when present, must be the session's full JID or its bare JID (RFC 6120 §8.1.2.1, §4.9.3.9).
  const from = el.attrs.from;
  if (from !== undefined) {
    const parsed = parseJid(from);
    if (!parsed || !(parsed.equals(jid) || parsed.equals(jid.bare()))) throw new StreamError('invalid-from', 'from does not match the authenticated JID');
  }
  // 2. `type` must be one the stanza kind defines (RFC 6120 §8.2.3, RFC 6121 §5.2.2 / §4.7.1).
  const type = el.attrs.type;
  if (el.name === 'iq') {
    if (!IQ_TYPES.has(type)) return refuse(session, el, 'bad-request', 'iq needs a type of get, set, result or error (RFC 6120 §8.2.3)');
    if (!el.attrs.id) return refuse(session, el, 'bad-request', 'iq needs an id (RFC 6120 §8.2.3)');
    if ((type === 'get' || type === 'set') && el.children.filter((c) => typeof c !== 'string').length !== 1) {
      return refuse(session, el, 'bad-request', 'an iq get or set has exactly one payload (RFC 6120 §8.2.3)');
    }
  } else if (type !== undefined && !(el.name === 'message' ? MESSAGE_TYPES : PRESENCE_TYPES).has(type)) {
    return refuse(session, el, 'bad-request', `unknown ${el.name} type '${type}'`);
  }
  // 3. `to`, when present, must be a valid JID (RFC 6120 §8.3.3.8).
  if (el.attrs.to !== undefined && !parseJid(el.attrs.to)) return refuse(session, el, 'jid-malformed', 'to is not a valid JID');
  return withAttrs(el, { from: jid.toString() });
}

function refuse(session: Session, el: Element, condition: 'bad-request' | 'jid-malformed', text: string): undefined {
  session.replyError(withAttrs(el, { from: session.jid!.toString(), to: undefined }), new StanzaError(condition, text));
  return undefined;
}
