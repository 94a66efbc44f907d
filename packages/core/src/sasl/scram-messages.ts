// RFC 5802 §5 and §7 (ABNF): syntax of the SCRAM client messages the server reads and of the
// server messages it writes. Pure functions; every syntax violation is `malformed-request`.
import { SaslFailure } from './types.js';

/** Client messages are a few hundred bytes; anything much larger is not SCRAM. */
const MAX_MESSAGE_BYTES = 4096;
/** RFC 5802 §7: printable = %x21-2B / %x2D-7E (no comma). */
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
/** RFC 5802 §7: attr-val = ALPHA "=" value, where value has no comma (already split on). */
const ATTR_VAL = /^[A-Za-z]=.+$/s;
/** RFC 4648 §4 base64 with its padding, as RFC 5802 §7 requires. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface ClientFirstMessage {
  /** The gs2-header exactly as sent (`n,,`, `y,,a=...,`): client-final must bind to it (§5.1 `c`). */
  gs2Header: string;
  /** The decoded authzid, if the client sent `a=`. */
  authzid?: string;
  /** The decoded (un-escaped) username, not yet normalised. */
  username: string;
  nonce: string;
  /** client-first-message-bare as sent, the first part of AuthMessage (§3). */
  bare: string;
}

export interface ClientFinalMessage {
  channelBinding: Buffer;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof as sent, the last part of AuthMessage (§3). */
  withoutProof: string;
}

const malformed = (text: string) => new SaslFailure('malformed-request', text);

/** Client data as UTF-8 text (§7: messages are UTF-8; value-char excludes NUL). */
function decodeText(data: Buffer | undefined): string {
  if (!data || data.length === 0) throw malformed('a SCRAM message is required (RFC 5802 §5)');
  if (data.length > MAX_MESSAGE_BYTES) throw malformed('the SCRAM message is too long');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw malformed('SCRAM messages are UTF-8 (RFC 5802 §7)');
  }
  if (text.includes('\0')) throw malformed('SCRAM values may not contain NUL (RFC 5802 §7)');
  return text;
}

/** Value of `name=value`, or a failure naming the attribute expected at this position (§5: order is fixed). */
function attribute(part: string | undefined, name: string): string {
  if (part === undefined || !part.startsWith(`${name}=`)) {
    throw malformed(`expected the '${name}' attribute here (RFC 5802 §5.1: attribute order is fixed)`);
  }
  return part.slice(name.length + 1);
}

/** §5.1 `n`/`a`: saslname, where ',' is sent as '=2C' and '=' as '=3D'; any other '=' is invalid. */
export function decodeSaslname(value: string): string {
  if (value === '' || /=(?!2C|3D)/.test(value)) throw malformed('e=invalid-encoding: bad saslname escaping (RFC 5802 §5.1)');
  return value.replace(/=2C|=3D/g, (escape) => (escape === '=2C' ? ',' : '='));
}

function decodeBase64(value: string, what: string): Buffer {
  if (value === '' || !BASE64.test(value)) throw malformed(`${what} must be base64 (RFC 5802 §7)`);
  return Buffer.from(value, 'base64');
}

function checkNonce(nonce: string): string {
  if (!PRINTABLE.test(nonce)) throw malformed('the nonce must be printable ASCII without commas (RFC 5802 §7)');
  return nonce;
}

/**
 * §5.1 `m` is reserved: its presence MUST fail authentication. Other extensions are optional and,
 * per the §7 `extensions` production, ignored when not understood.
 */
function checkExtensions(parts: string[]): void {
  for (const part of parts) {
    if (!ATTR_VAL.test(part)) throw malformed('an extension must be attr=value (RFC 5802 §7)');
    if (part.startsWith('m=')) throw malformed('e=extensions-not-supported: mandatory extensions are not supported (RFC 5802 §5.1)');
  }
}

/** §7 client-first-message = gs2-header client-first-message-bare. */
export function parseClientFirst(data: Buffer | undefined): ClientFirstMessage {
  const text = decodeText(data);
  const [flag = '', authzField = '', ...bareParts] = text.split(',');
  // 1. gs2-cbind-flag: no -PLUS mechanism is offered, so 'p=' (channel binding required) cannot be
  //    honoured; 'y' (client supports it, thinks the server does not) and 'n' are fine.
  if (flag.startsWith('p=')) {
    throw malformed('e=channel-binding-not-supported: no SCRAM-*-PLUS mechanism is offered (RFC 5802 §6)');
  }
  if (flag !== 'n' && flag !== 'y') throw malformed('the gs2-cbind-flag must be n, y or p= (RFC 5802 §7)');
  // 2. [authzid] "," — the authzid is a saslname too.
  if (bareParts.length === 0) throw malformed('the gs2-header is incomplete (RFC 5802 §7)');
  const authzid = authzField === '' ? undefined : decodeSaslname(attribute(authzField, 'a'));
  // 3. client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
  if (bareParts[0]?.startsWith('m=')) {
    throw malformed('e=extensions-not-supported: mandatory extensions are not supported (RFC 5802 §5.1)');
  }
  const username = decodeSaslname(attribute(bareParts[0], 'n'));
  const nonce = checkNonce(attribute(bareParts[1], 'r'));
  checkExtensions(bareParts.slice(2));
  return { gs2Header: `${flag},${authzField},`, authzid, username, nonce, bare: bareParts.join(',') };
}

/** §7 client-final-message = channel-binding "," nonce ["," extensions] "," proof. */
export function parseClientFinal(data: Buffer | undefined): ClientFinalMessage {
  const text = decodeText(data);
  const parts = text.split(',');
  if (parts.length < 3) throw malformed('client-final-message needs c=, r= and p= (RFC 5802 §7)');
  const channelBinding = decodeBase64(attribute(parts[0], 'c'), 'the channel binding');
  const nonce = checkNonce(attribute(parts[1], 'r'));
  const proof = decodeBase64(attribute(parts[parts.length - 1], 'p'), 'the client proof');
  checkExtensions(parts.slice(2, -1));
  return { channelBinding, nonce, proof, withoutProof: parts.slice(0, -1).join(',') };
}

/** §7 server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]. */
export function formatServerFirst(nonce: string, salt: string, iterations: number): string {
  return `r=${nonce},s=${salt},i=${iterations}`;
}

/** §7 server-final-message = verifier (the error form is carried by the XMPP <failure/> instead). */
export function formatServerFinal(serverSignature: Buffer): string {
  return `v=${serverSignature.toString('base64')}`;
}
