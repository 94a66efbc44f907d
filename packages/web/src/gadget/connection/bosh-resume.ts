// Keeping a BOSH session across a reload of the tab without losing what arrived meanwhile.
// When the page unloads, the browser drops the requests the server is holding; whatever the
// server then writes into them never reaches a page. XEP-0124 §14.3 lets a client send a rid
// again: the server answers a rid it already answered with the same response (it keeps the last
// `requests` + 1), and takes over a rid it still holds. So the new page asks again for every rid
// after the last one whose response was processed, before Strophe carries on at the next rid.
// A request the old page sent that never reached the server is lost with its payload (its rid is
// then processed as an empty request): that window is the time the browser takes to send it.

/** sessionStorage key of the gadget's record of its BOSH session. */
export const SESSION_KEY = 'deskchat.bosh';

export interface SavedBoshSession {
  /** The BOSH URL the session lives on. */
  service: string;
  sid: string;
  /** Every response up to this rid was received and handled by the page. */
  processedRid: number;
}

const HTTPBIND = 'http://jabber.org/protocol/httpbind';
/** More unanswered rids than this cannot be legitimate (Strophe keeps at most two open). */
const MAX_RESEND = 4;

/**
 * Sends rids processedRid+1 … nextRid−1 again (empty, all at once: a held one is answered only when
 * a later request arrives) and returns the stanzas of their responses in rid order.
 */
export async function resendUnprocessed(service: string, sid: string, processedRid: number, nextRid: number): Promise<Element[]> {
  const rids: number[] = [];
  for (let rid = processedRid + 1; rid < nextRid && rids.length < MAX_RESEND; rid++) rids.push(rid);
  const bodies = await Promise.all(rids.map((rid) => post(service, `<body xmlns='${HTTPBIND}' rid='${rid}' sid='${escapeAttr(sid)}'/>`)));
  const stanzas: Element[] = [];
  for (const body of bodies) {
    if (!body || body.getAttribute('type') === 'terminate') continue;
    for (const child of Array.from(body.children)) stanzas.push(child);
  }
  return stanzas;
}

async function post(service: string, body: string): Promise<Element | undefined> {
  try {
    const response = await fetch(service, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body });
    if (!response.ok) return undefined;
    const doc = new DOMParser().parseFromString(await response.text(), 'text/xml');
    const root = doc.documentElement;
    return root && root.localName === 'body' && root.namespaceURI === HTTPBIND ? root : undefined;
  } catch {
    return undefined;
  }
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
}
