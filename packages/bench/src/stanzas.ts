// Stanzas carry xmlns='jabber:client' explicitly: XEP-0206 §7 requires it inside a BOSH <body/>
// (whose own namespace would otherwise be inherited) and RFC 7395 §3.3.3 frames stand alone.
// The stanzas the load generator sends, as strings (RFC 6120 §4.2 stream header, §6.4.2 SASL
// PLAIN per RFC 4616, §7.6 bind; RFC 6121 presence and messages; XEP-0199 ping; RFC 7395 §3.3.1
// framing), and readers for the few things it needs from replies. Strings are built directly:
// the generator must stay cheaper than the server it measures.
import { NS } from '@deskchat/protocol';
import { attr, childText, escapeXml, hasChild, startTag, tagName } from './xml-split.js';

export const NS_FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
export const NS_HTTPBIND = 'http://jabber.org/protocol/httpbind';
export const NS_XBOSH = 'urn:xmpp:xbosh';

export function streamHeader(domain: string): string {
  return `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xml:lang='en' xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAM}'>`;
}

export function framingOpen(domain: string): string {
  return `<open xmlns='${NS_FRAMING}' to='${domain}' version='1.0' xml:lang='en'/>`;
}

export function framingClose(): string {
  return `<close xmlns='${NS_FRAMING}'/>`;
}

/** SASL PLAIN with an empty authorization identity (RFC 4616 §2). */
export function plainAuth(username: string, password: string): string {
  const message = Buffer.from(`\u0000${username}\u0000${password}`, 'utf8').toString('base64');
  return `<auth xmlns='${NS.SASL}' mechanism='PLAIN'>${message}</auth>`;
}

export function bindIq(id: string, resource?: string): string {
  const inner = resource ? `<resource>${escapeXml(resource)}</resource>` : '';
  return `<iq type='set' id='${id}' xmlns='${NS.CLIENT}'><bind xmlns='${NS.BIND}'>${inner}</bind></iq>`;
}

export function sessionIq(id: string): string {
  return `<iq type='set' id='${id}' xmlns='${NS.CLIENT}'><session xmlns='${NS.SESSION}'/></iq>`;
}

export function rosterGet(id: string): string {
  return `<iq type='get' id='${id}' xmlns='${NS.CLIENT}'><query xmlns='${NS.ROSTER}'/></iq>`;
}

export function pingIq(id: string, to: string): string {
  return `<iq type='get' id='${id}' to='${to}' xmlns='${NS.CLIENT}'><ping xmlns='${NS.PING}'/></iq>`;
}

export function presence(attrs: Record<string, string> = {}, status?: string, show?: string): string {
  const attributes = `${Object.entries(attrs)
    .map(([k, v]) => ` ${k}='${escapeXml(v)}'`)
    .join('')} xmlns='${NS.CLIENT}'`;
  if (status === undefined && show === undefined) return `<presence${attributes}/>`;
  const showXml = show ? `<show>${show}</show>` : '';
  const statusXml = status !== undefined ? `<status>${escapeXml(status)}</status>` : '';
  return `<presence${attributes}>${showXml}${statusXml}</presence>`;
}

export interface Stamp {
  seq: number;
  /** Send time (epoch ms, fractional). */
  sentAt: number;
  /** Which measuring step sent it, so late arrivals are not counted in the next one. */
  step: number;
}

/** The text a bench message body or status carries: `seq sentAt step`. */
export function stampText(stamp: Stamp): string {
  return `${stamp.seq} ${stamp.sentAt.toFixed(3)} ${stamp.step}`;
}

/** A chat message to a full JID whose body carries a stamp. */
export function benchMessage(to: string, stamp: Stamp): string {
  return `<message to='${to}' type='chat' id='b${stamp.seq}' xmlns='${NS.CLIENT}'><body>${stampText(stamp)}</body></message>`;
}

/** The stamp of a bench message body or status text, or undefined when it is not one. */
export function readStamp(text: string | undefined): Stamp | undefined {
  if (!text) return undefined;
  const parts = text.split(' ');
  if (parts.length !== 3) return undefined;
  const [seq, sentAt, step] = parts.map(Number);
  return Number.isFinite(seq) && Number.isFinite(sentAt) && Number.isFinite(step) ? { seq, sentAt, step } : undefined;
}

export function isFeatures(element: string): boolean {
  const name = tagName(element);
  return name === 'stream:features' || name === 'features';
}

export function offersPlain(features: string): boolean {
  return /<mechanism>\s*PLAIN\s*<\/mechanism>/.test(features);
}

/** Whether the features require the RFC 3921 session IQ (offered without `<optional/>`, RFC 6121 errata). */
export function needsSessionIq(features: string): boolean {
  const match = new RegExp(`<session\\s+xmlns=['"]${NS.SESSION}['"]\\s*(?:/>|>([^]*?)</session>)`).exec(features);
  return !!match && !(match[1] ?? '').includes('optional');
}

/** The full JID from a bind result (RFC 6120 §7.6.1), or undefined. */
export function boundJid(element: string): string | undefined {
  return tagName(element) === 'iq' && attr(element, 'type') === 'result' ? childText(element, 'jid') : undefined;
}

export function isStreamError(element: string): boolean {
  return tagName(element) === 'stream:error' || (tagName(element) === 'error' && element.includes(NS.STREAM));
}

/** A short description of a failure element for error messages: its name and its condition. */
export function describeFailure(element: string): string {
  const content = element.slice(startTag(element).length);
  const condition = /<([a-z-]+)\s+xmlns=['"]urn:ietf:params:xml:ns:xmpp-(?:streams|stanzas)['"]/.exec(content) ?? /<([a-z-]+)[\s/>]/.exec(content);
  const text = childText(element, 'text');
  return `${tagName(element)}${condition ? ` (${condition[1]}${text ? `: ${text.slice(0, 160)}` : ''})` : ''}`;
}

export { attr, childText, hasChild, tagName };
