// XEP-0313 Message Archive Management (urn:xmpp:mam:2, written against version 1.1) with XEP-0059
// Result Set Management and XEP-0359 stanza ids: readers and builders of the query, its results,
// its form and preferences, shared by the user archive (im) and room archives (muc).
//   §4.1 the query form (FORM_TYPE, with, start, end; extended: after-id, before-id, ids);
//   §4.1.5 / §7.1 the form returned for a query get;
//   §4.2 results: <message><result queryid id><forwarded><delay stamp/>…, then <fin complete>;
//   XEP-0059 §2: max, after, before (empty: the last page), index; <set> with first/last/count.
// Values the server cannot use are a bad-request naming the field (XEP-0313 §4.1: a malformed
// JID or date; XEP-0059 §2: a malformed max or index); an unknown field is a bad-request too
// (nothing is silently ignored: the result would not be what the client asked for).
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from './stanza-error.js';
import { parseJid, type JID } from './jid.js';
import { childElements } from './stanza.js';

export const MAM_NS = {
  MAM: 'urn:xmpp:mam:2',
  /** XEP-0313 §7.1: after-id, before-id and ids in the form. */
  EXTENDED: 'urn:xmpp:mam:2#extended',
  RSM: 'http://jabber.org/protocol/rsm',
  FORWARD: 'urn:xmpp:forward:0',
  DELAY: 'urn:xmpp:delay',
  DATA: 'jabber:x:data',
  STANZA_ID: 'urn:xmpp:sid:0',
  CLIENT: 'jabber:client',
} as const;

export interface MamQuery {
  queryId?: string;
  with?: JID;
  /** Milliseconds since the epoch. */
  start?: number;
  end?: number;
  afterId?: string;
  beforeId?: string;
  ids?: string[];
  /** XEP-0059: absent max means the server's default page size. */
  max?: number;
  after?: string;
  /** An id, or true for an empty <before/> (the last page). */
  before?: string | true;
  index?: number;
}


/** XEP-0082 DateTime (2010-07-10T23:08:25Z, fractions and offsets allowed) → ms, or undefined. */
export function parseDateTime(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function bad(text: string): StanzaError {
  return new StanzaError('bad-request', text);
}

function nonNegative(name: string, text: string | undefined): number {
  if (text === undefined || !/^\d{1,9}$/.test(text.trim())) throw bad(`<${name}/> must be a non-negative integer (XEP-0059 §2)`);
  return Number(text.trim());
}

/** Reads `<query xmlns='urn:xmpp:mam:2'>` of an IQ set; throws bad-request for what it cannot use. */
export function parseMamQuery(query: Element, options: { extended: boolean }): MamQuery {
  const out: MamQuery = {};
  if (query.attrs.queryid !== undefined) out.queryId = query.attrs.queryid;
  const form = query.getChild('x', MAM_NS.DATA);
  if (form) {
    if (form.attrs.type !== undefined && form.attrs.type !== 'submit') throw bad("the query form must be of type 'submit' (XEP-0004 §3.1)");
    for (const field of form.getChildren('field')) {
      const name = field.attrs.var as string | undefined;
      const values = field.getChildren('value').map((v) => v.text());
      const one = values[0]?.trim() ?? '';
      switch (name) {
        case 'FORM_TYPE':
          if (one !== MAM_NS.MAM) throw bad(`FORM_TYPE must be ${MAM_NS.MAM} (XEP-0313 §4.1)`);
          break;
        case 'with': {
          const jid = parseJid(one);
          if (!jid) throw bad("'with' is not a valid JID (XEP-0313 §4.1.1)");
          out.with = jid;
          break;
        }
        case 'start':
        case 'end': {
          const ms = parseDateTime(one);
          if (ms === undefined) throw bad(`'${name}' is not an XEP-0082 DateTime (XEP-0313 §4.1.2)`);
          out[name as 'start' | 'end'] = ms;
          break;
        }
        case 'after-id':
        case 'before-id':
          if (!options.extended) throw bad(`unsupported field '${name}'`);
          if (one === '') throw bad(`'${name}' needs an id (XEP-0313 §4.1.4)`);
          if (name === 'after-id') out.afterId = one;
          else out.beforeId = one;
          break;
        case 'ids':
          if (!options.extended) throw bad("unsupported field 'ids'");
          out.ids = values.map((v) => v.trim()).filter((v) => v !== '');
          break;
        default:
          throw bad(`unsupported field '${String(name).slice(0, 64)}' (XEP-0313 §4.1)`);
      }
    }
  }
  if (out.start !== undefined && out.end !== undefined && out.start > out.end) throw bad("'start' is after 'end' (XEP-0313 §4.1.2)");
  const set = query.getChild('set', MAM_NS.RSM);
  if (set) {
    for (const child of childElements(set)) {
      const text = child.text();
      switch (child.name) {
        case 'max':
          out.max = nonNegative('max', text);
          break;
        case 'index':
          out.index = nonNegative('index', text);
          break;
        case 'after':
          if (text === '') throw bad('<after/> needs an id (XEP-0059 §2.2)');
          out.after = text;
          break;
        case 'before':
          out.before = text === '' ? true : text;
          break;
        default:
          throw bad(`unsupported RSM element <${child.name.slice(0, 64)}/> (XEP-0059)`);
      }
    }
  }
  return out;
}

/** §4.1.5: the form returned for `<iq type='get'><query xmlns='urn:xmpp:mam:2'/></iq>`. */
export function mamQueryForm(extended: boolean): Element {
  const fields = [
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, MAM_NS.MAM)),
    xml('field', { var: 'with', type: 'jid-single' }),
    xml('field', { var: 'start', type: 'text-single' }),
    xml('field', { var: 'end', type: 'text-single' }),
  ];
  if (extended) {
    fields.push(xml('field', { var: 'after-id', type: 'text-single' }), xml('field', { var: 'before-id', type: 'text-single' }), xml('field', { var: 'ids', type: 'text-multi' }));
  }
  return xml('query', { xmlns: MAM_NS.MAM }, xml('x', { xmlns: MAM_NS.DATA, type: 'form' }, ...fields));
}

/** §4.2: one result message to the requester. `message` is the archived stanza. */
export function mamResult(args: { to: string; from?: string; queryId?: string; id: string; at: number; message: Element }): Element {
  const attrs: Record<string, string> = { to: args.to };
  if (args.from) attrs.from = args.from;
  const result: Record<string, string> = { xmlns: MAM_NS.MAM, id: args.id };
  if (args.queryId !== undefined) result.queryid = args.queryId;
  args.message.attrs.xmlns = MAM_NS.CLIENT; // XEP-0297 §3: the forwarded stanza is qualified by jabber:client
  return xml(
    'message',
    attrs,
    xml('result', result, xml('forwarded', { xmlns: MAM_NS.FORWARD }, xml('delay', { xmlns: MAM_NS.DELAY, stamp: new Date(args.at).toISOString() }), args.message)),
  );
}

/**
 * §4.3: the <fin/> closing a query, with the XEP-0059 <set/> of the page. `index` is given for
 * pages read forward only: it is optional (XEP-0059 §2.4), and slixmpp (1.8) stops a backward
 * iteration as soon as first index + page size equals the count, which the last page always does.
 */
export function mamFin(page: { first?: string; last?: string; index?: number; count: number; complete: boolean }): Element {
  const set = xml('set', { xmlns: MAM_NS.RSM });
  if (page.first !== undefined) set.append(xml('first', page.index === undefined ? {} : { index: String(page.index) }, page.first));
  if (page.last !== undefined) set.append(xml('last', {}, page.last));
  set.append(xml('count', {}, String(page.count)));
  const attrs: Record<string, string> = { xmlns: MAM_NS.MAM };
  if (page.complete) attrs.complete = 'true';
  return xml('fin', attrs, set);
}

/** XEP-0359 §3: `<stanza-id xmlns='urn:xmpp:sid:0' by id/>`. */
export function stanzaId(by: string, id: string): Element {
  return xml('stanza-id', { xmlns: MAM_NS.STANZA_ID, by, id });
}

export type MamDefault = 'always' | 'never' | 'roster';

export interface MamPrefs {
  default: MamDefault;
  always: string[];
  never: string[];
}

/** XEP-0441 (the preferences split out of XEP-0313 §6): reads `<prefs default><always><jid/>…`. */
export function parseMamPrefs(prefs: Element): MamPrefs {
  const def = prefs.attrs.default;
  if (def !== 'always' && def !== 'never' && def !== 'roster') throw bad("<prefs/> needs default='always', 'never' or 'roster' (XEP-0441 §3)");
  const list = (name: string) => {
    const out: string[] = [];
    for (const el of prefs.getChild(name)?.getChildren('jid') ?? []) {
      const jid = parseJid(el.text().trim());
      if (!jid) throw bad(`a <jid/> in <${name}/> is not a valid JID (XEP-0441 §3)`);
      out.push(jid.toString());
    }
    return [...new Set(out)];
  };
  return { default: def, always: list('always'), never: list('never') };
}

export function mamPrefsElement(prefs: MamPrefs): Element {
  const jids = (list: string[]) => list.map((jid) => xml('jid', {}, jid));
  return xml('prefs', { xmlns: MAM_NS.MAM, default: prefs.default }, xml('always', {}, ...jids(prefs.always)), xml('never', {}, ...jids(prefs.never)));
}
