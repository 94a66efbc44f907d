// The admin API in a real Koa app on a free loopback port: who may call it (bootstrap token, API
// tokens, the page's session cookie with CSRF), failed sign-in throttling, JSON errors, the
// request-rate limit, health, and that nothing answers differently to an unauthenticated caller
// for a known or an unknown path.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { PresenceSourceService } from '@deskchat/im';
import { eventually } from '@deskchat/testing';
import { Browser, TOKEN, addAdmin, bearer, serve, type Served } from './__tests__/serve.js';
import { generateApiToken, tokenHash } from './auth/api-token.js';
import { hashPassword } from './auth/password-hash.js';

let served: Served | undefined;
afterEach(() => served?.close());
const start = async (...args: Parameters<typeof serve>) => (served = await serve(...args));

const fakeService: PresenceSourceService = {
  setSource: async (username) => username === 'alice',
  report: async (username) => (username === 'alice' ? { username, composed: { isAvailable: false, show: 'xa', reason: 'offline' }, sources: { resources: [] } } : undefined),
};

describe('authentication before routing', () => {
  it.each([['/api/v1/settings/chat-servers'], ['/api/v1/nothing'], ['/metrics'], ['/api/v1/audit']])('answers 401 without credentials for %s, known or not', async (path) => {
    const { base } = await start({ metrics: async () => ({ contentType: 'text/plain', body: '' }) });
    const response = await fetch(base + path);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="deskchat-admin"');
    expect(await response.json()).toEqual({ error: 'unauthorized', reason: expect.stringContaining('sign in') });
  });

  it('answers 401 for a wrong bearer token, and for a malformed Authorization header', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/api/v1/audit`, { headers: bearer('wrong-token-wrong-token') })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/audit`, { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
  });

  it('serves the bootstrap token (DESKCHAT_ADMIN_TOKEN), and an unknown endpoint then gets a JSON 404', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/api/v1/audit`, { headers: bearer(TOKEN) })).status).toBe(200);
    const response = await fetch(`${base}/api/v1/nothing`, { headers: bearer(TOKEN) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not-found', reason: expect.stringContaining('/api/v1/nothing') });
  });

  it('serves an API token found by its hash, and refuses it once revoked', async () => {
    const { base, stores } = await start();
    const token = generateApiToken();
    await stores.apiTokens.createToken({ name: 'ci', hash: tokenHash(token), createdAt: 1, createdBy: 'cli' });
    expect((await fetch(`${base}/api/v1/audit`, { headers: bearer(token) })).status).toBe(200);
    await stores.apiTokens.revokeToken('ci');
    expect((await fetch(`${base}/api/v1/audit`, { headers: bearer(token) })).status).toBe(401);
  });

  it('answers health and readiness without credentials; readiness is 503 naming the failing check', async () => {
    let isOk = true;
    const { base } = await start({ readiness: async () => ({ storage: { ok: true }, loadLimit: isOk ? { ok: true } : { ok: false, detail: 'at the limit' } }) });
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    isOk = false;
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not-ready', checks: { storage: { ok: true }, loadLimit: { ok: false, detail: 'at the limit' } } });
  });

  it('serves /metrics without credentials only with admin.metricsPublic', async () => {
    const metrics = async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'deskchat_up 1\n' });
    const closed = await start({ metrics });
    expect((await fetch(`${closed.base}/metrics`)).status).toBe(401);
    expect(await (await fetch(`${closed.base}/metrics`, { headers: bearer(TOKEN) })).text()).toBe('deskchat_up 1\n');
    closed.close();
    const open = await start({ metrics, metricsPublic: true });
    const response = await fetch(`${open.base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('version=0.0.4');
  });
});

describe('admin page sessions (cookie + CSRF)', () => {
  it('signs in with a fresh HttpOnly, SameSite=Strict cookie and reads the session back with its CSRF token', async () => {
    const { base, stores } = await start();
    await addAdmin(stores, 'root', 'root password 1');
    const browser = new Browser(base);
    const response = await browser.signIn('Root', 'root password 1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: 'root', csrfToken: expect.any(String), idleSeconds: 1800 });
    expect(browser.lastSetCookie).toMatch(/^deskchat_admin=[\w-]{43}; path=\/; samesite=strict; httponly$/);
    expect(await (await browser.fetch('/api/v1/auth/session')).json()).toEqual({ actor: 'admin:root', name: 'root', csrfToken: browser.csrf, idleSeconds: 1800 });
  });

  it('rotates the session at sign-in: the cookie from before no longer works', async () => {
    const { base, stores } = await start();
    await addAdmin(stores, 'root', 'root password 1');
    const browser = new Browser(base);
    await browser.signIn('root', 'root password 1');
    const first = browser.cookie!;
    await browser.signIn('root', 'root password 1');
    expect(browser.cookie).not.toBe(first);
    expect((await fetch(`${base}/api/v1/auth/session`, { headers: { cookie: first } })).status).toBe(401);
  });

  it('refuses a wrong password or an unknown admin with the same 401', async () => {
    const { base, stores } = await start();
    await addAdmin(stores, 'root', 'root password 1');
    for (const [name, password] of [['root', 'wrong password'], ['nobody', 'root password 1']]) {
      const response = await new Browser(base).signIn(name!, password!);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized', reason: 'wrong admin name or password' });
    }
  });

  it('names missing sign-in fields', async () => {
    const { base } = await start();
    const response = await new Browser(base).fetch('/api/v1/auth/sign-in', { method: 'POST', json: { name: 'root' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid', reason: 'password: required', fields: { password: 'required' } });
  });

  it('needs the CSRF token for every state change, and accepts the change with it', async () => {
    const { base, stores } = await start();
    await addAdmin(stores, 'root', 'root password 1');
    const browser = new Browser(base);
    await browser.signIn('root', 'root password 1');
    const body = { primary: 'https://imp1.example.com/http-bind', secondary: null };
    const missing = await browser.fetch('/api/v1/settings/chat-servers', { method: 'PUT', json: body, csrf: false });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error: 'csrf-failed' });
    const wrong = await browser.fetch('/api/v1/settings/chat-servers', { method: 'PUT', json: body, csrf: false, headers: { 'x-csrf-token': 'guess' } });
    expect(wrong.status).toBe(403);
    expect(await stores.audit.list()).toEqual([]);
    expect((await browser.fetch('/api/v1/settings/chat-servers', { method: 'PUT', json: body })).status).toBe(200);
    // Reads need no CSRF token.
    expect((await browser.fetch('/api/v1/settings/chat-servers', { csrf: false })).status).toBe(200);
  });

  it('ends a session after the idle timeout with 401 session-expired', async () => {
    let now = 1_000_000;
    const { base, stores } = await start({ now: () => now, sessionTimeouts: { idleMs: 60_000, absoluteMs: 3_600_000 } });
    await addAdmin(stores, 'root', 'root password 1', now);
    const browser = new Browser(base);
    await browser.signIn('root', 'root password 1');
    now += 59_000;
    expect((await browser.fetch('/api/v1/audit')).status).toBe(200); // used: the idle clock restarts
    now += 59_000;
    expect((await browser.fetch('/api/v1/audit')).status).toBe(200);
    now += 61_000;
    const expired = await browser.fetch('/api/v1/audit');
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: 'session-expired' });
  });

  it('ends every session after the absolute timeout, however busy', async () => {
    let now = 1_000_000;
    const { base, stores } = await start({ now: () => now, sessionTimeouts: { idleMs: 60_000, absoluteMs: 100_000 } });
    await addAdmin(stores, 'root', 'root password 1', now);
    const browser = new Browser(base);
    await browser.signIn('root', 'root password 1');
    for (let i = 0; i < 3; i++) {
      now += 40_000;
      await browser.fetch('/api/v1/audit');
    }
    expect((await browser.fetch('/api/v1/audit')).status).toBe(401);
  });

  it('ends the sessions of an admin whose password changed or who was removed', async () => {
    let now = 1_000_000;
    const { base, stores } = await start({ now: () => now });
    await addAdmin(stores, 'root', 'root password 1', now);
    const browser = new Browser(base);
    await browser.signIn('root', 'root password 1');
    now += 1000;
    await stores.admins.setPasswordHash('root', await hashPassword('another password', { log2N: 10, r: 8, p: 1 }), now);
    expect(await (await browser.fetch('/api/v1/audit')).json()).toMatchObject({ error: 'session-expired' });
    await browser.signIn('root', 'another password');
    expect((await browser.fetch('/api/v1/audit')).status).toBe(200);
    await stores.admins.removeAdmin('root');
    expect((await browser.fetch('/api/v1/audit')).status).toBe(401);
  });

  it('signs out: the cookie is cleared and no longer works', async () => {
    const { base, stores } = await start();
    await addAdmin(stores, 'root', 'root password 1');
    const browser = new Browser(base);
    await browser.signIn('root', 'root password 1');
    const cookie = browser.cookie!;
    expect((await browser.fetch('/api/v1/auth/sign-out', { method: 'POST' })).status).toBe(204);
    expect(browser.cookie).toBeUndefined();
    expect((await fetch(`${base}/api/v1/audit`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('failed sign-in throttling (per account and address, rate-limiter-flexible)', () => {
  it('blocks an account from an address after consecutive failures, even with the right password, with Retry-After', async () => {
    const { base, stores } = await start({ signInThrottle: { failuresPerAccountAndAddress: 3, failuresPerAddressPerDay: 100, blockSeconds: 600 } });
    await addAdmin(stores, 'root', 'root password 1');
    await addAdmin(stores, 'ops', 'ops password 1');
    for (let i = 0; i < 3; i++) expect((await new Browser(base).signIn('root', `wrong ${i}`)).status).toBe(401);
    const blocked = await new Browser(base).signIn('root', 'root password 1');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(await blocked.json()).toMatchObject({ error: 'too-many-failures' });
    // Another admin at the same address is not locked out by root's typos.
    expect((await new Browser(base).signIn('ops', 'ops password 1')).status).toBe(200);
  });

  it('blocks an address past its ceiling of failures across accounts', async () => {
    const { base, stores } = await start({ signInThrottle: { failuresPerAccountAndAddress: 100, failuresPerAddressPerDay: 4, blockSeconds: 600 } });
    await addAdmin(stores, 'ops', 'ops password 1');
    for (const name of ['a', 'b', 'c', 'd']) await new Browser(base).signIn(name, 'guess password');
    expect((await new Browser(base).signIn('ops', 'ops password 1')).status).toBe(429);
  });

  it('forgets earlier failures of a pair after a successful sign-in', async () => {
    const { base, stores } = await start({ signInThrottle: { failuresPerAccountAndAddress: 3, failuresPerAddressPerDay: 100, blockSeconds: 600 } });
    await addAdmin(stores, 'root', 'root password 1');
    await new Browser(base).signIn('root', 'wrong 1');
    await new Browser(base).signIn('root', 'wrong 2');
    expect((await new Browser(base).signIn('root', 'root password 1')).status).toBe(200);
    await new Browser(base).signIn('root', 'wrong 3');
    await new Browser(base).signIn('root', 'wrong 4');
    expect((await new Browser(base).signIn('root', 'root password 1')).status).toBe(200);
  });
});

describe('API tokens and the audit log', () => {
  it('creates a token shown once, which then authenticates and is audited without its value', async () => {
    const { base, stores } = await start();
    const created = await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { ...bearer(TOKEN), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Phone-System' }) });
    expect(created.status).toBe(201);
    const { name, token } = (await created.json()) as { name: string; token: string };
    expect(name).toBe('phone-system');
    expect(token).toMatch(/^dct_[\w-]{43}$/);
    expect(await (await fetch(`${base}/api/v1/tokens`, { headers: bearer(token) })).json()).toEqual([{ name: 'phone-system', createdAt: expect.any(Number), createdBy: 'token:bootstrap' }]);
    const log = JSON.stringify(await stores.audit.list());
    expect(log).toContain('token.create');
    expect(log).not.toContain(token);
  });

  it('refuses a bad or duplicate token name, and revokes a token (audited)', async () => {
    const { base, stores } = await start();
    const post = (n: unknown) => fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { ...bearer(TOKEN), 'content-type': 'application/json' }, body: JSON.stringify({ name: n }) });
    expect((await post('a b')).status).toBe(400);
    expect((await post('ci')).status).toBe(201);
    expect((await post('ci')).status).toBe(409);
    expect((await fetch(`${base}/api/v1/tokens/ci`, { method: 'DELETE', headers: bearer(TOKEN) })).status).toBe(204);
    expect((await fetch(`${base}/api/v1/tokens/ci`, { method: 'DELETE', headers: bearer(TOKEN) })).status).toBe(404);
    expect((await stores.audit.list()).map((e) => [e.actor, e.action, e.target])).toEqual([
      ['token:bootstrap', 'token.revoke', 'ci'],
      ['token:bootstrap', 'token.create', 'ci'],
    ]);
  });

  it('pages the audit log newest first and validates its query', async () => {
    const { base, stores } = await start();
    for (let i = 1; i <= 3; i++) await stores.audit.append({ at: i, actor: 'cli', action: 'user.add', target: `u${i}` });
    const page = (await (await fetch(`${base}/api/v1/audit?limit=2`, { headers: bearer(TOKEN) })).json()) as { id: number; target: string }[];
    expect(page.map((e) => e.target)).toEqual(['u3', 'u2']);
    const next = (await (await fetch(`${base}/api/v1/audit?limit=2&before=${page[1]!.id}`, { headers: bearer(TOKEN) })).json()) as { target: string }[];
    expect(next.map((e) => e.target)).toEqual(['u1']);
    const bad = await fetch(`${base}/api/v1/audit?limit=0`, { headers: bearer(TOKEN) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ fields: { limit: 'must be an integer 1..500' } });
    expect((await fetch(`${base}/api/v1/audit?before=x`, { headers: bearer(TOKEN) })).status).toBe(400);
  });
});

describe('presence', () => {
  it("names an offline user's composed state unavailable, not xa", async () => {
    const { base } = await start({ presenceSources: () => fakeService });
    const report = (await (await fetch(`${base}/api/v1/users/alice/presence`, { headers: bearer(TOKEN) })).json()) as { composed: { show: string; isAvailable: boolean } };
    expect(report.composed).toEqual({ isAvailable: false, show: 'unavailable', reason: 'offline' });
  });
});

describe('request-rate limit', () => {
  it('answers 429 with Retry-After past the limit (rate-limiter-flexible), and serves again in the next window', async () => {
    const { base } = await start({ rateLimit: { perSecond: 3, burst: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}/api/v1/audit`, { headers: bearer(TOKEN) })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetch(`${base}/api/v1/audit`, { headers: bearer(TOKEN) });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ error: 'too-many-requests' });
    await eventually(async () => (await fetch(`${base}/api/v1/audit`, { headers: bearer(TOKEN) })).status === 200, 'served again', 3000);
  });
});
