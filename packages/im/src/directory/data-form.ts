// XEP-0004 data forms: the few builders and readers the search form needs (form, submit, result).
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { NS_DATA } from './ns.js';

export interface FormField {
  var: string;
  type: 'hidden' | 'text-single' | 'jid-single';
  label?: string;
  value?: string;
}

export function field(f: FormField): Element {
  const attrs: Record<string, string> = { var: f.var, type: f.type };
  if (f.label) attrs.label = f.label;
  return xml('field', attrs, ...(f.value !== undefined ? [xml('value', {}, f.value)] : []));
}

/** XEP-0068 §3: the hidden FORM_TYPE field that names the form's field registry. */
export function formTypeField(formType: string): Element {
  return field({ var: 'FORM_TYPE', type: 'hidden', value: formType });
}

/** A form to fill in (XEP-0004 §3.1 type 'form'). */
export function form(title: string, instructions: string, fields: Element[]): Element {
  return xml('x', { xmlns: NS_DATA, type: 'form' }, xml('title', {}, title), xml('instructions', {}, instructions), ...fields);
}

/** A multi-item result (XEP-0004 §3.4): the reported columns, then one <item/> per row. */
export function resultForm(formType: string, reported: FormField[], rows: Record<string, string | undefined>[]): Element {
  return xml(
    'x',
    { xmlns: NS_DATA, type: 'result' },
    formTypeField(formType),
    xml('reported', {}, ...reported.map(field)),
    ...rows.map((row) =>
      xml(
        'item',
        {},
        ...reported.map((r) => xml('field', { var: r.var }, ...(row[r.var] !== undefined ? [xml('value', {}, row[r.var]!)] : []))),
      ),
    ),
  );
}

/**
 * Reads a submitted form (XEP-0004 §3.1 type 'submit') into var → first value. A FORM_TYPE other
 * than `formType` is a form for something else: bad-request.
 */
export function readSubmittedForm(x: Element, formType: string): Map<string, string> {
  if (x.attrs.type !== 'submit') throw new StanzaError('bad-request', `a search is a data form of type 'submit' (XEP-0004 §3.1)`);
  const values = new Map<string, string>();
  for (const f of x.getChildren('field')) {
    if (!f.attrs.var) continue;
    values.set(f.attrs.var, f.getChildText('value') ?? '');
  }
  const type = values.get('FORM_TYPE');
  if (type !== undefined && type !== formType) {
    throw new StanzaError('bad-request', `FORM_TYPE must be ${formType} (XEP-0068 §3), not ${type}`);
  }
  values.delete('FORM_TYPE');
  return values;
}
