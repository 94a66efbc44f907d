// Readers for the file-transfer stanzas the gadget interprets (docs/files.md): the upload service's
// disco#info (XEP-0363 §2 with its XEP-0128 forms: max-file-size, and the type lists of
// urn:deskchat:file-policy:0), a slot (§4), an offer (XEP-0066 out-of-band data with XEP-0446 file
// metadata, or out-of-band data alone) and DeskChat's <decline/>. They take any DOM-like element
// (Strophe's in the page, @xmldom/xmldom's in unit tests), so nothing here needs a browser.
import type { UploadPolicy } from '../model/file-policy.js';

export const FILE_NS = {
  UPLOAD: 'urn:xmpp:http:upload:0',
  POLICY: 'urn:deskchat:file-policy:0',
  OOB: 'jabber:x:oob',
  METADATA: 'urn:xmpp:file:metadata:0',
  DECLINE: 'urn:deskchat:file-offer:0',
  DISCO_INFO: 'http://jabber.org/protocol/disco#info',
  DISCO_ITEMS: 'http://jabber.org/protocol/disco#items',
  DATA: 'jabber:x:data',
} as const;

/** What these readers use of a DOM element. */
export interface XmlElement {
  readonly localName: string | null;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  readonly children: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
}

function kids(el: XmlElement, name: string, ns?: string): XmlElement[] {
  return Array.from(el.children).filter((c) => c.localName === name && (ns === undefined || c.namespaceURI === ns));
}

function text(el: XmlElement, name: string, ns?: string): string | undefined {
  const c = kids(el, name, ns)[0];
  return c ? (c.textContent ?? '').trim() : undefined;
}

/**
 * Only web addresses are taken as files: never javascript:, data: or anything a link could run.
 * Kept as written (not normalized): a decline names the URL exactly as the server made it.
 */
function webUrl(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

export interface UploadServiceInfo {
  /** Transfers are enabled (the feature is listed); while disabled the server leaves it out. */
  isEnabled: boolean;
  policy: UploadPolicy;
}

/**
 * An XEP-0363 service's disco#info <query/>, or undefined for anything else. A service that lists
 * the store/file identity without the feature is one whose administrator disabled transfers.
 */
export function readUploadService(query: XmlElement): UploadServiceInfo | undefined {
  const isEnabled = kids(query, 'feature').some((f) => f.getAttribute('var') === FILE_NS.UPLOAD);
  const isStore = kids(query, 'identity').some((i) => i.getAttribute('category') === 'store' && i.getAttribute('type') === 'file');
  if (!isEnabled && !isStore) return undefined;
  const upload = formOf(query, FILE_NS.UPLOAD);
  const types = formOf(query, FILE_NS.POLICY);
  const max = Number.parseInt(upload?.get('max-file-size')?.[0] ?? '', 10);
  return {
    isEnabled,
    policy: {
      ...(Number.isFinite(max) && max >= 0 ? { maxBytes: max } : {}),
      allowedTypes: (types?.get('allowed-types') ?? []).map((t) => t.toLowerCase()),
      refusedTypes: (types?.get('refused-types') ?? []).map((t) => t.toLowerCase()),
    },
  };
}

/** The fields (var → values) of the XEP-0128 form with this FORM_TYPE. */
function formOf(query: XmlElement, formType: string): Map<string, string[]> | undefined {
  for (const form of kids(query, 'x', FILE_NS.DATA)) {
    const fields = new Map(kids(form, 'field').map((f) => [f.getAttribute('var') ?? '', kids(f, 'value').map((v) => (v.textContent ?? '').trim())]));
    if (fields.get('FORM_TYPE')?.[0] === formType) return fields;
  }
  return undefined;
}

export interface Slot {
  put: string;
  get: string;
  /** The headers §4 lets the service ask for on the PUT (the others are dropped, as the XEP says). */
  headers: Record<string, string>;
}

const PUT_HEADERS = new Set(['authorization', 'cookie', 'expires']);

/** XEP-0363 §4: the <slot/> of a result. */
export function readSlot(slot: XmlElement): Slot | undefined {
  const put = kids(slot, 'put')[0];
  const get = webUrl(kids(slot, 'get')[0]?.getAttribute('url'));
  const putUrl = webUrl(put?.getAttribute('url'));
  if (!put || !putUrl || !get) return undefined;
  const headers: Record<string, string> = {};
  for (const header of kids(put, 'header')) {
    const name = header.getAttribute('name') ?? '';
    if (PUT_HEADERS.has(name.toLowerCase())) headers[name] = (header.textContent ?? '').replace(/[\r\n]/g, '');
  }
  return { put: putUrl, get, headers };
}

export interface FileOffer {
  url: string;
  name: string;
  size?: number;
  type?: string;
}

/**
 * An offer: the first http(s) URL of XEP-0066 out-of-band data, named by XEP-0446 metadata or, when
 * there is none, by the URL's last path segment (what upload services put there).
 */
export function readFileOffer(message: XmlElement): FileOffer | undefined {
  const url = kids(message, 'x', FILE_NS.OOB)
    .map((x) => webUrl(text(x, 'url')))
    .find((u) => u !== undefined);
  if (!url) return undefined;
  const meta = kids(message, 'file', FILE_NS.METADATA)[0];
  const size = Number(meta ? text(meta, 'size') : undefined);
  const type = meta ? text(meta, 'media-type') : undefined;
  return {
    url,
    name: (meta ? text(meta, 'name') : undefined) || nameInUrl(url),
    ...(Number.isSafeInteger(size) && size >= 0 ? { size } : {}),
    ...(type ? { type } : {}),
  };
}

function nameInUrl(url: string): string {
  const segment = new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
  try {
    return decodeURIComponent(segment) || url;
  } catch {
    return segment || url;
  }
}

/** DeskChat's <decline url=… id=…/> (docs/files.md "Decline"). */
export function readDecline(message: XmlElement): { url: string; id?: string } | undefined {
  const decline = kids(message, 'decline', FILE_NS.DECLINE)[0];
  const url = decline?.getAttribute('url');
  if (!url) return undefined;
  const id = decline!.getAttribute('id');
  return { url, ...(id ? { id } : {}) };
}
