// RFC 6120 §4.9: stream errors. A stream error is unrecoverable: the stream is closed after it.
import xml, { type Element } from '@xmpp/xml';
import { NS } from './ns.js';
import { boundedText } from './error-text.js';

/** RFC 6120 §4.9.3 defined conditions. */
export const STREAM_ERROR_CONDITIONS = [
  'bad-format',
  'bad-namespace-prefix',
  'conflict',
  'connection-timeout',
  'host-gone',
  'host-unknown',
  'improper-addressing',
  'internal-server-error',
  'invalid-from',
  'invalid-namespace',
  'invalid-xml',
  'not-authorized',
  'not-well-formed',
  'policy-violation',
  'remote-connection-failed',
  'reset',
  'resource-constraint',
  'restricted-xml',
  'see-other-host',
  'system-shutdown',
  'undefined-condition',
  'unsupported-encoding',
  'unsupported-feature',
  'unsupported-stanza-type',
  'unsupported-version',
] as const;

export type StreamErrorCondition = (typeof STREAM_ERROR_CONDITIONS)[number];

export class StreamError extends Error {
  readonly condition: StreamErrorCondition;
  readonly text?: string;
  /** For `see-other-host`: the host[:port] the client should reconnect to (RFC 6120 §4.9.3.19). */
  readonly seeOtherHost?: string;
  /** RFC 6120 §4.9.4: an application-specific condition (e.g. XEP-0198 `<handled-count-too-high/>`). */
  readonly appCondition?: Element;

  constructor(condition: StreamErrorCondition, text?: string, seeOtherHost?: string, appCondition?: Element) {
    text = boundedText(text);
    super(text ? `${condition}: ${text}` : condition);
    this.name = 'StreamError';
    this.condition = condition;
    this.text = text;
    this.seeOtherHost = seeOtherHost;
    this.appCondition = appCondition;
  }

  /** The `<stream:error/>` element (namespace of the `stream:` prefix). */
  toElement(): Element {
    const condition = this.seeOtherHost
      ? xml(this.condition, { xmlns: NS.STREAM_ERRORS }, this.seeOtherHost)
      : xml(this.condition, { xmlns: NS.STREAM_ERRORS });
    const children: Element[] = [condition];
    if (this.text) children.push(xml('text', { xmlns: NS.STREAM_ERRORS, 'xml:lang': 'en' }, this.text));
    if (this.appCondition) children.push(this.appCondition);
    return xml('stream:error', {}, ...children);
  }

  static fromElement(el: Element): StreamError {
    const c = el.children.find(
      (n): n is Element => typeof n !== 'string' && n.attrs.xmlns === NS.STREAM_ERRORS && n.name !== 'text',
    );
    const name = (c?.name ?? 'undefined-condition') as StreamErrorCondition;
    return new StreamError(
      STREAM_ERROR_CONDITIONS.includes(name) ? name : 'undefined-condition',
      el.getChildText('text', NS.STREAM_ERRORS) ?? undefined,
      name === 'see-other-host' ? c?.getText() : undefined,
    );
  }
}
