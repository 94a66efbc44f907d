// Contract of the server side of a SASL mechanism (RFC 6120 §6, RFC 4422).
import type { AccountStore } from '../storage/accounts.js';

/** RFC 6120 §6.5 failure conditions a mechanism may end with. */
export type SaslFailureCondition =
  | 'aborted'
  | 'account-disabled'
  | 'credentials-expired'
  | 'encryption-required'
  | 'incorrect-encoding'
  | 'invalid-authzid'
  | 'invalid-mechanism'
  | 'malformed-request'
  | 'mechanism-too-weak'
  | 'not-authorized'
  | 'temporary-auth-failure';

export class SaslFailure extends Error {
  constructor(
    readonly condition: SaslFailureCondition,
    readonly text?: string,
  ) {
    super(text ? `${condition}: ${text}` : condition);
    this.name = 'SaslFailure';
  }
}

/** What a mechanism may know about the connection it runs on. */
export interface SaslContext {
  /** The XMPP domain being served (for building authzid checks). */
  domain: string;
  /** The connection is encrypted (TLS). */
  isSecure: boolean;
  /** The peer is on a loopback address. */
  isLoopback: boolean;
  accounts: AccountStore;
  /**
   * Called by a mechanism as soon as it knows the (prepared) username, before any password work;
   * throws SaslFailure('temporary-auth-failure') when that user is locked out from this address.
   */
  admit?(username: string): Promise<void>;
}

export type SaslStep =
  /** Send `<challenge/>` with these bytes and wait for the next `<response/>`. */
  | { kind: 'challenge'; data: Buffer }
  /** Authentication succeeded for `username` (normalised localpart); send `<success/>` with `data` if given. */
  | { kind: 'success'; username: string; data?: Buffer };

export interface SaslExchange {
  /** Feeds the initial response (or `undefined` when the client sent none, or `=`'s empty buffer) and each later response. Throws `SaslFailure`. */
  step(clientData: Buffer | undefined): Promise<SaslStep>;
}

export interface SaslMechanism {
  readonly name: string;
  /** Whether to offer the mechanism on this connection (PLAIN only over TLS or loopback). */
  isOffered(context: SaslContext): boolean;
  start(context: SaslContext): SaslExchange;
}
