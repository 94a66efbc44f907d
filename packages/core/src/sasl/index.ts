// RFC 6120 §6.3.3 (mechanism preferences): the SASL mechanisms the server offers, strongest first.
import { createPlainMechanism, plainMechanism, type PasswordVerifier } from './plain.js';
import { scramMechanism } from './scram.js';
import type { SaslMechanism } from './types.js';

export * from './types.js';
export * from './credentials.js';
export { plainMechanism, createPlainMechanism, type PasswordVerifier } from './plain.js';
export { scramMechanism, type ScramOptions } from './scram.js';

/**
 * SCRAM-SHA-256 (RFC 7677), SCRAM-SHA-1 (RFC 5802), then PLAIN (RFC 4616; offered only over TLS or
 * loopback). With an external password directory (LDAP) only PLAIN can work: SCRAM needs keys
 * derived from the password, and the server never sees an LDAP password in a SCRAM exchange.
 */
export function defaultMechanisms(verifyPassword?: PasswordVerifier): SaslMechanism[] {
  if (verifyPassword) return [createPlainMechanism(verifyPassword)];
  return [scramMechanism('SHA-256'), scramMechanism('SHA-1'), plainMechanism];
}
