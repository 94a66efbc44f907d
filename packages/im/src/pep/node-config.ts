// XEP-0060 node configuration for PEP and for the pubsub.<domain> service (../pubsub): the defaults of a new PEP node (XEP-0163 §3 auto-create, §5 recommended defaults), the
// node_config form (§8.2) and publish-options preconditions (§7.1.5, XEP-0223).
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import type { PepAccessModel, PepNodeConfig } from '@deskchat/core';
import { DATA_NS, NODE_CONFIG_FORM, PUBLISH_OPTIONS_FORM, preconditionNotMet } from './pep-ns.js';

export const ACCESS_MODELS: readonly PepAccessModel[] = ['presence', 'open', 'whitelist'];
const SEND_LAST = ['never', 'on_sub', 'on_sub_and_presence'] as const;
const PUBLISH_MODELS = ['publishers', 'open'] as const;

/** XEP-0163 §5: a PEP node's defaults (access presence, the last item kept and sent on presence). */
export const defaultConfig = (): PepNodeConfig => ({ accessModel: 'presence', maxItems: 1, persistItems: true, notifyRetract: true, sendLastPublishedItem: 'on_sub_and_presence' });

const isTrue = (v: string) => v === '1' || v === 'true';
const isBool = (v: string) => ['0', '1', 'true', 'false'].includes(v);

/** The fields of a submitted form (`var` → first value), FORM_TYPE left out; undefined without a form. */
function fieldsOf(x: Element | undefined, formType: string): Map<string, string> | undefined {
  if (!x) return undefined;
  const fields = new Map<string, string>();
  for (const field of x.getChildren('field')) {
    const name = field.attrs.var;
    if (!name) continue;
    const value = field.getChildText('value') ?? '';
    if (name === 'FORM_TYPE') {
      if (value !== formType) throw new StanzaError('bad-request', `the form's FORM_TYPE must be ${formType} (XEP-0060 §16.4)`);
      continue;
    }
    fields.set(name, value);
  }
  return fields;
}

/**
 * Applies submitted fields to a configuration; throws `fail(text)` for a field or value this
 * service does not support (not-acceptable for a configuration, precondition-not-met for
 * publish-options, XEP-0060 §7.1.5).
 */
function apply(config: PepNodeConfig, fields: Map<string, string>, maxItemsBound: number, fail: (text: string) => StanzaError): PepNodeConfig {
  const out = { ...config };
  for (const [name, value] of fields) {
    switch (name) {
      case 'pubsub#access_model':
        if (!ACCESS_MODELS.includes(value as PepAccessModel)) throw fail(`access model '${value}' is not supported: ${ACCESS_MODELS.join(', ')}`);
        out.accessModel = value as PepAccessModel;
        break;
      case 'pubsub#max_items': {
        const n = value === 'max' ? maxItemsBound : /^\d+$/.test(value) ? Number(value) : NaN;
        if (!(n >= 1 && n <= maxItemsBound)) throw fail(`pubsub#max_items must be 1..${maxItemsBound} or 'max'`);
        out.maxItems = n;
        break;
      }
      case 'pubsub#persist_items':
        if (!isBool(value)) throw fail('pubsub#persist_items is a boolean');
        out.persistItems = isTrue(value);
        break;
      case 'pubsub#notify_retract':
        if (!isBool(value)) throw fail('pubsub#notify_retract is a boolean');
        out.notifyRetract = isTrue(value);
        break;
      case 'pubsub#send_last_published_item':
        if (!(SEND_LAST as readonly string[]).includes(value)) throw fail(`pubsub#send_last_published_item must be one of ${SEND_LAST.join(', ')}`);
        out.sendLastPublishedItem = value as PepNodeConfig['sendLastPublishedItem'];
        break;
      case 'pubsub#publish_model':
        // Only a node that has a publish model (the pubsub.<domain> service's) may change it.
        if (out.publishModel === undefined) throw fail(`${name} is not a configuration field this service supports`);
        if (!(PUBLISH_MODELS as readonly string[]).includes(value)) throw fail(`publish model '${value}' is not supported: ${PUBLISH_MODELS.join(', ')}`);
        out.publishModel = value as NonNullable<PepNodeConfig['publishModel']>;
        break;
      case 'pubsub#deliver_payloads':
      case 'pubsub#deliver_notifications':
      case 'pubsub#presence_based_delivery':
        // What this service always does; only asking for the opposite is refused.
        if (!isBool(value) || !isTrue(value)) throw fail(`${name} can only be true on this service`);
        break;
      default:
        throw fail(`${name} is not a configuration field this service supports`);
    }
  }
  return out;
}

/** A node_config form submitted with <configure/> (XEP-0060 §8.2.4), applied to `config`. */
export function applyConfigureForm(config: PepNodeConfig, x: Element | undefined, maxItemsBound: number): PepNodeConfig {
  const fields = fieldsOf(x, NODE_CONFIG_FORM);
  if (!fields) return config;
  return apply(config, fields, maxItemsBound, (text) => new StanzaError('not-acceptable', `${text} (XEP-0060 §8.2.5)`));
}

/** The publish-options of a publish (XEP-0060 §7.1.5): their values, applied to `base`. */
export function publishOptions(x: Element | undefined, base: PepNodeConfig, maxItemsBound: number): { config: PepNodeConfig; fields: Map<string, string> } | undefined {
  const fields = fieldsOf(x, PUBLISH_OPTIONS_FORM);
  if (!fields) return undefined;
  return { config: apply(base, fields, maxItemsBound, (text) => preconditionNotMet(`${text} (XEP-0060 §7.1.5)`)), fields };
}

/** §7.1.5: every precondition must equal the existing node's configuration, else precondition-not-met. */
export function checkPreconditions(existing: PepNodeConfig, wanted: PepNodeConfig, fields: Map<string, string>): void {
  const keyOf: Record<string, keyof PepNodeConfig> = {
    'pubsub#access_model': 'accessModel',
    'pubsub#max_items': 'maxItems',
    'pubsub#persist_items': 'persistItems',
    'pubsub#notify_retract': 'notifyRetract',
    'pubsub#send_last_published_item': 'sendLastPublishedItem',
  };
  for (const name of fields.keys()) {
    const key = keyOf[name];
    if (key && existing[key] !== wanted[key]) throw preconditionNotMet(`the node's ${name} is ${String(existing[key])}, not ${fields.get(name)} (XEP-0060 §7.1.5)`);
  }
}

const listField = (v: string, label: string, value: string, options: readonly string[]) =>
  xml('field', { var: v, type: 'list-single', label }, xml('value', {}, value), ...options.map((o) => xml('option', {}, xml('value', {}, o))));
const boolField = (v: string, label: string, value: boolean) => xml('field', { var: v, type: 'boolean', label }, xml('value', {}, value ? '1' : '0'));

/** The node_config form of a node (XEP-0060 §8.2.1), with what this service can change. */
export function configForm(config: PepNodeConfig): Element {
  return xml(
    'x',
    { xmlns: DATA_NS, type: 'form' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NODE_CONFIG_FORM)),
    listField('pubsub#access_model', 'Who may subscribe and retrieve items', config.accessModel, ACCESS_MODELS),
    xml('field', { var: 'pubsub#max_items', type: 'text-single', label: 'Max # of items to persist' }, xml('value', {}, String(config.maxItems))),
    boolField('pubsub#persist_items', 'Persist items to storage', config.persistItems),
    boolField('pubsub#notify_retract', 'Notify subscribers when items are removed from the node', config.notifyRetract),
    listField('pubsub#send_last_published_item', 'When to send the last published item', config.sendLastPublishedItem, SEND_LAST),
    ...(config.publishModel !== undefined ? [listField('pubsub#publish_model', 'Who may publish items', config.publishModel, PUBLISH_MODELS)] : []),
  );
}
