// XEP-0198 (urn:xmpp:sm:3) elements the server writes: the stream feature (§2), <enabled/> (§3),
// <failed/> with a stanza error condition (§6), <resumed/> (§5), <r/> and <a/> (§4), and the
// <handled-count-too-high/> application condition of the undefined-condition stream error (§6).
import xml, { type Element } from '@xmpp/xml';
import { NS, StreamError, type StanzaErrorCondition } from '@deskchat/protocol';

export const SM_NS = NS.SM;

/** §2: offered after authentication, beside <bind/> (1.6.3: no <optional/> or <required/> child). */
export const smFeature = (): Element => xml('sm', { xmlns: SM_NS });

export function enabledElement(attrs: { id?: string; max?: number }): Element {
  const out: Record<string, string> = { xmlns: SM_NS };
  if (attrs.id) {
    out.id = attrs.id;
    out.resume = 'true';
  }
  if (attrs.max !== undefined) out.max = String(attrs.max);
  return xml('enabled', out);
}

/** §6: <failed/> carries one stanza error condition (RFC 6120 §8.3.3); `h` when the server knows it (§5). */
export function failedElement(condition: StanzaErrorCondition, options: { h?: number; extra?: Element } = {}): Element {
  const attrs: Record<string, string> = { xmlns: SM_NS };
  if (options.h !== undefined) attrs.h = String(options.h);
  return xml('failed', attrs, xml(condition, { xmlns: NS.STANZA_ERRORS }), ...(options.extra ? [options.extra] : []));
}

export const resumedElement = (previd: string, h: number): Element => xml('resumed', { xmlns: SM_NS, previd, h: String(h) });
export const ackElement = (h: number): Element => xml('a', { xmlns: SM_NS, h: String(h) });
export const requestElement = (): Element => xml('r', { xmlns: SM_NS });

export const handledCountTooHigh = (h: number, sent: number): Element => xml('handled-count-too-high', { xmlns: SM_NS, h: String(h), 'send-count': String(sent) });

/** §6: the peer acknowledged more stanzas than it was sent. */
export function handledCountTooHighError(h: number, sent: number): StreamError {
  return new StreamError('undefined-condition', `you acknowledged ${h} stanzas, but only ${sent} were sent (XEP-0198 §6)`, undefined, handledCountTooHigh(h, sent));
}
