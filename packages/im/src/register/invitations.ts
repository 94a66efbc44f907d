// What in-band registration needs of invitations (register.requireInvitation): a token an
// administrator made (admin API POST /api/v1/invitations, `deskchat invite`), valid until it
// expires, used once. The server hands in the implementation (server/src/users/invitations.ts).

export interface InvitationRedeemer {
  /** Takes the invitation (atomically: a token is used once); false when unknown, used or expired. */
  consume(token: string): Promise<boolean>;
  /** Gives back an invitation taken by `consume` when the registration then failed (a taken name). */
  restore(token: string): Promise<void>;
}
