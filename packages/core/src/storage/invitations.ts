// Durable port: invitations to register in band (XEP-0077 with register.requireInvitation, issue
// #13). An administrator makes one (admin API POST /api/v1/invitations); the token is shown once and
// the store keeps only its SHA-256, as for API tokens (a 256-bit random token needs no slow hash).
// A registration takes the invitation: atomically, so that a token is used once however many
// registrations race for it.

export interface Invitation {
  /** Hex SHA-256 of the token. */
  hash: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Who made it (`admin:NAME`, `token:NAME` or `cli`). */
  createdBy: string;
  /** It cannot be taken from this time on (milliseconds since the epoch). */
  expiresAt: number;
}

export interface InvitationStore {
  /** Stores a new invitation (or one given back after a failed registration). */
  createInvitation(invitation: Invitation): Promise<void>;
  /**
   * Removes and returns the invitation with this hash when it exists and has not expired at `now`;
   * undefined otherwise (an expired one is removed too). Of concurrent callers, one gets it.
   */
  takeInvitation(hash: string, now: number): Promise<Invitation | undefined>;
  /** Invitations that can still be taken at `now`, by expiry, without hashes. */
  listInvitations(now: number): Promise<Omit<Invitation, 'hash'>[]>;
}
