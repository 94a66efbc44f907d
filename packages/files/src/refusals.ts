// Every way this package refuses a transfer, in one registry (conventions §4), so that the XMPP
// rendering (a stanza error on a slot request or an offer) and the HTTP rendering (a status and a
// plain-text body, which Converse.js and slixmpp show to the user as the server's response) of one
// refusal agree. Texts say what was refused and cite the setting or rule that refused it.
import xml from '@xmpp/xml';
import { StanzaError, type StanzaErrorCondition, type StanzaErrorType } from '@deskchat/protocol';

export const NS_HTTP_UPLOAD = 'urn:xmpp:http:upload:0';

export type RefusalCode =
  | 'disabled'
  | 'too-large'
  | 'type-refused'
  | 'type-not-allowed'
  | 'content-refused'
  | 'bad-name'
  | 'daily-limit'
  | 'quota'
  | 'bad-request';

interface Rendering {
  condition: StanzaErrorCondition;
  type?: StanzaErrorType;
  http: number;
}

const RENDERINGS: Record<RefusalCode, Rendering> = {
  disabled: { condition: 'not-allowed', http: 403 },
  // XEP-0363 §4.1: a file too large is not-acceptable (modify) with <file-too-large/>.
  'too-large': { condition: 'not-acceptable', http: 413 },
  'type-refused': { condition: 'not-acceptable', http: 415 },
  'type-not-allowed': { condition: 'not-acceptable', http: 415 },
  'content-refused': { condition: 'not-acceptable', http: 415 },
  'bad-name': { condition: 'bad-request', http: 400 },
  // XEP-0363 §4.1: a quota is resource-constraint (wait).
  'daily-limit': { condition: 'resource-constraint', http: 429 },
  quota: { condition: 'resource-constraint', http: 507 },
  'bad-request': { condition: 'bad-request', http: 400 },
};

/** A refusal: thrown by the checks, rendered by whichever path found it. */
export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    readonly text: string,
    readonly details: { maxBytes?: number } = {},
  ) {
    super(text);
    this.name = 'Refusal';
  }

  get http(): number {
    return RENDERINGS[this.code].http;
  }

  /** The stanza error, with XEP-0363's <file-too-large/> for a size refusal (§4.1). */
  toStanzaError(): StanzaError {
    const { condition, type } = RENDERINGS[this.code];
    const application =
      this.code === 'too-large' && this.details.maxBytes !== undefined
        ? xml('file-too-large', { xmlns: NS_HTTP_UPLOAD }, xml('max-file-size', {}, String(this.details.maxBytes)))
        : undefined;
    return new StanzaError(condition, this.text, { ...(type ? { type } : {}), ...(application ? { application } : {}) });
  }
}

/** Sizes as people read them (binary units, as the policy's defaults are: 5 MiB = "5 MB"). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
