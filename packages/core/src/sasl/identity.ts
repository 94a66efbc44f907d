// RFC 6120 §6.3.7 (the authcid is a simple user name), §6.3.8 (authorization identity), §6.5.10 and
// RFC 5802 §7 server-error-value (do not disclose why, e.g. that an account does not exist).
import { randomBytes } from 'node:crypto';
import { parseJid, prepareLocalpart } from '@deskchat/protocol';
import type { ScramCredential, ScramHash } from '../storage/accounts.js';
import { DEFAULT_ITERATIONS, hmac } from './credentials.js';
import { SaslFailure } from './types.js';
import type { SaslContext } from './types.js';

/** Store keys are prepared localparts (PRECIS UsernameCaseMapped); '' when the name cannot be one. */
export function normaliseUsername(username: string): string {
  return prepareLocalpart(username) ?? '';
}

/**
 * RFC 6120 §6.3.8: an account may act only as itself. The authzid may be the username or the
 * account's bare JID (no resource); anything else is `invalid-authzid`.
 */
export function isOwnAuthzid(authzid: string, username: string, domain: string): boolean {
  if (!authzid.includes('@')) return normaliseUsername(authzid) === username;
  const jid = parseJid(authzid);
  return jid !== undefined && !jid.resource && jid.local === username && jid.domain === domain.toLowerCase();
}

/** Per-process secret for fake credentials: an attacker cannot predict or recompute them. */
const FAKE_SECRET = randomBytes(32);
/** The length of the salts that deriveCredentials() generates, so fake salts look the same. */
const SALT_LENGTH = 16;

/**
 * A credential for an account that does not exist. Deterministic per (hash, username) within the
 * process, so that asking twice shows the same salt, as it would for a real account; its keys
 * match no password.
 */
export function fakeCredential(hash: ScramHash, username: string): ScramCredential {
  const derive = (purpose: string) => hmac(hash, FAKE_SECRET, `${purpose}\0${hash}\0${username}`);
  return {
    salt: derive('salt').subarray(0, SALT_LENGTH).toString('base64'),
    iterations: DEFAULT_ITERATIONS,
    storedKey: derive('stored-key').toString('base64'),
    serverKey: derive('server-key').toString('base64'),
  };
}

export interface CredentialLookup {
  credential: ScramCredential;
  /** `false` when `credential` is a fake one: authentication must fail whatever the client proves. */
  isKnown: boolean;
}

/**
 * Looks up the stored credential for `username`, or a fake one when there is no such account (or
 * it has no credential for this hash), so that both paths do the same work.
 */
export async function lookUpCredential(context: SaslContext, hash: ScramHash, username: string): Promise<CredentialLookup> {
  let credential: ScramCredential | undefined;
  try {
    credential = (await context.accounts.getAccount(username))?.credentials?.[hash];
  } catch (err) {
    // RFC 6120 §6.5.11: a backend problem is temporary, not the client's fault.
    const failure = new SaslFailure('temporary-auth-failure', 'the account store is unavailable (RFC 6120 §6.5.11)');
    failure.cause = err;
    throw failure;
  }
  return credential ? { credential, isKnown: true } : { credential: fakeCredential(hash, username), isKnown: false };
}
