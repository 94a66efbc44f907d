// The admin API's failures: one registry so that every rendering of a failure agrees
// (conventions §4). Bodies are JSON `{ "error": code, "reason": text }`.
import type { Context, Next } from 'koa';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    /** Per-field reasons of a validation failure (`{"primary": "must use https"}`), for forms. */
    readonly fields?: Record<string, string>,
  ) {
    super(reason);
    this.name = 'HttpError';
  }
}

export const failures = {
  unauthorized: () => new HttpError(401, 'unauthorized', 'sign in, or send a valid API token (Authorization: Bearer …)'),
  sessionExpired: () => new HttpError(401, 'session-expired', 'the admin session has expired or was ended; sign in again'),
  badSignIn: () => new HttpError(401, 'unauthorized', 'wrong admin name or password'),
  csrf: () => new HttpError(403, 'csrf-failed', 'a state change from the admin page needs the X-CSRF-Token header of its session'),
  throttled: (seconds: number) => new HttpError(429, 'too-many-failures', `too many failed sign-ins; try again in ${seconds} s`),
  invalid: (fields: Record<string, string>) =>
    new HttpError(
      400,
      'invalid',
      Object.entries(fields)
        .map(([field, reason]) => `${field}: ${reason}`)
        .join('; '),
      fields,
    ),
  conflict: (reason: string) => new HttpError(409, 'conflict', reason),
  notReady: (reason: string) => new HttpError(503, 'not-ready', reason),
  unsupportedMediaType: () => new HttpError(415, 'unsupported-media-type', 'send application/json'),
  tooLarge: (max: number) => new HttpError(413, 'too-large', `request body larger than ${max} bytes`),
  badJson: (detail: string) => new HttpError(400, 'bad-request', `body is not valid JSON: ${detail}`),
  badRequest: (reason: string) => new HttpError(400, 'bad-request', reason),
  notFound: (reason: string) => new HttpError(404, 'not-found', reason),
  tooManyRequests: () => new HttpError(429, 'too-many-requests', 'request rate limit exceeded; retry later'),
  methodNotAllowed: (allowed?: string) => new HttpError(405, 'method-not-allowed', allowed ? `use ${allowed}` : 'this endpoint does not take that method'),
} as const;

/** Renders HttpError as JSON; anything else is a 500 with no internals leaked. */
export async function renderErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw failures.notFound(`no such endpoint: ${ctx.method} ${ctx.path}`);
  } catch (err) {
    const failure = err instanceof HttpError ? err : new HttpError(500, 'internal-error', 'internal error');
    if (!(err instanceof HttpError)) ctx.app.emit('error', err, ctx);
    ctx.status = failure.status;
    ctx.body = { error: failure.code, reason: failure.reason, ...(failure.fields ? { fields: failure.fields } : {}) };
    if (failure.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="deskchat-admin"');
  }
}
