// Readers for the peer-to-peer file offers the server judges (XML stays XML: only what the policy
// needs is read): XEP-0096 SI file transfer and XEP-0234 Jingle file transfer (namespaces :3 to :5).
import type { Element } from '@xmpp/xml';
import type { OfferedFile } from '../policy/check.js';

export const NS_SI = 'http://jabber.org/protocol/si';
export const NS_SI_FILE = 'http://jabber.org/protocol/si/profile/file-transfer';
export const NS_JINGLE = 'urn:xmpp:jingle:1';
export const NS_JINGLE_FT = ['urn:xmpp:jingle:apps:file-transfer:5', 'urn:xmpp:jingle:apps:file-transfer:4', 'urn:xmpp:jingle:apps:file-transfer:3'];
export const NS_IBB = 'http://jabber.org/protocol/ibb';
export const NS_BYTESTREAMS = 'http://jabber.org/protocol/bytestreams';

/** One file a negotiation offers (or requests), with the stream ids that will carry it. */
export interface OfferedStream {
  file: OfferedFile;
  sids: string[];
}

function size(text: string | undefined | null): number | undefined {
  return text && /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function offered(name: string | undefined | null, bytes: number | undefined): OfferedFile {
  return { ...(name ? { name } : {}), ...(bytes === undefined ? {} : { size: bytes }) };
}

/** XEP-0096 §3: `<si profile='…file-transfer'><file name size/></si>`; the SI id is the stream id. */
export function readSiOffer(si: Element): OfferedStream | undefined {
  if (si.name !== 'si' || si.attrs.xmlns !== NS_SI) return undefined;
  const file = si.getChild('file', NS_SI_FILE);
  if (!file) return undefined;
  return { file: offered(file.attrs.name, size(file.attrs.size)), sids: si.attrs.id ? [String(si.attrs.id)] : [] };
}

/**
 * XEP-0234 §4 (`session-initiate`) and §7.1 (`content-add`): each content with a file-transfer
 * description; the file is `<description><file/>` (:4, :5) or `<description><offer><file/>` (:3).
 * The transport's sid (s5b, ibb) is the stream id.
 */
export function readJingleOffers(jingle: Element): OfferedStream[] {
  if (jingle.name !== 'jingle' || jingle.attrs.xmlns !== NS_JINGLE) return [];
  if (jingle.attrs.action !== 'session-initiate' && jingle.attrs.action !== 'content-add') return [];
  const streams: OfferedStream[] = [];
  for (const content of jingle.getChildren('content')) {
    const description = content.getChildElements().find((c) => c.name === 'description' && NS_JINGLE_FT.includes(c.attrs.xmlns));
    if (!description) continue;
    const file = description.getChild('file') ?? description.getChild('offer')?.getChild('file');
    if (!file) continue;
    const transport = content.getChild('transport');
    const sid = transport?.attrs.sid;
    streams.push({ file: offered(file.getChildText('name'), size(file.getChildText('size'))), sids: sid ? [String(sid)] : [] });
  }
  return streams;
}
