// XEP-0077 registration invitations over the admin API: a token shown once (only its SHA-256 is
// stored), its expiry validated and bounded, the list of valid ones, an audit entry per invitation.
import { afterEach, describe, expect, it } from '@jest/globals';
import { TOKEN, bearer, serve, type Served } from '../__tests__/serve.js';
import { invitationTokenHash } from './invitation-routes.js';

let served: Served | undefined;
afterEach(() => served?.close());

const post = (base: string, body?: unknown) =>
  fetch(`${base}/api/v1/invitations`, { method: 'POST', headers: { ...bearer(TOKEN), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('POST/GET /api/v1/invitations', () => {
  it('makes a token valid for a week by default, stores only its hash, lists it and audits it', async () => {
    served = await serve();
    const response = await post(served.base, {});
    expect(response.status).toBe(201);
    const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: number };
    expect(token).toMatch(/^dci_[A-Za-z0-9_-]{32}$/);
    expect(expiresAt - Date.now()).toBeGreaterThan(167 * 3_600_000);
    const listed = (await (await fetch(`${served.base}/api/v1/invitations`, { headers: bearer(TOKEN) })).json()) as Record<string, unknown>[];
    expect(listed).toEqual([{ createdAt: expect.any(Number), createdBy: 'token:bootstrap', expiresAt }]);
    expect(JSON.stringify(listed)).not.toContain(token);
    await expect(served.stores.invitations.takeInvitation(invitationTokenHash(token), Date.now())).resolves.toMatchObject({ expiresAt });
    expect((await served.stores.audit.list())[0]).toMatchObject({ action: 'invitation.create', actor: 'token:bootstrap' });
  });

  it.each([0, 721, 1.5, '2'])('refuses expiresInHours %j with 400 and makes nothing', async (hours) => {
    served = await serve();
    const response = await post(served.base, { expiresInHours: hours });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: Record<string, string> }).fields).toEqual({ expiresInHours: expect.stringContaining('1..720') });
    await expect(served.stores.invitations.listInvitations(0)).resolves.toEqual([]);
  });
});
