// RFC 6120 §6.3.3 (mechanism preferences): the SASL mechanisms the server offers, strongest first.
import { plainMechanism } from './plain.js';
import { scramMechanism } from './scram.js';
import type { SaslMechanism } from './types.js';

export * from './types.js';
export * from './credentials.js';
export { plainMechanism } from './plain.js';
export { scramMechanism, type ScramOptions } from './scram.js';

/** SCRAM-SHA-256 (RFC 7677), SCRAM-SHA-1 (RFC 5802), then PLAIN (RFC 4616; offered only over TLS or loopback). */
export function defaultMechanisms(): SaslMechanism[] {
  return [scramMechanism('SHA-256'), scramMechanism('SHA-1'), plainMechanism];
}
