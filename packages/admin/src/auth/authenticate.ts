// Who is calling the admin API, decided before routing (so that, without credentials, a known path
// and an unknown one both answer 401 and nothing can be enumerated):
//   1. `Authorization: Bearer T` (RFC 6750): the bootstrap token (admin.token / DESKCHAT_ADMIN_TOKEN,
//      compared in constant time) or an API token found by its SHA-256. A wrong bearer is a 401 even
//      with a session cookie: automation should fail loudly.
//   2. The admin page's session cookie: HttpOnly, SameSite=Strict, checked for idle and absolute
//      expiry, and void once the admin is removed or changes password. Every state change (any
//      method but GET/HEAD) also needs the session's CSRF token in `X-CSRF-Token` (synchronizer
//      token; SameSite alone does not cover older browsers or same-site subdomains).
// This replaces the bearer-only check of the first admin API.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { AdminStores } from '@deskchat/core';
import { failures } from '../http-error.js';
import type { AdminSession, AdminSessions } from './admin-sessions.js';
import { tokenHash } from './api-token.js';

export const SESSION_COOKIE = 'deskchat_admin';

export interface Identity {
  /** What the audit log records: `admin:NAME`, `token:NAME` or `token:bootstrap`. */
  actor: string;
  session?: { id: string; state: AdminSession };
}

export interface AuthenticateOptions {
  bootstrapToken?: string;
  stores: AdminStores;
  sessions: AdminSessions;
  /** Requests that need no identity (health, sign-in, public metrics). */
  isPublic(ctx: Context): boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time comparison of two strings of any length (hashing equalises the lengths). */
export function isSameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

export function authenticate(options: AuthenticateOptions) {
  const bootstrap = options.bootstrapToken;
  return async (ctx: Context, next: Next): Promise<void> => {
    const identity = await identify(ctx);
    if (identity) ctx.state.identity = identity;
    else if (!options.isPublic(ctx)) throw failures.unauthorized();
    await next();
  };

  async function identify(ctx: Context): Promise<Identity | undefined> {
    const header = ctx.get('Authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw failures.unauthorized();
      const token = match[1]!;
      if (bootstrap && isSameSecret(token, bootstrap)) return { actor: 'token:bootstrap' };
      const stored = await options.stores.apiTokens.findTokenByHash(tokenHash(token));
      if (stored) return { actor: `token:${stored.name}` };
      throw failures.unauthorized();
    }
    const id = ctx.cookies.get(SESSION_COOKIE);
    if (!id) return undefined;
    const state = options.sessions.use(id);
    if (state === undefined) return undefined;
    if (state === 'expired') {
      if (options.isPublic(ctx)) return undefined;
      throw failures.sessionExpired();
    }
    // The admin may have been removed or changed password since (perhaps with the CLI, in another process).
    const admin = await options.stores.admins.getAdmin(state.name);
    if (!admin || admin.passwordChangedAt > state.createdAt) {
      options.sessions.destroy(id);
      if (options.isPublic(ctx)) return undefined;
      throw failures.sessionExpired();
    }
    if (!SAFE_METHODS.has(ctx.method) && !isSameSecret(ctx.get('X-CSRF-Token'), state.csrfToken)) throw failures.csrf();
    return { actor: `admin:${state.name}`, session: { id, state } };
  }
}
