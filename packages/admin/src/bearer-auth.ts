// Bearer-token authorization for the admin API (RFC 6750), compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { failures } from './http-error.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function bearerAuth(token: string | undefined) {
  const expected = token ? digest(token) : undefined;
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!expected) throw failures.notConfigured();
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'));
    // Hashing both sides gives equal lengths, so the comparison leaks nothing about the token.
    if (!match || !timingSafeEqual(digest(match[1]), expected)) throw failures.unauthorized();
    await next();
  };
}
