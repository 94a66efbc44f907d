// XEP-0004 data forms (version 2.13.1) as the ad-hoc commands and in-band registration use them:
// forms to fill in with typed, required fields (§3.2), results, and submitted values read back.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';

export const DATA_NS = 'jabber:x:data';

export type FieldType = 'boolean' | 'fixed' | 'hidden' | 'jid-multi' | 'jid-single' | 'list-multi' | 'list-single' | 'text-multi' | 'text-private' | 'text-single';

export interface FieldSpec {
  var: string;
  type: FieldType;
  label?: string;
  isRequired?: boolean;
  values?: string[];
  /** list-single / list-multi choices (label = value). */
  options?: string[];
}

export function field(f: FieldSpec): Element {
  return xml(
    'field',
    { var: f.var, type: f.type, ...(f.label ? { label: f.label } : {}) },
    ...(f.isRequired ? [xml('required')] : []),
    ...(f.options ?? []).map((o) => xml('option', { label: o }, xml('value', {}, o))),
    ...(f.values ?? []).map((v) => xml('value', {}, v)),
  );
}

/** A form of `type` (§3.1): 'form' to fill in, 'result' to read; FORM_TYPE first (XEP-0068 §3). */
export function dataForm(type: 'form' | 'result', formType: string | undefined, fields: FieldSpec[], text: { title?: string; instructions?: string } = {}): Element {
  return xml(
    'x',
    { xmlns: DATA_NS, type },
    ...(text.title ? [xml('title', {}, text.title)] : []),
    ...(text.instructions ? [xml('instructions', {}, text.instructions)] : []),
    ...(formType ? [field({ var: 'FORM_TYPE', type: 'hidden', values: [formType] })] : []),
    ...fields.map(field),
  );
}

/** Submitted values: var → values (in order). */
export type SubmittedForm = Map<string, string[]>;

/** The first value of a field, trimmed of nothing (passwords keep their spaces); undefined when absent or empty. */
export function single(form: SubmittedForm, name: string): string | undefined {
  const value = form.get(name)?.[0];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Reads a submitted form (§3.1 type 'submit') and checks it against the form it answers: every
 * field marked required there has a non-empty value (§3.2), and a FORM_TYPE, when given, is the
 * same. bad-request (with `application`, e.g. XEP-0050 `<bad-payload/>`) names the field.
 */
export function readSubmission(x: Element | undefined, asked: Element | undefined, application?: () => Element): SubmittedForm {
  const fail = (text: string) => new StanzaError('bad-request', text, application ? { application: application() } : {});
  if (!x || x.attrs.xmlns !== DATA_NS) throw fail('expected a data form (jabber:x:data, XEP-0004)');
  if (x.attrs.type !== 'submit') throw fail(`a filled-in form has type 'submit' (XEP-0004 §3.1)`);
  const values: SubmittedForm = new Map();
  for (const f of x.getChildren('field')) {
    if (!f.attrs.var) continue;
    values.set(f.attrs.var, f.getChildren('value').map((v) => v.text()));
  }
  const expected = asked?.getChildren('field').find((f) => f.attrs.var === 'FORM_TYPE')?.getChildText('value');
  const given = values.get('FORM_TYPE')?.[0];
  if (expected && given !== undefined && given !== expected) throw fail(`FORM_TYPE must be ${expected} (XEP-0068 §3), not ${given}`);
  for (const f of asked?.getChildren('field') ?? []) {
    if (!f.getChild('required') || !f.attrs.var) continue;
    if (!(values.get(f.attrs.var) ?? []).some((v) => v !== '')) throw fail(`field '${f.attrs.var}' is required (XEP-0004 §3.2)`);
  }
  return values;
}
