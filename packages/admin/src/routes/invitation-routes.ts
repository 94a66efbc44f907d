// Invitations to register in band (XEP-0077 with register.requireInvitation, issue #13):
//   POST /api/v1/invitations {"expiresInHours"?: 1..720, default 168}
//        201 {"token", "expiresAt"}   (the token is shown this once; only its SHA-256 is stored)
//   GET  /api/v1/invitations    [{createdAt, createdBy, expiresAt}] still valid, by expiry
// The invitee gives the token in the registration form's `invite` field; it is used once.
import { createHash, randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { AdminStores } from '@deskchat/core';
import { recordChange } from '../audit.js';
import { failures } from '../http-error.js';
import { readJson } from '../json-body.js';

export const INVITATION_PREFIX = 'dci_';
export const DEFAULT_INVITATION_HOURS = 168;

export function generateInvitationToken(): string {
  return INVITATION_PREFIX + randomBytes(24).toString('base64url');
}

/** What the InvitationStore keeps of a token. */
export function invitationTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function invitationRoutes(router: Router, stores: AdminStores, now: () => number = Date.now): void {
  router.get('/api/v1/invitations', async (ctx) => {
    ctx.body = await stores.invitations.listInvitations(now());
  });

  router.post('/api/v1/invitations', async (ctx) => {
    const body = ((await readJson(ctx)) ?? {}) as { expiresInHours?: unknown };
    const hours = body.expiresInHours ?? DEFAULT_INVITATION_HOURS;
    if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > 720) throw failures.invalid({ expiresInHours: 'must be an integer 1..720' });
    const token = generateInvitationToken();
    const createdAt = now();
    const expiresAt = createdAt + hours * 3_600_000;
    await stores.invitations.createInvitation({ hash: invitationTokenHash(token), createdAt, createdBy: ctx.state.identity.actor as string, expiresAt });
    await recordChange(stores.audit, ctx, { action: 'invitation.create', target: new Date(expiresAt).toISOString() }, now);
    ctx.status = 201;
    ctx.body = { token, expiresAt };
  });
}
