// XEP-0313 / XEP-0059 readers and builders (mam.ts): what a query form and an RSM <set/> turn
// into, which values are a bad-request, and the <fin/> of a page.
import { describe, expect, it } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from './stanza-error.js';
import { MAM_NS, mamFin, parseDateTime, parseMamPrefs, parseMamQuery } from './mam.js';

const field = (name: string, ...values: string[]) => xml('field', { var: name }, ...values.map((v) => xml('value', {}, v)));
const query = (fields: Element[], rsm: Element[] = []) =>
  xml('query', { xmlns: MAM_NS.MAM, queryid: 'q' }, xml('x', { xmlns: MAM_NS.DATA, type: 'submit' }, field('FORM_TYPE', MAM_NS.MAM), ...fields), xml('set', { xmlns: MAM_NS.RSM }, ...rsm));
const condition = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof StanzaError ? err.condition : 'not a StanzaError';
  }
  return 'no error';
};

describe('parseMamQuery (XEP-0313 §4.1, XEP-0059 §2)', () => {
  it('reads the form fields and the RSM set', () => {
    const q = parseMamQuery(query([field('with', 'Juliet@Capulet.lit/balcony'), field('start', '2010-06-07T00:00:00Z'), field('end', '2010-07-07T13:23:54.5+02:00'), field('ids', 'a', 'b')], [xml('max', {}, '10'), xml('before')]), { extended: true });
    expect(q.with!.toString()).toBe('juliet@capulet.lit/balcony');
    expect(q.start).toBe(Date.parse('2010-06-07T00:00:00Z'));
    expect(q.end).toBe(Date.parse('2010-07-07T11:23:54.500Z'));
    expect(q).toMatchObject({ queryId: 'q', ids: ['a', 'b'], max: 10, before: true });
  });

  it('refuses what it cannot use with bad-request', () => {
    expect(condition(() => parseMamQuery(query([field('start', '2010-06-07')]), { extended: true }))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query([field('start', '2010-06-08T00:00:00Z'), field('end', '2010-06-07T00:00:00Z')]), { extended: true }))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query([field('with', '@nobody')]), { extended: true }))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query([field('fulltext', 'x')]), { extended: true }))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query([field('after-id', 'x')]), { extended: false }))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query([], [xml('max', {}, 'ten')]), { extended: true }))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query([], [xml('after')]), { extended: true }))).toBe('bad-request');
    expect(condition(() => parseMamPrefs(xml('prefs', { xmlns: MAM_NS.MAM, default: 'often' })))).toBe('bad-request');
    expect(parseDateTime('2010-06-07T00:00:00')).toBeUndefined(); // XEP-0082: the zone is required
  });

  it('builds <fin/> with complete only when true and first/last/count in the set', () => {
    const fin = mamFin({ first: 'a', last: 'b', index: 3, count: 9, complete: false });
    expect(fin.attrs.complete).toBeUndefined();
    const set = fin.getChild('set', MAM_NS.RSM)!;
    expect([set.getChild('first')!.attrs.index, set.getChildText('first'), set.getChildText('last'), set.getChildText('count')]).toEqual(['3', 'a', 'b', '9']);
    const empty = mamFin({ count: 0, complete: true });
    expect(empty.attrs).toEqual({ xmlns: MAM_NS.MAM, complete: 'true' });
    expect(empty.getChild('set', MAM_NS.RSM)!.children.map((c) => (typeof c === 'string' ? c : c.name))).toEqual(['count']);
  });
});
