// Signing in and out of the admin page.
//   POST /api/v1/auth/sign-in   {"name", "password"} → {"name", "csrfToken"} and a fresh session cookie
//   POST /api/v1/auth/sign-out  ends the session (needs the CSRF token like every state change)
//   GET  /api/v1/auth/session   who is signed in, and the CSRF token again (after a page reload)
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AdminStores } from '@deskchat/core';
import { failures } from '../http-error.js';
import { readJson } from '../json-body.js';
import type { AdminSessions } from './admin-sessions.js';
import { SESSION_COOKIE, type Identity } from './authenticate.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import type { SignInThrottle } from './sign-in-throttle.js';

export interface AuthRoutesOptions {
  stores: AdminStores;
  sessions: AdminSessions;
  throttle: SignInThrottle;
  idleSeconds: number;
  /** Counts sign-ins by result (metrics). */
  onSignIn?: (result: 'ok' | 'failed' | 'throttled') => void;
}

let dummyHash: Promise<string> | undefined;

function cookieOptions(ctx: Context) {
  // Secure whenever the admin page is reached over TLS (directly, or through a trusted proxy).
  return { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: ctx.secure, overwrite: true };
}

export function authRoutes(router: Router, options: AuthRoutesOptions): void {
  router.post('/api/v1/auth/sign-in', async (ctx) => {
    const body = (await readJson(ctx)) as { name?: unknown; password?: unknown } | null;
    const name = typeof body?.name === 'string' ? body.name.trim().toLowerCase() : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    const fields: Record<string, string> = {};
    if (!name) fields.name = 'required';
    if (!password) fields.password = 'required';
    if (Object.keys(fields).length) throw failures.invalid(fields);
    const address = ctx.ip || 'unknown';
    const wait = await options.throttle.retryAfter(name, address);
    if (wait > 0) {
      options.onSignIn?.('throttled');
      ctx.set('Retry-After', String(wait));
      throw failures.throttled(wait);
    }
    const admin = await options.stores.admins.getAdmin(name);
    // An unknown name costs the same scrypt as a known one: the timing tells nothing.
    const isValid = await verifyPassword(password, admin?.passwordHash ?? (await (dummyHash ??= hashPassword('not a password'))));
    if (!admin || !isValid) {
      await options.throttle.failed(name, address);
      options.onSignIn?.('failed');
      throw failures.badSignIn();
    }
    await options.throttle.succeeded(name, address);
    // Session fixation: a sign-in always starts a new session and ends the one the browser had.
    const previous = ctx.cookies.get(SESSION_COOKIE);
    if (previous) options.sessions.destroy(previous);
    const { id, session } = options.sessions.create(name);
    ctx.cookies.set(SESSION_COOKIE, id, cookieOptions(ctx));
    options.onSignIn?.('ok');
    ctx.body = { name, csrfToken: session.csrfToken, idleSeconds: options.idleSeconds };
  });

  router.post('/api/v1/auth/sign-out', (ctx) => {
    const identity = ctx.state.identity as Identity;
    if (identity.session) options.sessions.destroy(identity.session.id);
    ctx.cookies.set(SESSION_COOKIE, '', { ...cookieOptions(ctx), maxAge: 0 });
    ctx.status = 204;
  });

  router.get('/api/v1/auth/session', (ctx) => {
    const identity = ctx.state.identity as Identity;
    ctx.body = identity.session
      ? { actor: identity.actor, name: identity.session.state.name, csrfToken: identity.session.state.csrfToken, idleSeconds: options.idleSeconds }
      : { actor: identity.actor };
  });
}
