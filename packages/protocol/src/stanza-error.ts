// RFC 6120 §8.3: stanza errors, their defined conditions and default error types.
import xml, { type Element } from '@xmpp/xml';
import { NS } from './ns.js';
import { boundedText } from './error-text.js';

export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

/** RFC 6120 §8.3.3 defined conditions with the type the RFC suggests for each. */
export const STANZA_ERROR_TYPES = {
  'bad-request': 'modify',
  conflict: 'cancel',
  'feature-not-implemented': 'cancel',
  forbidden: 'auth',
  gone: 'cancel',
  'internal-server-error': 'cancel',
  'item-not-found': 'cancel',
  'jid-malformed': 'modify',
  'not-acceptable': 'modify',
  'not-allowed': 'cancel',
  'not-authorized': 'auth',
  'policy-violation': 'modify',
  'recipient-unavailable': 'wait',
  redirect: 'modify',
  'registration-required': 'auth',
  'remote-server-not-found': 'cancel',
  'remote-server-timeout': 'wait',
  'resource-constraint': 'wait',
  'service-unavailable': 'cancel',
  'subscription-required': 'auth',
  'undefined-condition': 'cancel',
  'unexpected-request': 'wait',
} as const satisfies Record<string, StanzaErrorType>;

export type StanzaErrorCondition = keyof typeof STANZA_ERROR_TYPES;

/** A failure that is answered with an `<error/>` child (RFC 6120 §8.3). Thrown by handlers, rendered by the dispatcher. */
export class StanzaError extends Error {
  readonly condition: StanzaErrorCondition;
  readonly type: StanzaErrorType;
  readonly text?: string;
  /** Application-specific condition element (RFC 6120 §8.3.2, e.g. XEP-0363 `<file-too-large/>`). */
  readonly application?: Element;

  constructor(
    condition: StanzaErrorCondition,
    text?: string,
    options: { type?: StanzaErrorType; application?: Element } = {},
  ) {
    text = boundedText(text);
    super(text ? `${condition}: ${text}` : condition);
    this.name = 'StanzaError';
    this.condition = condition;
    this.type = options.type ?? STANZA_ERROR_TYPES[condition];
    this.text = text;
    this.application = options.application;
  }

  /** The `<error/>` child element. */
  toElement(): Element {
    const children: Element[] = [xml(this.condition, { xmlns: NS.STANZA_ERRORS })];
    if (this.text) children.push(xml('text', { xmlns: NS.STANZA_ERRORS, 'xml:lang': 'en' }, this.text));
    if (this.application) children.push(this.application);
    return xml('error', { type: this.type }, ...children);
  }

  /** Reads an `<error/>` child back (used by tests and by the router for bounced stanzas). */
  static fromStanza(stanza: Element): StanzaError | undefined {
    const error = stanza.getChild('error');
    if (!error) return undefined;
    const conditionEl = error.children.find(
      (c): c is Element => typeof c !== 'string' && c.attrs.xmlns === NS.STANZA_ERRORS && c.name !== 'text',
    );
    const condition = (conditionEl?.name ?? 'undefined-condition') as StanzaErrorCondition;
    const text = error.getChildText('text', NS.STANZA_ERRORS) ?? undefined;
    return new StanzaError(condition in STANZA_ERROR_TYPES ? condition : 'undefined-condition', text, {
      type: (error.attrs.type as StanzaErrorType) ?? undefined,
    });
  }
}

/**
 * RFC 6120 §8.3.1: an error reply swaps `to`/`from`, keeps the `id`, sets type='error' and may
 * include the original payload. We include no payload: echoing it back costs bandwidth and can
 * leak content to logs of relaying clients.
 */
export function errorReply(stanza: Element, error: StanzaError): Element {
  const attrs: Record<string, string> = { type: 'error' };
  if (stanza.attrs.id !== undefined) attrs.id = stanza.attrs.id;
  if (stanza.attrs.to) attrs.from = stanza.attrs.to;
  if (stanza.attrs.from) attrs.to = stanza.attrs.from;
  return xml(stanza.name, attrs, error.toElement());
}
