// XEP-0004 data forms: the little this service reads and writes (room configuration, room info,
// voice requests). Forms stay XML; these helpers only build fields and read submitted values.
import xml, { type Element } from '@xmpp/xml';
import { MUC } from './ns.js';

export interface FieldSpec {
  var: string;
  type?: 'boolean' | 'hidden' | 'jid-multi' | 'jid-single' | 'list-single' | 'text-private' | 'text-single' | 'fixed';
  label?: string;
  value?: string | string[];
  options?: { label?: string; value: string }[];
}

export function field(spec: FieldSpec): Element {
  const values = spec.value === undefined ? [] : Array.isArray(spec.value) ? spec.value : [spec.value];
  return xml(
    'field',
    { var: spec.var, ...(spec.type ? { type: spec.type } : {}), ...(spec.label ? { label: spec.label } : {}) },
    ...values.map((v) => xml('value', {}, v)),
    ...(spec.options ?? []).map((o) => xml('option', o.label ? { label: o.label } : {}, xml('value', {}, o.value))),
  );
}

export function form(type: 'form' | 'result' | 'submit', formType: string, fields: FieldSpec[], title?: string): Element {
  return xml('x', { xmlns: MUC.DATA, type }, ...(title ? [xml('title', {}, title)] : []), field({ var: 'FORM_TYPE', type: 'hidden', value: formType }), ...fields.map(field));
}

/** The values of each field of a submitted form, by var. */
export function readForm(x: Element): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const f of x.getChildren('field')) {
    if (!f.attrs.var) continue;
    values.set(f.attrs.var, f.getChildren('value').map((v) => v.text()));
  }
  return values;
}

/** XEP-0004 §3.3: a boolean is '1'/'true' or '0'/'false'; undefined when the value is anything else. */
export function readBoolean(value: string | undefined): boolean | undefined {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}
