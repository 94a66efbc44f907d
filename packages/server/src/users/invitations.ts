// Registration invitations (XEP-0077 with register.requireInvitation) for im's register module, on
// the administration stores' InvitationStore: a token is looked up by its SHA-256 (as the admin API
// stores it) and taken atomically; a registration that then fails gives it back unchanged.
import { invitationTokenHash } from '@deskchat/admin';
import type { InvitationStore } from '@deskchat/core';
import type { InvitationRedeemer } from '@deskchat/im';

export function createInvitationRedeemer(store: InvitationStore, now: () => number = Date.now): InvitationRedeemer {
  return {
    async consume(token) {
      const taken = await store.takeInvitation(invitationTokenHash(token), now());
      return taken && (() => store.createInvitation(taken));
    },
  };
}
