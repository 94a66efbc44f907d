// Response bodies (XEP-0124 §6–§8, §17; XEP-0206 §5) and outgoing payloads for BOSH and WebSocket
// (RFC 7395 §3.3.3) as strings: each element is serialised once, when it is sent, and a buffered
// response is the exact string sent the first time (§14.3).
import { escapeXML, type Element } from '@xmpp/xml';
import { NS, boundedText, type StreamError } from '@deskchat/protocol';
import { BOSH_TEXT_NS, HTTPBIND_NS } from './constants.js';
import type { TerminalCondition } from './conditions.js';

const OPEN = `<body xmlns='${HTTPBIND_NS}'`;
export const EMPTY_BODY = `${OPEN}/>`;

/** `attrs` is pre-rendered (` name='value'`…); `payload` the serialised children. */
export function buildBody(attrs: string, payload: string): string {
  if (attrs === '' && payload === '') return EMPTY_BODY;
  return payload === '' ? `${OPEN}${attrs}/>` : `${OPEN}${attrs}>${payload}</body>`;
}

/** Renders attributes with values escaped, skipping undefined ones. */
export function renderAttrs(attrs: Record<string, string | number | undefined>): string {
  let out = '';
  for (const name in attrs) {
    const value = attrs[name];
    if (value !== undefined) out += ` ${name}='${escapeXML(String(value))}'`;
  }
  return out;
}

/**
 * One top-level element as it must appear outside a `<stream:stream>`: a stanza carries
 * xmlns='jabber:client' (XEP-0206 §5, RFC 7395 §3.3.3) and a `stream:` element declares its prefix.
 * The shared element is not modified (the same stanza may go to a TCP session too).
 */
export function serializePayload(el: Element): string {
  const text = el.toString();
  const name = el.name;
  let declaration = '';
  if (name.startsWith('stream:')) {
    if (el.attrs['xmlns:stream'] === undefined) declaration = ` xmlns:stream='${NS.STREAM}'`;
  } else if (el.attrs.xmlns === undefined && !name.includes(':')) {
    declaration = ` xmlns='${NS.CLIENT}'`;
  }
  return declaration === '' ? text : `<${name}${declaration}${text.slice(name.length + 1)}`;
}

/** `type='terminate'` with its condition (XEP-0124 §13, §17.2). */
export function terminateAttrs(condition?: TerminalCondition): string {
  return condition ? ` type='terminate' condition='${condition}'` : ` type='terminate'`;
}

/** A human-readable reason inside a terminate body (the schema allows elements of other namespaces). */
export function reasonElement(text: string | undefined): string {
  return text ? `<text xmlns='${BOSH_TEXT_NS}'>${escapeXML(boundedText(text)!)}</text>` : '';
}

/** XEP-0206 §5 / XEP-0124 §17.2: a stream error travels inside a remote-stream-error terminate. */
export function streamErrorPayload(error: StreamError): string {
  return serializePayload(error.toElement());
}

/** XEP-0124 §17.2 see-other-uri: where the client should POST instead. */
export function uriElement(uri: string): string {
  return `<uri>${escapeXML(uri)}</uri>`;
}

/** A terminate response for a request that belongs to no session. */
export function terminateBody(condition: TerminalCondition, text?: string, uri?: string): string {
  return buildBody(terminateAttrs(condition), (uri ? uriElement(uri) : '') + reasonElement(text));
}
