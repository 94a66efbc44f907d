// BOSH request and response bodies (XEP-0124 §7 session creation, §9 requests, §17.1 terminate;
// XEP-0206 §4–§5 XMPP version and stream restart), built as strings and read without a tree.
import { NS_HTTPBIND, NS_XBOSH } from './stanzas.js';
import { ElementSplitter, startTag, tagName, unescapeXml } from './xml-split.js';

export interface SessionRequest {
  rid: number;
  domain: string;
  /** Longest time (s) the server may hold a request (XEP-0124 §7.1). */
  wait: number;
  /** Requests the server may hold at once; 1 keeps one long poll outstanding. */
  hold: number;
}

export function sessionCreateBody(request: SessionRequest): string {
  return (
    `<body content='text/xml; charset=utf-8' hold='${request.hold}' rid='${request.rid}' to='${request.domain}' ver='1.6' wait='${request.wait}'` +
    ` xml:lang='en' xmpp:version='1.0' xmlns='${NS_HTTPBIND}' xmlns:xmpp='${NS_XBOSH}'/>`
  );
}

/** A request carrying zero or more stanzas (XEP-0124 §9). */
export function requestBody(rid: number, sid: string, payload = ''): string {
  const head = `<body rid='${rid}' sid='${sid}' xmlns='${NS_HTTPBIND}'`;
  return payload ? `${head}>${payload}</body>` : `${head}/>`;
}

/** XEP-0206 §5: restart the XMPP stream after SASL. */
export function restartBody(rid: number, sid: string, domain: string): string {
  return `<body rid='${rid}' sid='${sid}' to='${domain}' xml:lang='en' xmpp:restart='true' xmlns='${NS_HTTPBIND}' xmlns:xmpp='${NS_XBOSH}'/>`;
}

/** XEP-0124 §17.1: end the session, optionally with final stanzas. */
export function terminateBody(rid: number, sid: string, payload = ''): string {
  const head = `<body rid='${rid}' sid='${sid}' type='terminate' xmlns='${NS_HTTPBIND}'`;
  return payload ? `${head}>${payload}</body>` : `${head}/>`;
}

export interface ParsedBody {
  attrs: Record<string, string>;
  /** The top-level elements wrapped by the body, as text. */
  children: string[];
}

/** Reads a response `<body/>`; throws when the text is not one. */
export function parseBody(text: string): ParsedBody {
  // The body is the document element: only an XML declaration and whitespace may come before it.
  const lt = /^\s*(?:<\?xml[^>]*\?>\s*)?/.exec(text)![0].length;
  if (!text.startsWith('<body', lt) || tagName(text.slice(lt)) !== 'body') throw new Error(`not a BOSH body: ${JSON.stringify(text.slice(0, 120))}`);
  const tag = startTag(text.slice(lt));
  if (!tag.endsWith('>')) throw new Error('truncated BOSH body');
  const attrs: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w:.-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)) attrs[match[1]] = unescapeXml(match[2] ?? match[3]);
  const children: string[] = [];
  if (!tag.endsWith('/>')) {
    const close = text.lastIndexOf('</body>');
    if (close < 0) throw new Error('BOSH body without </body>');
    const splitter = new ElementSplitter({ element: (element) => children.push(element) });
    splitter.feed(text.slice(lt + tag.length, close));
  }
  return { attrs, children };
}
