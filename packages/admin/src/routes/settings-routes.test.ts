// The chat server URLs and load limits over the admin API: validation with a reason per field,
// nothing saved on a bad request, who/when on the stored value, and an audit entry per change.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { LoadLimits } from '@deskchat/core';
import { TOKEN, bearer, serve, type Served } from '../__tests__/serve.js';
import type { LoadLimitControl } from './settings-routes.js';

let served: Served | undefined;
afterEach(() => served?.close());

const put = (base: string, path: string, body: unknown, token = TOKEN) =>
  fetch(base + path, { method: 'PUT', headers: { ...bearer(token), 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = async (base: string, path: string) => (await fetch(base + path, { headers: bearer(TOKEN) })).json() as Promise<Record<string, unknown>>;

const PRIMARY = 'https://imp1.example.com:5280/http-bind';
const SECONDARY = 'https://imp2.example.com:5280/httpbinding';

describe('GET/PUT /api/v1/settings/chat-servers', () => {
  it('reads nulls before anything was saved', async () => {
    served = await serve();
    expect(await get(served.base, '/api/v1/settings/chat-servers')).toEqual({ primary: null, secondary: null, updatedBy: null, updatedAt: null });
  });

  it('saves valid URLs with who and when, reads them back, and audits old and new values', async () => {
    served = await serve();
    const response = await put(served.base, '/api/v1/settings/chat-servers', { primary: PRIMARY, secondary: SECONDARY });
    expect(response.status).toBe(200);
    const saved = await response.json();
    expect(saved).toEqual({ primary: PRIMARY, secondary: SECONDARY, updatedBy: 'token:bootstrap', updatedAt: expect.any(Number) });
    expect(await get(served.base, '/api/v1/settings/chat-servers')).toEqual(saved);
    await put(served.base, '/api/v1/settings/chat-servers', { primary: SECONDARY, secondary: PRIMARY });
    const [second, first] = await served.stores.audit.list();
    expect(first).toMatchObject({ actor: 'token:bootstrap', action: 'settings.chat-servers.update', target: 'chat-servers', oldValue: { primary: null, secondary: null }, newValue: { primary: PRIMARY, secondary: SECONDARY } });
    expect(second).toMatchObject({ oldValue: { primary: PRIMARY, secondary: SECONDARY }, newValue: { primary: SECONDARY, secondary: PRIMARY } });
  });

  it.each([
    [{ primary: 'http://imp1.example.com/http-bind' }, { primary: expect.stringContaining('must use https') }],
    [{ primary: PRIMARY, secondary: PRIMARY }, { secondary: expect.stringContaining('must differ from the primary') }],
    [{ primary: 'https://imp1.example.com/' }, { primary: expect.stringContaining('BOSH path') }],
    [{ secondary: SECONDARY }, { primary: expect.stringContaining('required') }],
    [{ primary: PRIMARY, extra: 1 }, { extra: expect.stringContaining('unknown field') }],
  ])('refuses %j with 400 naming the field, and saves nothing', async (body, fields) => {
    served = await serve();
    const response = await put(served.base, '/api/v1/settings/chat-servers', body);
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: string; reason: string; fields: Record<string, string> };
    expect(error).toEqual({ error: 'invalid', reason: expect.any(String), fields });
    expect(error.reason).toMatch(new RegExp(`^${Object.keys(fields)[0]}: `));
    await expect(served.settings.get('chat-servers')).resolves.toBeUndefined();
    expect(await served.stores.audit.list()).toEqual([]);
  });

  it('accepts http URLs with admin.allowInsecureChatUrls', async () => {
    served = await serve({ allowInsecureChatUrls: true });
    expect((await put(served.base, '/api/v1/settings/chat-servers', { primary: 'http://127.0.0.1:5280/http-bind' })).status).toBe(200);
  });

  it('refuses invalid JSON (400) and a non-JSON body (415)', async () => {
    served = await serve();
    expect((await put(served.base, '/api/v1/settings/chat-servers', '{"primary":')).status).toBe(400);
    const form = await fetch(`${served.base}/api/v1/settings/chat-servers`, { method: 'PUT', headers: { ...bearer(TOKEN), 'content-type': 'application/x-www-form-urlencoded' }, body: 'primary=x' });
    expect(form.status).toBe(415);
  });
});

describe('GET/PUT /api/v1/settings/load-limits', () => {
  function control(): LoadLimitControl & { applied: LoadLimits[] } {
    let limits: LoadLimits = { maxSessionsPerNode: 0, restoreSessionsPerNode: 0 };
    const applied: LoadLimits[] = [];
    return { applied, current: () => limits, apply: (l) => applied.push((limits = l)), status: () => ({ sessions: 3, isRefusing: false, refusals: 0 }) };
  }

  it('reads the limits with the node state, applies and stores a change, and audits it', async () => {
    const loadLimit = control();
    served = await serve({ loadLimit });
    expect(await get(served.base, '/api/v1/settings/load-limits')).toEqual({ maxSessionsPerNode: 0, restoreSessionsPerNode: 0, sessions: 3, isRefusing: false, refusals: 0, updatedBy: null, updatedAt: null });
    const response = await put(served.base, '/api/v1/settings/load-limits', { maxSessionsPerNode: 1000 });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ maxSessionsPerNode: 1000, restoreSessionsPerNode: 900, updatedBy: 'token:bootstrap' });
    expect(loadLimit.applied).toEqual([{ maxSessionsPerNode: 1000, restoreSessionsPerNode: 900 }]);
    await expect(served.settings.get('load-limits')).resolves.toMatchObject({ value: { maxSessionsPerNode: 1000, restoreSessionsPerNode: 900 } });
    expect((await served.stores.audit.list())[0]).toMatchObject({ action: 'settings.load-limits.update', oldValue: { maxSessionsPerNode: 0, restoreSessionsPerNode: 0 }, newValue: { maxSessionsPerNode: 1000, restoreSessionsPerNode: 900 } });
  });

  it.each([
    [{ maxSessionsPerNode: -5 }, 'maxSessionsPerNode'],
    [{ maxSessionsPerNode: 10, restoreSessionsPerNode: 20 }, 'restoreSessionsPerNode'],
    [{ maxSessions: 10 }, 'maxSessions'],
  ])('refuses %j naming %s, and applies nothing', async (body, field) => {
    const loadLimit = control();
    served = await serve({ loadLimit });
    const response = await put(served.base, '/api/v1/settings/load-limits', body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: Record<string, string> }).fields).toHaveProperty(field);
    expect(loadLimit.applied).toEqual([]);
    await expect(served.settings.get('load-limits')).resolves.toBeUndefined();
  });
});
