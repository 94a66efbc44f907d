// XEP-0115 Entity Capabilities (version 1.6): the verification string of a disco#info answer
// (§5.1 and §5.4), used for the server's own `<c/>` in stream features (§6.3) and to verify what a
// client's caps hash stands for before the server trusts its features (PEP +notify filtering).
import { createHash } from 'node:crypto';
import type { Element } from '@xmpp/xml';

export const CAPS_NS = 'http://jabber.org/protocol/caps';
/** The `node` of the server's own caps (XEP-0115 §4: a URI that names the software). */
export const SERVER_CAPS_NODE = 'https://deskchat.invalid/caps';

const DATA_NS = 'jabber:x:data';
/** IANA hash function names (XEP-0115 §4 "hash") that the server computes and verifies. */
const HASHES: Record<string, string> = { 'sha-1': 'sha1', 'sha-224': 'sha224', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

export const isSupportedCapsHash = (hash: string): boolean => hash in HASHES;

const byOctets = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The verification string of a disco#info `<query/>` (§5.1), or undefined when the answer is not
 * one a verification string may be built from (§5.4 step 3.6–3.9: a duplicate identity or feature,
 * a form with more than one FORM_TYPE or one that is not hidden).
 */
export function capsVerOf(query: Element, hash = 'sha-1'): string | undefined {
  const algorithm = HASHES[hash];
  if (!algorithm) return undefined;
  const identities = query.getChildren('identity').map((i) => `${i.attrs.category ?? ''}/${i.attrs.type ?? ''}/${i.attrs['xml:lang'] ?? ''}/${i.attrs.name ?? ''}`);
  const features = query.getChildren('feature').map((f) => f.attrs.var ?? '');
  if (new Set(identities).size !== identities.length || new Set(features).size !== features.length) return undefined;
  let s = '';
  for (const identity of identities.sort(byOctets)) s += `${identity}<`;
  for (const feature of features.sort(byOctets)) s += `${feature}<`;
  const forms: { formType: string; fields: string }[] = [];
  for (const x of query.getChildren('x', DATA_NS)) {
    const formTypes = x.getChildren('field').filter((f) => f.attrs.var === 'FORM_TYPE');
    if (formTypes.length === 0) continue; // §5.4 3.6: forms without FORM_TYPE are ignored
    if (formTypes.length > 1 || formTypes[0]!.attrs.type !== 'hidden') return undefined;
    const formType = formTypes[0]!.getChildText('value') ?? '';
    let fields = '';
    const others = x.getChildren('field').filter((f) => f.attrs.var !== 'FORM_TYPE');
    for (const field of others.sort((a, b) => byOctets(a.attrs.var ?? '', b.attrs.var ?? ''))) {
      fields += `${field.attrs.var ?? ''}<`;
      for (const value of field.getChildren('value').map((v) => v.text()).sort(byOctets)) fields += `${value}<`;
    }
    forms.push({ formType, fields });
  }
  if (new Set(forms.map((f) => f.formType)).size !== forms.length) return undefined;
  for (const form of forms.sort((a, b) => byOctets(a.formType, b.formType))) s += `${form.formType}<${form.fields}`;
  return createHash(algorithm).update(s, 'utf8').digest('base64');
}

/** A `<c/>` element's hash and ver (XEP-0115 §4), or undefined when it has none (legacy caps). */
export function readCaps(stanza: Element): { hash: string; ver: string; node: string } | undefined {
  const c = stanza.getChild('c', CAPS_NS);
  const { hash, ver, node } = c?.attrs ?? {};
  if (!hash || !ver) return undefined;
  return { hash, ver, node: node ?? '' };
}

