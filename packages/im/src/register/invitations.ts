// What in-band registration needs of invitations (register.requireInvitation): a token an
// administrator made (admin API POST /api/v1/invitations, `deskchat invite`), valid until it
// expires, used once. The server hands in the implementation (server/src/users/invitations.ts).

export interface InvitationRedeemer {
  /**
   * Takes the invitation (atomically: a token is used once); undefined when unknown, used or
   * expired. What it returns gives the invitation back, for a registration that then failed (a taken name).
   */
  consume(token: string): Promise<(() => Promise<void>) | undefined>;
}
