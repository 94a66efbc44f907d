// RFC 4616 (PLAIN; §6: only under a security layer), RFC 6120 §6.4.2 (empty challenge without an
// initial response), §13.8.3 (PLAIN over TLS): the server side of PLAIN.
import { checkPasswordAsync } from './credentials.js';
import { isOwnAuthzid, lookUpCredential, normaliseUsername } from './identity.js';
import { SaslFailure } from './types.js';
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from './types.js';

/** RFC 4616 §2 asks servers to accept at least 255 octets; localparts go up to 1023 (RFC 7622 §3.3). */
const MAX_AUTHCID_BYTES = 1023;
const MAX_PASSWORD_BYTES = 1023;
/** A bare JID: localpart, '@' and a domain of up to 1023 octets each. */
const MAX_AUTHZID_BYTES = 2047;

const isProtected = (context: SaslContext) => context.isSecure || context.isLoopback;

/**
 * Checks a password somewhere other than the stored SCRAM keys (an LDAP bind): true = right,
 * false = wrong or unknown user; a throw means the directory could not be asked.
 */
export type PasswordVerifier = (username: string, password: string) => Promise<boolean>;

/** PLAIN against the stored SCRAM keys, or against `verifyPassword` when one is given. */
export function createPlainMechanism(verifyPassword?: PasswordVerifier): SaslMechanism {
  return { name: 'PLAIN', isOffered: isProtected, start: (context) => new PlainExchange(context, verifyPassword) };
}

export const plainMechanism: SaslMechanism = createPlainMechanism();

class PlainExchange implements SaslExchange {
  private state: 'initial' | 'response' | 'finished' = 'initial';

  constructor(
    private readonly context: SaslContext,
    private readonly verifyPassword?: PasswordVerifier,
  ) {}

  async step(clientData: Buffer | undefined): Promise<SaslStep> {
    const state = this.state;
    this.state = 'finished';
    if (state === 'finished') throw new SaslFailure('malformed-request', 'the PLAIN exchange is over (RFC 4616 §2)');
    // Defence in depth: the negotiator should not have offered PLAIN here at all.
    if (!isProtected(this.context)) {
      throw new SaslFailure('encryption-required', 'PLAIN is allowed only over TLS (RFC 4616 §6)');
    }
    // RFC 6120 §6.4.2: no initial response → an empty challenge, and the message comes next.
    if (clientData === undefined && state === 'initial') {
      this.state = 'response';
      return { kind: 'challenge', data: Buffer.alloc(0) };
    }
    return this.authenticate(clientData);
  }

  private async authenticate(clientData: Buffer | undefined): Promise<SaslStep> {
    // 1. message = [authzid] UTF8NUL authcid UTF8NUL passwd
    const { authzid, authcid, password } = parsePlainMessage(clientData);
    const username = normaliseUsername(authcid);
    if (username === '') throw new SaslFailure('malformed-request', 'the authcid is empty or not a username (RFC 4616 §2, RFC 8265 §3.3)');
    // 2. The authzid depends only on what the client sent, so refusing it first reveals nothing.
    if (authzid !== '' && !isOwnAuthzid(authzid, username, this.context.domain)) {
      throw new SaslFailure('invalid-authzid', 'an account may only act as itself (RFC 6120 §6.3.8)');
    }
    // The throttle decides once the username is known (issue #7 §4: per address and username).
    await this.context.admit?.(username);
    if (this.verifyPassword) return this.authenticateExternally(username, password);
    // 3. Check the password against the stored SHA-256 credential; an unknown user is checked
    //    against a fake one, so that both failures cost one key derivation (RFC 6120 §6.5.10).
    const { credential, isKnown } = await lookUpCredential(this.context, 'SHA-256', username);
    const isPasswordValid = await checkPasswordAsync('SHA-256', credential, password);
    if (!isPasswordValid || !isKnown) {
      throw new SaslFailure('not-authorized', 'wrong username or password (RFC 6120 §6.5.10)');
    }
    return { kind: 'success', username };
  }

  /** 3'. An external directory decides; the user must also have an account here (provisioned or imported). */
  private async authenticateExternally(username: string, password: string): Promise<SaslStep> {
    let isValid: boolean;
    try {
      isValid = await this.verifyPassword!(username, password);
    } catch {
      throw new SaslFailure('temporary-auth-failure', 'the password directory is unreachable; try again later (RFC 6120 §6.5.12)');
    }
    if (!isValid || !(await this.context.accounts.hasAccount(username))) {
      throw new SaslFailure('not-authorized', 'wrong username or password (RFC 6120 §6.5.10)');
    }
    return { kind: 'success', username };
  }
}

/** RFC 4616 §2: three UTF-8 fields separated by NUL; authcid and passwd are not empty. */
export function parsePlainMessage(data: Buffer | undefined): { authzid: string; authcid: string; password: string } {
  const malformed = (text: string) => new SaslFailure('malformed-request', text);
  if (!data || data.length === 0) throw malformed('a PLAIN message is required (RFC 4616 §2)');
  const fields: Buffer[] = [];
  let start = 0;
  for (let nul = data.indexOf(0); nul !== -1; nul = data.indexOf(0, start)) {
    fields.push(data.subarray(start, nul));
    start = nul + 1;
  }
  fields.push(data.subarray(start));
  if (fields.length !== 3) throw malformed('expected authzid NUL authcid NUL passwd (RFC 4616 §2)');
  const [authzid, authcid, password] = fields as [Buffer, Buffer, Buffer];
  if (authcid.length === 0 || password.length === 0) throw malformed('authcid and passwd must not be empty (RFC 4616 §2)');
  if (authzid.length > MAX_AUTHZID_BYTES || authcid.length > MAX_AUTHCID_BYTES || password.length > MAX_PASSWORD_BYTES) {
    throw malformed('a PLAIN field is too long (RFC 4616 §2)');
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return { authzid: decoder.decode(authzid), authcid: decoder.decode(authcid), password: decoder.decode(password) };
  } catch {
    throw malformed('PLAIN fields are UTF-8 (RFC 4616 §2)');
  }
}
